"""Managed by Ansible (hastack.web.galera_backup).

hastack-backup run        take the backup that is due (full or incremental), copy it and the
                          closed binary logs to the repository, apply retention (the timer)
hastack-backup status     the last good backup's age and size, and what is wrong; exit 1 when
                          a monitor should alert (--json: the same as one JSON object)
hastack-backup list       the sets and binary logs in the repository, as JSON
hastack-backup undesync   put the node back in flow control (the unit runs it after every run)

Settings: /etc/hastack/backup.json, written by the role. The decisions (what is due, what
retention forgets) are in galera_backup.py beside this file, the collection's
plugins/module_utils/galera_backup.py.
"""

import fcntl
import json
import os
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import galera_backup as decide  # noqa: E402  (the collection's module_utils, copied beside this file)

SETTINGS = "/etc/hastack/backup.json"
SET_TAG = "hastack-galera-set"
BINLOG_TAG = "hastack-galera-binlog"
# a binary log's first event is at offset 4; Gtid_list is event type 163 (0xa3)
_HEADER = struct.Struct("<IBIIIH")
_GTID_LIST = 163


class Failure(Exception):
    """A backup that must not count as good; the message says why."""


class Host:
    """Every side effect the program has, so that tests can replace them."""

    def __init__(self, conf):
        self.conf = conf

    def now(self):
        return time.time()

    def run(self, argv, env=None, timeout=None):
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout,
                                  env=dict(os.environ, **(env or {})))
        except subprocess.TimeoutExpired:
            return 124, "", "%s did not finish within %s s" % (argv[0], timeout)
        except OSError as exc:
            return 127, "", "%s cannot run: %s" % (argv[0], exc)
        return proc.returncode, proc.stdout, proc.stderr

    def sql(self, statement):
        """As root through the socket: wsrep_desync and FLUSH need more than the backup account holds."""
        rc, out, err = self.run(["mariadb", "-N", "-B", "-e", statement], timeout=60)
        if rc:
            raise Failure("MariaDB refused %r: %s" % (statement, err.strip()))
        return [line.split("\t") for line in out.splitlines()]

    def free_bytes(self, path):
        stats = os.statvfs(path)
        return stats.f_bavail * stats.f_frsize

    def tree_bytes(self, path):
        total = 0
        for root, dummy, files in os.walk(path):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        return total


# ---------------------------------------------------------------- the repository (restic)

def restic(host, *args):
    conf = host.conf
    env = {"RESTIC_REPOSITORY": conf["repository"], "RESTIC_PASSWORD_FILE": conf["password_file"],
           "RESTIC_CACHE_DIR": os.path.join(conf["staging"], ".cache")}   # a service has no $HOME
    return host.run(["restic", "--quiet"] + list(conf.get("restic_options", [])) + list(args), env=env,
                    timeout=conf.get("restic_timeout", 6 * 3600))


def ensure_repository(host):
    rc, dummy, err = restic(host, "cat", "config")
    if rc == 0:
        return
    if "does not exist" not in err and "unable to open config file" not in err:
        raise Failure("the repository %s cannot be read: %s" % (host.conf["repository"], err.strip()))
    rc, dummy, err = restic(host, "init")
    if rc:
        raise Failure("the repository %s cannot be created: %s" % (host.conf["repository"], err.strip()))


def _tags(snapshot):
    values = {}
    for tag in snapshot.get("tags") or []:
        key, sep, value = tag.partition("=")
        if sep:
            values[key] = value.replace("+", ",")
    return values


def catalogue(host):
    """(sets, binary logs) as the repository holds them, each with its snapshot id."""
    rc, out, err = restic(host, "snapshots", "--json")
    if rc:
        raise Failure("the repository's snapshots cannot be listed: %s" % err.strip())
    sets, binlogs = [], []
    for snapshot in json.loads(out or "[]"):
        tags, kinds = _tags(snapshot), snapshot.get("tags") or []
        if SET_TAG in kinds:
            file_, dummy, position = tags.get("binlog", ":0").partition(":")
            sets.append({"name": tags["set"], "kind": tags["kind"], "base": tags.get("base") or None,
                         "started": float(tags["started"]), "finished": float(tags["finished"]),
                         "binlog": {"file": file_, "position": int(position or 0)}, "gtid": tags.get("gtid", ""),
                         "size": int(tags.get("size", 0)), "ok": True, "snapshot": snapshot["id"]})
        elif BINLOG_TAG in kinds:
            binlogs.append({"name": tags["file"], "start": float(tags["start"]),
                            "end": float(tags["end"]) if tags.get("end") else None,
                            "gtid_end": tags.get("gtid_end", ""), "snapshot": snapshot["id"]})
    return sorted(sets, key=lambda s: s["finished"]), sorted(binlogs, key=lambda b: b["name"])


def _tag_args(values):
    args = []
    for key, value in sorted(values.items()):
        args += ["--tag", "%s=%s" % (key, str(value).replace(",", "+"))]
    return args


# ---------------------------------------------------------------- one backup set

def desync(host, on):
    if host.conf.get("desync", True):
        host.sql("SET GLOBAL wsrep_desync=%s" % ("ON" if on else "OFF"))


def take(host, decision, name):
    """mariabackup into the staging directory; the set's description, or Failure."""
    conf = host.conf
    target = os.path.join(conf["staging"], name)
    lsn = os.path.join(conf["staging"], "lsn", name)
    needed = host.tree_bytes(conf["datadir"]) if decision["kind"] == "full" else 0
    free = host.free_bytes(conf["staging"])
    if needed and free < needed:
        raise Failure("%s has %d MB free and the data is %d MB: a full backup would fill the disk"
                      % (conf["staging"], free // 2 ** 20, needed // 2 ** 20))
    argv = ["mariabackup", "--defaults-extra-file=%s" % conf["defaults_file"], "--backup", "--galera-info",
            "--target-dir=%s" % target, "--extra-lsndir=%s" % lsn]
    if decision["kind"] == "incremental":
        argv.append("--incremental-basedir=%s" % os.path.join(conf["staging"], "lsn", decision["base"]))
    argv += list(conf.get("mariabackup_options", []))
    started = host.now()
    desync(host, True)
    try:
        rc, dummy, err = host.run(argv, timeout=conf.get("mariabackup_timeout", 6 * 3600))
    finally:
        desync(host, False)
    finished = host.now()
    checkpoints = decide.parse_checkpoints(_read(target, "checkpoints"))
    binlog = decide.parse_binlog_info(_read(target, "binlog_info"))
    if rc or checkpoints is None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(lsn, ignore_errors=True)
        raise Failure("mariabackup failed (%s): %s" % (rc, _last_lines(err)))
    return {"name": name, "kind": decision["kind"], "base": decision.get("base"), "started": started,
            "finished": finished, "binlog": binlog or {"file": "", "position": 0},
            "gtid": (binlog or {}).get("gtid", ""), "size": host.tree_bytes(target), "ok": True}


def _read(directory, what):
    for prefix in ("xtrabackup_", "mariadb_backup_"):
        try:
            with open(os.path.join(directory, prefix + what)) as f:
                return f.read()
        except OSError:
            continue
    return ""


def _last_lines(text, count=5):
    return " | ".join(line.strip() for line in (text or "").strip().splitlines()[-count:]) or "no output"


def store(host, item):
    target = os.path.join(host.conf["staging"], item["name"])
    values = {"set": item["name"], "kind": item["kind"], "base": item["base"] or "", "started": int(item["started"]),
              "finished": int(item["finished"]), "size": item["size"], "gtid": item["gtid"],
              "binlog": "%s:%d" % (item["binlog"]["file"], item["binlog"]["position"])}
    with open(os.path.join(target, "hastack-backup.json"), "w") as f:
        json.dump(item, f, indent=1, sort_keys=True)
    arguments = ["backup", "--host", host.conf["host"], "--tag", SET_TAG] + _tag_args(values) + [target]
    rc, dummy, err = restic(host, *arguments)
    shutil.rmtree(target, ignore_errors=True)   # the lsn directory stays: the next incremental's base
    if rc:
        raise Failure("the copy to %s failed: %s" % (host.conf["repository"], _last_lines(err)))


# ---------------------------------------------------------------- binary logs

def binlog_head(path):
    """(time of the first event, the GTID position at the start) of a binary log file."""
    with open(path, "rb") as f:
        data = f.read(64 * 1024)
    if data[:4] != b"\xfebin":
        raise Failure("%s is not a binary log" % path)
    offset, first, gtids = 4, None, ""
    while offset + _HEADER.size <= len(data):
        stamp, kind, dummy, size, dummy, dummy = _HEADER.unpack_from(data, offset)
        first = stamp if first is None else first
        if kind == _GTID_LIST:
            body = offset + _HEADER.size
            count = struct.unpack_from("<I", data, body)[0] & 0x0FFFFFFF
            items = [struct.unpack_from("<IIQ", data, body + 4 + 16 * i) for i in range(count)]
            gtids = ",".join("%d-%d-%d" % item for item in items)
            break
        if size < _HEADER.size:
            break
        offset += size
    return first, gtids


def copy_binlogs(host, copied):
    """Close the current binary log and copy every closed one not yet in the repository.
    Returns (names copied, problems)."""
    conf = host.conf
    if not conf.get("binlogs", True):
        return [], []
    host.sql("FLUSH NO_WRITE_TO_BINLOG BINARY LOGS")
    names = [row[0] for row in host.sql("SHOW BINARY LOGS")]
    problems = []
    have = set(b["name"] for b in copied)
    done = []
    for name, following in zip(names, names[1:]):
        if name in have:
            continue
        path, next_path = os.path.join(conf["binlog_dir"], name), os.path.join(conf["binlog_dir"], following)
        start, dummy = binlog_head(path)
        end, gtid_end = binlog_head(next_path)
        values = {"file": name, "start": start, "end": end, "gtid_end": gtid_end}
        rc, dummy, err = restic(host, "backup", "--host", conf["host"], "--tag", BINLOG_TAG,
                                *(_tag_args(values) + [path]))
        if rc:
            raise Failure("the copy of %s to %s failed: %s" % (name, conf["repository"], _last_lines(err)))
        done.append(name)
    if copied and names:
        newest = max(copied, key=lambda b: decide.binlog_index(b["name"]))["name"]
        if decide.binlog_index(names[0]) > decide.binlog_index(newest) + 1:
            problems.append("binary logs after %s were purged before they were copied: a point-in-time restore "
                            "cannot cross that gap (raise binlog_expire_logs_seconds)" % newest)
    return done, problems


# ---------------------------------------------------------------- retention

def apply_retention(host, sets, binlogs):
    conf = host.conf
    now = host.now()
    forget = set(decide.retention(sets, now, conf["keep_chains"], conf["keep_seconds"]))
    oldest = decide.binlogs_needed_from(sets, now, conf["keep_chains"], conf["keep_seconds"])
    ids = [s["snapshot"] for s in sets if s["name"] in forget]
    if oldest:
        ids += [b["snapshot"] for b in binlogs if decide.binlog_index(b["name"]) < decide.binlog_index(oldest)]
    if ids:
        rc, dummy, err = restic(host, "forget", "--prune", *ids)
        if rc:
            raise Failure("retention could not forget %d snapshots: %s" % (len(ids), _last_lines(err)))
    for name in os.listdir(os.path.join(conf["staging"], "lsn")) if os.path.isdir(
            os.path.join(conf["staging"], "lsn")) else []:
        if name in forget:
            shutil.rmtree(os.path.join(conf["staging"], "lsn", name), ignore_errors=True)
    return sorted(forget)


# ---------------------------------------------------------------- the commands

def read_status(conf):
    try:
        with open(conf["status_file"]) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def write_status(conf, status):
    temporary = conf["status_file"] + ".tmp"
    with open(temporary, "w") as f:
        json.dump(status, f, indent=1, sort_keys=True)
    os.replace(temporary, conf["status_file"])


def run(host):
    conf = host.conf
    status = read_status(conf)
    name = None
    try:
        ensure_repository(host)
        sets, binlogs = catalogue(host)
        decision = decide.next_backup(sets, host.now(), conf["full_every"], conf["incrementals_max"])
        if decision["kind"] == "incremental" and not os.path.isdir(
                os.path.join(conf["staging"], "lsn", decision["base"])):
            decision = {"kind": "full", "reason": "%s was not taken here: an incremental needs its base's LSN"
                                                  % decision["base"]}
        name = "%s-%s-%s" % (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(host.now())), decision["kind"], conf["host"])
        print("%s: %s backup (%s)" % (name, decision["kind"], decision["reason"]))
        item = take(host, decision, name)
        store(host, item)
        copied, problems = copy_binlogs(host, binlogs)
        sets, binlogs = catalogue(host)
        forgotten = apply_retention(host, sets, binlogs)
        status["last_good"] = dict((k, item[k]) for k in ("name", "kind", "started", "finished", "size"))
        status["binlogs_copied"] = copied
        status["forgotten"] = forgotten
        status["problems"] = problems
        write_status(conf, status)
        print("%s: %d MB in %.0f s; %d binary logs copied; retention forgot %d sets"
              % (name, item["size"] // 2 ** 20, item["finished"] - item["started"], len(copied), len(forgotten)))
        for problem in problems:
            print("WARNING: " + problem, file=sys.stderr)
        return 0
    except Failure as exc:
        status["last_failed"] = {"name": name or "(none)", "finished": host.now(), "error": str(exc)}
        write_status(conf, status)
        # under systemd, at the journal's error priority
        print("%sbackup failed: %s" % ("<3>" if os.environ.get("JOURNAL_STREAM") else "", exc), file=sys.stderr)
        return 1


def show_status(host, as_json=False):
    status = read_status(host.conf)
    problems = decide.status_problems(status, host.now(), host.conf["max_age"]) + status.get("problems", [])
    good = status.get("last_good")
    if good:
        good = dict(good, age=host.now() - good["finished"])
    if as_json:  # for a monitor and for the role: {"last_good": {..., "age"} or null, "last_failed", "problems"}
        print(json.dumps({"last_good": good, "last_failed": status.get("last_failed"), "problems": problems},
                         indent=1, sort_keys=True))
        return 1 if problems else 0
    if good:
        print("last good backup: %s (%s), %d s ago, %d MB" % (
            good["name"], good["kind"], good["age"], good["size"] // 2 ** 20))
    for problem in problems:
        print("PROBLEM: " + problem)
    return 1 if problems else 0


def main(argv=None, host=None):
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "status"
    if host is None:
        with open(SETTINGS) as f:
            host = Host(json.load(f))
    if command == "status":
        return show_status(host, "--json" in argv[1:])
    if command == "undesync":
        desync(host, False)
        return 0
    if command == "list":
        sets, binlogs = catalogue(host)
        print(json.dumps({"sets": sets, "binlogs": binlogs}, indent=1, sort_keys=True))
        return 0
    if command == "run":
        os.makedirs(os.path.join(host.conf["staging"], "lsn"), exist_ok=True)
        with open(os.path.join(host.conf["staging"], ".lock"), "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                print("another hastack-backup run holds %s" % lock.name, file=sys.stderr)
                return 1
            return run(host)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
