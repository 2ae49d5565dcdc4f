# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for MariaDB Galera: which node may bootstrap, in what order the rest join.

The galera_state module gathers one node's state (service, wsrep status, grastate.dat, the
position recovered by `mysqld --wsrep-recover`); plan() takes every node's state and
returns what to do, or a refusal whose reason names the override. It never chooses a
bootstrap that could lose committed transactions:

- a primary component is running somewhere: nobody bootstraps, the stopped nodes join,
  unless one of them holds transactions the primary lacks (another history, or a higher
  position): then refuse;
- all nodes stopped and reachable: the node with the highest committed position
  bootstraps (after an orderly shutdown that is the one with safe_to_bootstrap: 1);
- a node is unreachable, a survivor is non-primary, a position is unknown, or the
  cluster UUIDs differ: refuse, because the node we cannot see or compare may be ahead.
  `force` names the node to bootstrap anyway, and is refused while a primary component
  runs anywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hastack.web.plugins.module_utils.secrets import user_credential_problems

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
FORCE_VARIABLE = "galera_force_bootstrap_node"
# Galera's defaults, in seconds.
INACTIVE_TIMEOUT = 15.0
INACTIVE_CHECK_PERIOD = 0.5
JOIN_RETRANS_PERIOD = 1.0

# "WSREP: Recovered position: 6c1d...:42" (10.11 may append ",gtid")
_RECOVERED = re.compile(r"Recovered position:?\s+([0-9a-f-]{36}):(-?\d+)")


def parse_grastate(text):
    """grastate.dat -> {uuid, seqno, safe_to_bootstrap}; None when there is no text."""
    if not text or not text.strip():
        return None
    values = {}
    for line in text.splitlines():
        if ":" not in line or line.lstrip().startswith("#"):
            continue
        key, dummy, value = line.partition(":")
        values[key.strip()] = value.strip()
    try:
        seqno = int(values.get("seqno", "-1"))
    except ValueError:
        seqno = -1
    return {
        "uuid": values.get("uuid") or None,
        "seqno": seqno,
        "safe_to_bootstrap": values.get("safe_to_bootstrap", "0") == "1",
    }


def parse_recovered_position(text):
    """The last position `mysqld --wsrep-recover` logged, as (uuid, seqno), or None."""
    found = _RECOVERED.findall(text or "")
    if not found:
        return None
    uuid, seqno = found[-1]
    return uuid, int(seqno)


def parse_status(text):
    """`SHOW GLOBAL STATUS LIKE 'wsrep%'` in batch mode (name TAB value) -> dict."""
    status = {}
    for line in (text or "").splitlines():
        name, sep, value = line.partition("\t")
        if sep:
            status[name.strip().lower()] = value.strip()
    return status


def member_problems(members, arbitrators=(), bootstrap_node=None):
    """Inventory checks for a Galera cluster, each naming what to change."""
    problems = []
    members = list(members)
    if not members:
        problems.append("the galera group is empty: put the database nodes in the group galera_group names")
        return problems
    if len(set(members)) != len(members):
        problems.append("a host is listed twice in the galera group")
    votes = len(members) + len(list(arbitrators))
    if votes % 2 == 0:
        problems.append(
            "%d voting members (%d nodes, %d arbitrators): an even count loses quorum when it splits in "
            "half; add a node or set galera_arbitrator_host to run garbd" % (votes, len(members), len(arbitrators)))
    if bootstrap_node and bootstrap_node not in members:
        problems.append("galera_bootstrap_node is %s, which is not in the galera group" % bootstrap_node)
    return problems


def _position(state):
    """The node's committed position: grastate's seqno, else the recovered one; None if unknown."""
    if state.get("seqno", -1) is not None and state.get("seqno", -1) >= 0:
        return state["seqno"]
    recovered = state.get("recovered_seqno")
    if recovered is not None and recovered >= 0:
        return recovered
    return None


def _uuid(state):
    uuid = state.get("uuid") or state.get("recovered_uuid")
    if uuid in (None, "", ZERO_UUID):
        return None
    return uuid


def _fresh(state):
    """Never part of a cluster: no grastate, or a zero UUID with no committed position."""
    return _uuid(state) is None and (_position(state) in (None, -1, 0))


def _refuse(reason, **extra):
    plan = {"action": "refuse", "bootstrap": None, "bootstrap_method": None, "mark_safe": False,
            "join": [], "primary": [], "reason": reason}
    plan.update(extra)
    return plan


def _order(hosts, members):
    rank = {name: i for i, name in enumerate(members)}
    return sorted(hosts, key=lambda h: rank.get(h, len(rank)))


_KEEP_WHICH = ("Decide which data to keep: to keep %s's, stop the primary component and run the recovery "
               "again; to keep the primary's, move %s's grastate.dat aside and it joins by SST")


def _history_conflict(states, primary, joiners):
    """Why joining these nodes to the running primary would discard committed data, or None.

    A joiner takes the primary's history: it receives by IST what it lacks, and by SST (a
    full copy over its own data) when it belongs to another history. A stopped node of
    another cluster UUID, or one whose position is beyond what the primary has committed,
    holds transactions the primary does not: the primary was started from a node that
    was behind (a one-node component restored from gvwstate.dat after a power loss does
    exactly that). Nodes with no history, or whose position is unknown, join.
    """
    head = primary[0]
    cluster_uuid = states[head].get("cluster_state_uuid") or states[head].get("uuid")
    committed = [states[h].get("last_committed") for h in primary if states[h].get("last_committed") is not None]
    for node in joiners:
        state = states[node]
        if state.get("running") or _fresh(state):
            continue
        uuid, position = _uuid(state), _position(state)
        if cluster_uuid and uuid and uuid != cluster_uuid:
            return ("%s holds cluster history %s but the primary component on %s runs history %s: joining would "
                    "overwrite %s's data with a full copy (SST). %s"
                    % (node, uuid, ", ".join(primary), cluster_uuid, node, _KEEP_WHICH % (node, node)))
        if committed and position is not None and position > max(committed):
            return ("%s has committed seqno %d but the primary component on %s only %d: the primary was started "
                    "from a node that was behind, and joining would discard %s's newer transactions. %s"
                    % (node, position, ", ".join(primary), max(committed), node, _KEEP_WHICH % (node, node)))
    return None


def plan(states, members, bootstrap_node=None, force=None):
    """Decide how to bring the cluster to full strength, and the steps on the way there.

    The decision is _decide()'s; the steps added here are what the role does before and while
    it acts on it, so that its tasks only follow the plan:
    settle - nodes systemd is still starting while no primary component runs: after a power
      loss Galera restores the last primary component by itself (pc.recovery) once all of its
      members are back, so the role gives them that chance, bounded, before touching any;
    stop - nodes still starting or stopping while no primary runs and every member answered:
      they wait for a component that does not come back, and stopping them loses nothing and
      lets their position be read (never while a member is unreachable: it may be the one
      they wait for);
    forget - joiners that are stopped, whose saved component (gvwstate.dat) must go before
      they start, or a node last alone in a primary component restores it beside the cluster;
    join_size - for each joiner, the least cluster size once it is in: the primary's nodes,
      the bootstrapped one and those that joined before it.
    """
    members = list(members)
    result = _decide(states, members, bootstrap_node, force)
    states = {name: states.get(name) or {"reachable": False} for name in members}
    reachable = [h for h in members if states[h].get("reachable", True)]
    service = {h: states[h].get("service_state") or ("active" if states[h].get("running") else "inactive")
               for h in reachable}
    no_primary = not any(states[h].get("running") and states[h].get("cluster_status") == "Primary"
                         for h in reachable)
    result["settle"] = [h for h in reachable if no_primary and service[h] == "activating"]
    result["stop"] = [h for h in reachable if no_primary and not result["unreachable"]
                      and service[h] in ("activating", "deactivating")]
    result["forget"] = [h for h in result["join"] if service.get(h) in ("inactive", "failed")]
    before = len(result["primary"]) + (1 if result["bootstrap"] else 0)
    result["join_size"] = {h: before + i + 1 for i, h in enumerate(result["join"])}
    return result


def _decide(states, members, bootstrap_node, force):
    """Decide how to bring the cluster to full strength.

    states: {host: state} as galera_state returns it, plus `reachable` (False when the host
    could not be gathered). members: the galera group in inventory order. bootstrap_node:
    the node a fresh install bootstraps (default: the first member). force: a node to
    bootstrap although the plan would refuse; never honoured while a primary runs.

    Returns {action, bootstrap, bootstrap_method, mark_safe, join, primary, positions, unreachable,
    reason}; plan() adds the steps.
    action is none (all members in the primary component), join (a primary runs; the
    `join` list starts one at a time), bootstrap (`bootstrap` starts a new cluster, then
    `join` in order) or refuse (`reason` says why and names the override).
    """
    states = {name: dict(states.get(name) or {"reachable": False}) for name in members}
    reachable = [h for h in members if states[h].get("reachable", True)]
    unreachable = [h for h in members if h not in reachable]
    running = [h for h in reachable if states[h].get("running")]
    primary = [h for h in running if states[h].get("cluster_status") == "Primary"]
    positions = {h: _position(states[h]) for h in reachable}
    base = {"positions": positions, "unreachable": unreachable}

    if force is not None and force not in members:
        return _refuse("%s=%s is not a member of the galera group" % (FORCE_VARIABLE, force), **base)

    # A primary component exists: never bootstrap, even when forced.
    if primary:
        uuids = {states[h].get("cluster_state_uuid") or states[h].get("uuid") for h in primary}
        if len(uuids) > 1:
            return _refuse("two primary components with different cluster UUIDs (%s): a split brain; "
                           "stop one side by hand after deciding which data to keep" % ", ".join(sorted(primary)),
                           primary=primary, **base)
        joiners = [h for h in reachable if h not in primary]
        conflict = _history_conflict(states, primary, joiners)
        if conflict:
            return _refuse(conflict, primary=primary, **base)
        plan_ = {"action": "join" if joiners else "none", "bootstrap": None, "bootstrap_method": None,
                 "mark_safe": False, "join": joiners, "primary": primary,
                 "reason": "a primary component runs on %s; %s" % (
                     ", ".join(primary),
                     "the others join one at a time" if joiners else "every reachable member is in it")}
        if force is not None:
            plan_["reason"] += "; %s ignored: a primary component is running" % FORCE_VARIABLE
        if unreachable:
            plan_["reason"] += "; unreachable, left alone: %s" % ", ".join(unreachable)
        plan_.update(base)
        return plan_

    def forced(reason):
        if force is None:
            return _refuse("%s. To bootstrap anyway, set %s to the node you know holds the latest "
                           "committed data" % (reason, FORCE_VARIABLE), **base)
        joiners = [h for h in _order(reachable, members) if h != force]
        method = "pc_bootstrap" if states[force].get("running") else "new_cluster"
        return dict({"action": "bootstrap", "bootstrap": force, "bootstrap_method": method,
                     "mark_safe": method == "new_cluster", "join": joiners, "primary": [],
                     "reason": "forced by %s=%s despite: %s" % (FORCE_VARIABLE, force, reason)}, **base)

    if force is not None and force not in reachable:
        return _refuse("%s=%s, but that node is unreachable" % (FORCE_VARIABLE, force), **base)
    if unreachable:
        return forced("no primary component runs and %s cannot be reached; %s might hold transactions "
                      "the others lack" % (", ".join(unreachable), "they" if len(unreachable) > 1 else "it"))
    if running:
        return forced("no primary component: %s running but non-primary (a partition without quorum)"
                      % ", ".join(running))

    # Every member reachable and stopped.
    if all(_fresh(states[h]) for h in members):
        node = bootstrap_node or members[0]
        if force is not None:
            node = force
        return dict({"action": "bootstrap", "bootstrap": node, "bootstrap_method": "new_cluster",
                     "mark_safe": False, "join": [h for h in members if h != node], "primary": [],
                     "reason": "fresh install: %s bootstraps, the others join one at a time" % node}, **base)

    initialized = [h for h in members if not _fresh(states[h])]
    uuids = sorted({_uuid(states[h]) for h in initialized if _uuid(states[h])})
    if len(uuids) > 1:
        by_uuid = ["%s=%s" % (h, _uuid(states[h])) for h in initialized]
        return forced("the nodes belong to different clusters (%s)" % ", ".join(by_uuid))
    unknown = [h for h in initialized if positions[h] is None]
    if unknown:
        return forced("the committed position of %s is unknown (seqno -1 and --wsrep-recover found none)"
                      % ", ".join(unknown))
    if force is not None:
        return forced("forced although the positions are known")

    best = max(positions[h] for h in initialized)
    leaders = [h for h in initialized if positions[h] == best]
    safe = [h for h in leaders if states[h].get("safe_to_bootstrap")]
    marked_behind = [h for h in initialized if states[h].get("safe_to_bootstrap") and h not in leaders]
    if marked_behind:
        return forced("%s has safe_to_bootstrap: 1 but a lower seqno than %s (%d): the histories disagree"
                      % (", ".join(marked_behind), ", ".join(leaders), best))
    # Tie break: the node marked safe, then the configured bootstrap node, then inventory order.
    preferred = [h for h in (safe + [bootstrap_node] + _order(leaders, members)) if h in leaders]
    node = preferred[0]
    if safe:
        reason = "orderly shutdown: %s has safe_to_bootstrap: 1 and seqno %d" % (node, best)
    else:
        reason = "crash recovery: %s has the highest committed seqno (%d)%s" % (
            node, best, "; tie with %s broken by preference order" % ", ".join(h for h in leaders if h != node)
            if len(leaders) > 1 else "")
    return dict({"action": "bootstrap", "bootstrap": node, "bootstrap_method": "new_cluster",
                 "mark_safe": not states[node].get("safe_to_bootstrap"),
                 "join": [h for h in members if h != node], "primary": [], "reason": reason}, **base)


def health(status):
    """Classify a node from its wsrep status: (healthy, text) for HAProxy, ProxySQL or a human."""
    if not status:
        return False, "not running or wsrep status unreadable"
    cluster = status.get("wsrep_cluster_status", "?")
    local = status.get("wsrep_local_state_comment", "?")
    ready = status.get("wsrep_ready", "OFF")
    size = status.get("wsrep_cluster_size", "?")
    text = "%s, %s, cluster size %s" % (local, cluster, size)
    if cluster != "Primary":
        return False, "non-primary: " + text
    if ready != "ON":
        return False, "wsrep not ready: " + text
    if local == "Synced":
        return True, text
    return False, text


def departure_problems(state, node):
    """Why `node`, whose galera_node_info state this is, may not leave the cluster now, for
    maintenance or for good; [] when it may.

    It must be Synced in a primary component, and the members left must still be a majority
    of the component (the size counts an arbitrator's vote): a node taken out of a component
    of two leaves one, which stops taking writes as soon as anything else goes wrong.
    """
    if not state.get("running") or state.get("cluster_status") != "Primary" or state.get("local_state") != "Synced":
        return ["%s is %s: take a node out only from a healthy cluster (run site.yml, or the recovery, first)"
                % (node, describe(state))]
    size = state.get("cluster_size") or 0
    if 2 * (size - 1) <= size:
        return ["Without %s, %d of the component's %d votes would be left, not a majority: the rest would stop taking "
                "writes at the next failure. Add a node or an arbitrator (garbd) first" % (node, size - 1, size)]
    return []


WAIT_STATES = ("synced", "joined", "settled")


def _host(address):
    """An incoming address without its port: 10.0.0.1:3306 -> 10.0.0.1, [fd00::1]:3306 -> fd00::1."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or (":" in host and not host.startswith("[")):
        return address.strip("[]")
    return host.strip("[]")


def missing_addresses(incoming, addresses):
    """The addresses (with or without a port) that are not among wsrep_incoming_addresses."""
    incoming = list(incoming or [])
    hosts = {_host(a) for a in incoming}
    return [a for a in addresses if a not in incoming and (_host(a) != a or a not in hosts)]


def describe(state):
    """One node's state in a few words, for a message."""
    service = state.get("service_state") or "unknown"
    if not state.get("running"):
        return "not running (systemd: %s)" % service
    size = state.get("cluster_size")
    return "%s in a %s component of %s" % (state.get("local_state") or "?", state.get("cluster_status") or "?",
                                           "?" if size is None else size)


def wait_verdict(state, until, cluster_size=None, addresses=()):
    """Where a wait for one node stands: ("done" | "wait" | "fail", why).

    settled - systemd is neither starting nor stopping the service (it runs, or it stopped or
      failed);
    synced - Primary and Synced, in a component of at least cluster_size nodes that counts
      every one of `addresses` among its incoming addresses (the others may still be coming);
    joined - as synced, for a node that was just started to join: Synced in a smaller primary
      component means it formed a cluster of its own, which never merges, so waiting stops.
    A synced or joined wait also stops when the service failed: systemd restarts it only after
    a crash by signal, and a failed start (a refused or broken state transfer) stays failed.
    """
    service = state.get("service_state") or "unknown"
    if until == "settled":
        if service in ("activating", "deactivating", "reloading"):
            return "wait", "systemd is still %s it" % {"activating": "starting", "deactivating": "stopping",
                                                       "reloading": "reloading"}[service]
        return "done", describe(state)
    if service == "failed":
        return "fail", "the service failed (systemd: failed)"
    if not state.get("running") or state.get("cluster_status") != "Primary" or state.get("local_state") != "Synced":
        return "wait", describe(state)
    size = state.get("cluster_size") or 0
    if cluster_size and size < cluster_size:
        if until == "joined":
            return "fail", ("Synced in a primary component of %d where at least %d were expected: a component of "
                            "its own, beside the cluster, which never merges with it. Stop MariaDB on it and run "
                            "the recovery again" % (size, cluster_size))
        return "wait", "%s, where at least %d are expected" % (describe(state), cluster_size)
    missing = missing_addresses(state.get("incoming_addresses"), addresses)
    if missing:
        return "wait", "%s, without %s" % (describe(state), ", ".join(missing))
    return "done", describe(state)


def wait_failure(until, why, seconds, service="mariadb", hint=None):
    """The message of a wait that failed or ran out of time."""
    wanted = {"settled": "systemd to finish starting or stopping it", "synced": "it to be Synced in the cluster",
              "joined": "it to join the cluster and be Synced"}[until]
    text = "Waited %.0f s for %s: %s. See journalctl -u %s" % (seconds, wanted, why, service)
    if hint:
        text += ". " + hint
    return text


def _iso(seconds):
    """Seconds as an ISO 8601 duration Galera accepts: 0.5 -> PT0.5S."""
    text = ("%.3f" % seconds).rstrip("0").rstrip(".")
    return "PT%sS" % text


def evs_options(suspect_timeout):
    """The evs.* timeouts derived from one suspect timeout in seconds (0: Galera's defaults).

    Galera declares a silent peer suspect after suspect_timeout and evicts it once every
    other node agrees; writes stall on the survivors meanwhile. Derived from it:
    - keepalive_period = 0.3 x: Galera refuses one at or above a third of
      suspect_timeout, and the node then does not start;
    - inactive_check_period = 0.2 x: how often silence is checked, so detection is late
      by at most that;
    - join_retrans_period = 0.3 x (at most Galera's 1 s): while the survivors agree on a
      new membership they send join messages instead of keepalives, at this period. Left
      at 1 s with a 0.5 s suspect timeout, the survivors suspected each other while
      evicting a dead node, and the lab cluster went non-primary on a single node's death;
    - inactive_timeout (unilateral eviction) stays at Galera's 15 s, or 3 x when that is
      longer. Galera derives install_timeout from it (half) and requires it below it; with
      an install timeout under the 1 s join retransmit period a restarting node never
      completes the membership change. Deriving inactive_timeout as 3 x suspect_timeout
      took the whole lab cluster non-primary on the first rolling restart.
    """
    if not suspect_timeout:
        return {}
    suspect = float(suspect_timeout)
    return {
        "evs.suspect_timeout": _iso(suspect),
        "evs.keepalive_period": _iso(suspect * 0.3),
        "evs.inactive_check_period": _iso(min(suspect * 0.2, INACTIVE_CHECK_PERIOD)),
        "evs.inactive_timeout": _iso(max(suspect * 3, INACTIVE_TIMEOUT)),
        "evs.join_retrans_period": _iso(min(suspect * 0.3, JOIN_RETRANS_PERIOD)),
    }


def _priority(value):
    """A priority as given: an int, or digits (a -e key=value on the command line)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def realtime_option(priority):
    """gcomm.thread_prio for a real-time priority (0: the ordinary scheduler, no option).

    Galera's group-communication thread sends the keepalives that tell the other nodes this
    one is alive; starved of a CPU for longer than evs.suspect_timeout, its node is suspected
    although it is well. At SCHED_RR it runs before every ordinary process. Galera also lifts
    each thread that sends a write set to this priority for the send."""
    priority = _priority(priority)
    return {"gcomm.thread_prio": "rr:%d" % priority} if priority else {}


def provider_option_problems(suspect_timeout, extra, realtime_priority=0):
    """Checks of wsrep_provider_options that Galera itself would only fail at startup."""
    problems = []
    realtime_priority = _priority(realtime_priority)
    if isinstance(realtime_priority, bool) or not isinstance(realtime_priority, int) \
            or not 0 <= realtime_priority <= 99:
        problems.append("galera_realtime_priority=%r: use 1 to 99 (SCHED_RR priority of Galera's "
                        "group-communication thread), or 0 to leave it to the ordinary scheduler"
                        % (realtime_priority,))
    elif realtime_priority and "gcomm.thread_prio" in (extra or {}):
        problems.append("galera_provider_options sets gcomm.thread_prio while galera_realtime_priority "
                        "sets it too: use one or the other")
    if suspect_timeout and float(suspect_timeout) < 0.2:
        problems.append("galera_evs_suspect_timeout=%s: below 0.2 s a busy host is suspected falsely; "
                        "0.5 was measured safe in the lab under stress" % suspect_timeout)
    evs = [key for key in (extra or {}) if key.startswith("evs.")]
    if suspect_timeout and evs:
        problems.append("galera_provider_options sets %s while galera_evs_suspect_timeout derives them: "
                        "use one or the other" % ", ".join(sorted(evs)))
    for key, value in (extra or {}).items():
        if ";" in str(key) or ";" in str(value):
            problems.append("galera_provider_options[%s]: values must not contain ';'" % key)
    return problems


def provider_options(gcache_size, suspect_timeout=0, extra=None, tls=None, realtime_priority=0):
    """wsrep_provider_options as one string, in a stable order."""
    options = {"gcache.size": gcache_size, "gcache.recover": "yes"}
    options.update(evs_options(suspect_timeout))
    options.update(realtime_option(realtime_priority))
    if tls:
        options.update({"socket.ssl": "yes", "socket.ssl_ca": tls["ca"], "socket.ssl_cert": tls["cert"],
                        "socket.ssl_key": tls["key"]})
    options.update(extra or {})
    return ";".join("%s=%s" % (key, options[key]) for key in sorted(options))


# Provider options garbd has no use for: it keeps no write-set cache, and it sets its own
# flow control (it must never slow the cluster down).
ARBITRATOR_IGNORED_PREFIXES = ("gcache.", "gcs.fc_")


def arbitrator_options(suspect_timeout=0, extra=None, tls=None):
    """garbd's provider options (GALERA_OPTIONS): the members' evs timers, because garbd votes
    on who is alive and must give up on a silent node as soon as they do (with Galera's 5 s
    default it would hold the survivors' writes for 5 s), TLS when replication is encrypted,
    and the members' further options except those garbd has no use for."""
    options = evs_options(suspect_timeout)
    if tls:
        options.update({"socket.ssl": "yes", "socket.ssl_ca": tls["ca"], "socket.ssl_cert": tls["cert"],
                        "socket.ssl_key": tls["key"]})
    options.update((key, value) for key, value in (extra or {}).items()
                   if not key.startswith(ARBITRATOR_IGNORED_PREFIXES))
    return ";".join("%s=%s" % (key, options[key]) for key in sorted(options))


def outsiders(incoming_addresses, known_addresses):
    """The members of a running cluster (wsrep_incoming_addresses, "addr:port,...") whose
    address is none of known_addresses (the inventory's members and arbitrators): nodes that
    left the inventory while they still run. Entries without an address (garbd's) are skipped."""
    if isinstance(incoming_addresses, str):
        incoming_addresses = incoming_addresses.split(",")
    known = set(str(address) for address in known_addresses)
    found = set()
    for entry in incoming_addresses or []:
        address = entry.strip()
        if address.count(":") == 1 or (address.startswith("[") and "]:" in address):
            address = address.rsplit(":", 1)[0].strip("[]")
        if address and address not in known and address not in ("AUTO", "0.0.0.0"):
            found.add(address)
    return sorted(found)


def arbitrator_hosts(members, hostvars):
    """The hosts the members name in galera_arbitrator_host (the site preflight makes it one)."""
    return sorted(set(str(hostvars[member].get("galera_arbitrator_host") or "") for member in members) - {""})


def accounts(users, default_hosts, monitor_user=None, monitor_password=None):
    """Flatten the role's users into one entry per (user, host) for community.mysql.mysql_user.

    users: [{name, password | password_hash, priv, hosts}]; hosts default to default_hosts
    (the client addresses). The monitor user (ProxySQL) gets USAGE only. A password_hash is
    a mysql_native_password hash (*...), passed as already encrypted, so an inventory that
    keeps only hashes stays idempotent.
    """
    flat = []
    entries = list(users or [])
    if monitor_user:
        entries.append({"name": monitor_user, "password": monitor_password, "priv": "*.*:USAGE"})
    for user in entries:
        hashed = bool(user.get("password_hash"))
        for host in user.get("hosts") or default_hosts:
            flat.append({"name": user["name"], "host": host,
                         "password": user["password_hash"] if hashed else user.get("password"),
                         "encrypted": hashed, "priv": user.get("priv", "")})
    return flat


def account_problems(users, default_hosts):
    """Each user needs a name and exactly one of password / password_hash, and somewhere to log in from."""
    problems = []
    for index, user in enumerate(users or []):
        name = user.get("name")
        label = "galera_users[%d]%s" % (index, " (%s)" % name if name else "")
        problems.extend(user_credential_problems(user, label))
        if not (user.get("hosts") or default_hosts):
            problems.append("%s has no hosts, and galera_client_group has no addresses to default to" % label)
    return problems
