# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for Galera backups: what the next backup is, what retention may forget, and
what a restore needs, or why it cannot be done.

A backup set is what one mariabackup run leaves, described by a dict:
  name      unique, sortable by time ("20261207T0900Z-full")
  kind      "full" or "incremental"
  base      the set an incremental was taken on top of (None for a full)
  started, finished   epoch seconds; `finished` is the set's consistent point
  binlog    {"file": "mysql-bin.000012", "position": 385}: where replay starts after it
  gtid      the server's GTID position at the consistent point ("0-1-1234,1-2-7")
  ok        True only when mariabackup and the off-host copy both succeeded
A copied binary log is {"name", "start", "end", "gtid_end"}: the times of its first event and
of its rotation, and the GTID position at its end. The last one may still be open (end None).

Nothing here guesses: a restore whose data the sets and binary logs do not cover is refused,
and the refusal names the gap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

_BINLOG_INDEX = re.compile(r"\.(\d+)$")


# ---------------------------------------------------------------- where the copies go

_SFTP = re.compile(r"^sftp:(?:(?P<user>[^@:/]*)@)?(?P<host>[^@:/]*)(?::(?P<path>.*))?$")
SUPPORTED = "sftp:USER@HOST:/PATH (a backup host) or an absolute path on the backed-up node (a mounted disk)"


def repository(text, variable="galera_backup_repository"):
    """What restic's repository string names, as far as the role can use it: {"kind": "sftp"
    or "local", "user", "host", "path", "problems": [one sentence each]}. The role manages the
    account on an sftp host, so it needs the user named; any other restic backend is refused,
    not guessed at."""
    text = (text or "").strip()
    found = {"kind": "", "user": "", "host": "", "path": "", "problems": []}
    if not text:
        found["problems"].append("%s is not set: give %s; there is no default for where backups live"
                                 % (variable, SUPPORTED))
        return found
    if text.startswith("/"):
        found.update(kind="local", path=text)
        if text.rstrip("/") == "":
            found["problems"].append("%s=%s is the root directory: give a directory of its own" % (variable, text))
        return found
    if text.startswith("sftp://"):
        found["problems"].append("%s=%s is restic's sftp:// form, which the role does not read: write "
                                 "sftp:USER@HOST:/PATH (the host's SSH port 22)" % (variable, text))
        return found
    match = _SFTP.match(text)
    if not match:
        scheme = text.split(":", 1)[0] if ":" in text else ""
        found["problems"].append(
            "%s=%s is %s: the role supports %s" % (
                variable, text, ("restic's %s backend" % scheme) if scheme else "a relative path", SUPPORTED))
        return found
    found.update(kind="sftp", user=match.group("user") or "", host=match.group("host") or "",
                 path=match.group("path") or "")
    missing = [what for what, value in (("the account (USER@)", found["user"]), ("the host", found["host"]))
               if not value]
    if missing:
        found["problems"].append("%s=%s does not name %s: write sftp:USER@HOST:/PATH" % (
            variable, text, " or ".join(missing)))
    if not found["path"].startswith("/") or found["path"].rstrip("/") == "":
        found["problems"].append("%s=%s: the path on %s must be an absolute directory (sftp:%s@%s:/srv/backup/db)"
                                 % (variable, text, found["host"] or "the host", found["user"] or "USER",
                                    found["host"] or "HOST"))
    return found


# ---------------------------------------------------------------- what mariabackup writes

def _fields(text):
    values = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def parse_checkpoints(text):
    """xtrabackup_checkpoints (mariadb_backup_checkpoints from 11.x) -> kind and LSNs, or None."""
    values = _fields(text)
    if "backup_type" not in values:
        return None
    kind = "incremental" if values["backup_type"] == "incremental" else "full"
    try:
        return {"kind": kind, "prepared": values["backup_type"].endswith("prepared"),
                "from_lsn": int(values.get("from_lsn", 0)), "to_lsn": int(values.get("to_lsn", 0))}
    except ValueError:
        return None


def parse_binlog_info(text):
    """xtrabackup_binlog_info: "<file>\\t<position>[\\t<gtid>]" -> dict, or None."""
    parts = (text or "").split()
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return {"file": parts[0], "position": int(parts[1]), "gtid": parts[2] if len(parts) > 2 else ""}


def parse_galera_info(text):
    """xtrabackup_galera_info: "<uuid>:<seqno>" -> {"uuid", "seqno"}, or None."""
    uuid, sep, seqno = (text or "").strip().partition(":")
    seqno = seqno.split(",")[0].strip()
    if not sep or not re.match(r"^-?\d+$", seqno):
        return None
    return {"uuid": uuid, "seqno": int(seqno)}


# ---------------------------------------------------------------- GTIDs

def parse_gtids(text):
    """"0-1-100,1-2-7" -> {domain: (server, seqno)}."""
    positions = {}
    for item in (text or "").replace(" ", "").split(","):
        if not item:
            continue
        parts = item.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValueError("%r is not a GTID (domain-server-seqno)" % item)
        positions[int(parts[0])] = (int(parts[1]), int(parts[2]))
    return positions


def gtid_reached(position, target):
    """True when the GTID position `position` includes the single GTID `target`."""
    wanted = parse_gtids(target)
    if len(wanted) != 1:
        raise ValueError("%r is not one GTID (domain-server-seqno)" % target)
    domain, (dummy, seqno) = list(wanted.items())[0]
    have = parse_gtids(position).get(domain)
    return have is not None and have[1] >= seqno


# ---------------------------------------------------------------- chains

def chains(sets):
    """Good sets grouped into restorable chains, oldest first: [full, incremental, ...].
    An incremental whose base is missing or not good belongs to no chain."""
    good = [s for s in sets if s.get("ok")]
    by_base = {}
    for item in good:
        if item["kind"] == "incremental":
            by_base.setdefault(item["base"], []).append(item)
    result = []
    for full in sorted((s for s in good if s["kind"] == "full"), key=lambda s: s["finished"]):
        chain = [full]
        while chain[-1]["name"] in by_base:
            chain.append(max(by_base[chain[-1]["name"]], key=lambda s: s["finished"]))
        result.append(chain)
    return result


def next_backup(sets, now, full_every, incrementals_max):
    """The backup the timer takes now: {"kind": "full"} or {"kind": "incremental", "base": name},
    with the reason."""
    found = chains(sets)
    if not found:
        return {"kind": "full", "reason": "no good full backup yet"}
    chain = found[-1]
    age = now - chain[0]["finished"]
    if age >= full_every:
        return {"kind": "full", "reason": "the last full backup is %d s old (full every %d s)" % (age, full_every)}
    if len(chain) - 1 >= incrementals_max:
        return {"kind": "full", "reason": "%d incrementals on the last full backup" % (len(chain) - 1)}
    return {"kind": "incremental", "base": chain[-1]["name"],
            "reason": "on %s, %d of %d incrementals" % (chain[-1]["name"], len(chain) - 1, incrementals_max)}


def retention(sets, now, keep_chains, keep_seconds):
    """The names of the sets retention forgets. A chain stays while it is one of the newest
    `keep_chains`, or its newest set is younger than `keep_seconds`; the newest chain always
    stays. Failed sets and incrementals outside every chain go once a newer chain exists."""
    found = chains(sets)
    kept = set()
    for index, chain in enumerate(reversed(found)):
        if index < max(keep_chains, 1) or now - chain[-1]["finished"] < keep_seconds:
            kept.update(s["name"] for s in chain)
    newest = found[-1][0]["finished"] if found else None
    forget = []
    for item in sets:
        if item["name"] in kept:
            continue
        in_chain = any(item is s for chain in found for s in chain)
        if in_chain or (newest is not None and item.get("started", item.get("finished", 0)) < newest):
            forget.append(item["name"])
    return sorted(forget)


def binlogs_needed_from(sets, now, keep_chains, keep_seconds):
    """The oldest binary log any kept set may replay from (older copies may go), or None."""
    forgotten = set(retention(sets, now, keep_chains, keep_seconds))
    kept = [s for chain in chains(sets) for s in chain if s["name"] not in forgotten]
    if not kept:
        return None
    return min(kept, key=lambda s: s["finished"])["binlog"]["file"]


# ---------------------------------------------------------------- restore

def binlog_index(name):
    """mysql-bin.000012 -> 12 (None for a name without an index)."""
    match = _BINLOG_INDEX.search(name)
    return int(match.group(1)) if match else None


def _iso(seconds):
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def _covered_until(binlog):
    """Until when a copied binary log holds every event: its rotation, or for one still open
    when it was copied, the copy's time."""
    return binlog["end"] if binlog.get("end") is not None else binlog.get("copied", binlog["start"])


def _replay(binlogs, start, stop_time=None, stop_gtid=None):
    """The copied binary logs from `start` ({"file", "position"}) through the stop: (files, None),
    or (None, the gap that stops it)."""
    by_index = dict((binlog_index(b["name"]), b) for b in binlogs if binlog_index(b["name"]) is not None)
    index = binlog_index(start["file"])
    if index not in by_index:
        return None, ("binary log %s, where replay starts after the backup, was not copied off-host"
                      % start["file"])
    files = []
    while True:
        current = by_index[index]
        files.append(current)
        until = _covered_until(current)
        if stop_time is not None and until >= stop_time:
            return files, None
        if stop_gtid is not None and gtid_reached(current.get("gtid_end", ""), stop_gtid):
            return files, None
        if index + 1 not in by_index:
            if current.get("end") is None or index == max(by_index):
                reached = (current.get("gtid_end") or "no GTID") if stop_gtid else _iso(until)
                return None, ("the binary logs copied off-host end with %s (%s): nothing covers the point asked for"
                              % (current["name"], reached))
            return None, ("binary log %s was not copied off-host: nothing covers %s onwards"
                          % (_name_like(current["name"], index + 1), _iso(until)))
        index += 1


def _name_like(template, index):
    match = _BINLOG_INDEX.search(template)
    return "%s.%0*d" % (template[:match.start()], len(match.group(1)), index)


def restore_plan(sets, binlogs, target=None):
    """What a restore of `target` needs: {"chain": [names], "replay": [binlog names],
    "start": {"file", "position"} or None, "stop": {...} or None}, or {"problem": why}.

    target: None (the newest good backup as it is), {"set": name} (that backup),
    {"time": epoch} (every transaction committed before it, none after) or {"gtid": "d-s-n"}
    (up to and including that transaction)."""
    target = target or {}
    found = chains(sets)
    if not found:
        return {"problem": "there is no good backup to restore"}
    if "set" in target:
        for chain in found:
            names = [s["name"] for s in chain]
            if target["set"] in names:
                return {"chain": names[:names.index(target["set"]) + 1], "replay": [], "start": None, "stop": None}
        return {"problem": "backup %s is not a good backup of a restorable chain (have: %s)"
                % (target["set"], ", ".join(s["name"] for c in found for s in c))}
    usable = [s for chain in found for s in chain]
    if "time" in target:
        before = [s for s in usable if s["finished"] <= target["time"]]
        if not before:
            return {"problem": "no backup ends before %s: the oldest good one ends at %s"
                    % (_iso(target["time"]), _iso(min(s["finished"] for s in usable)))}
        base = max(before, key=lambda s: s["finished"])
        stop = {"datetime": target["time"]}
        files, problem = _replay(binlogs, base["binlog"], stop_time=target["time"])
    elif "gtid" in target:
        try:
            before = [s for s in usable if not gtid_reached(s.get("gtid", ""), target["gtid"])]
        except ValueError as exc:
            return {"problem": str(exc)}
        if not before:
            return {"problem": "every good backup already holds %s: restore one of them with a set target"
                    % target["gtid"]}
        base = max(before, key=lambda s: s["finished"])
        stop = {"gtid": target["gtid"]}
        files, problem = _replay(binlogs, base["binlog"], stop_gtid=target["gtid"])
    else:
        chain = found[-1]
        return {"chain": [s["name"] for s in chain], "replay": [], "start": None, "stop": None}
    if problem:
        return {"problem": problem}
    chain = next(c for c in found if base in c)
    names = [s["name"] for s in chain]
    return {"chain": names[:names.index(base["name"]) + 1], "replay": [b["name"] for b in files],
            "start": base["binlog"], "stop": stop}


# ---------------------------------------------------------------- status

def status_problems(status, now, max_age):
    """What a monitor should say about the status file the backup writes (empty: healthy)."""
    if not status or not status.get("last_good"):
        return ["no backup has succeeded on this host"]
    problems = []
    age = now - status["last_good"]["finished"]
    if age > max_age:
        problems.append("the last good backup (%s) is %d s old, more than %d s"
                        % (status["last_good"]["name"], age, max_age))
    failed = status.get("last_failed")
    if failed and failed.get("finished", 0) > status["last_good"]["finished"]:
        problems.append("the last backup, %s, failed: %s" % (failed.get("name", "?"), failed.get("error", "see the journal")))
    return problems
