# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of the failover test (playbooks/failover_test.yml) on any inventory: which
host each requested fault cuts and whether its backend can cut it that way, what the probe's
samples say about a trial, and which promises a trial broke. No I/O."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# What each backend can do to a host. A power cut needs a hypervisor (or the lab's Docker);
# over the host's own connection, only its services and its network can be cut.
CAPABILITIES = {
    "lab": ("power-cut", "shutdown", "kill", "stop", "isolate"),
    "proxmox": ("power-cut", "shutdown"),
    "systemd": ("kill", "stop", "isolate"),
}
KINDS = ("power-cut", "shutdown", "kill", "stop", "isolate")
# The services of each tier, in the order a clean stop takes them (HAProxy before keepalived:
# the VIP moves once HAProxy has finished the requests in flight).
TIER_SERVICES = {
    "balancers": ["haproxy", "keepalived"],
    "webservers": ["apache2", "php-fpm", "proxysql"],
    "databases": ["mariadb"],
}


def _tier(host, groups):
    for tier in TIER_SERVICES:
        if host in (groups.get(tier) or []):
            return tier
    return None


def fault_plan(faults, groups, backends, holder=None):
    """Resolve the requested faults into trials.

    faults: [{kind, host | group, services?}]; a group means its last host (for databases the
    paper's preferred writer), and host 'vip-holder' the balancer that holds the VIP when the
    trial starts: `holder` now, and the trial is marked vip_holder so that it is resolved again
    then (an earlier trial may have moved the VIP); every balancer's backend must be able to cut
    it. backends: {host: backend}. Returns (trials, problems); each trial is {host, kind,
    backend, tier, services, vip_holder}, and each problem names the fault, the host and the fix."""
    trials, problems = [], []
    for index, fault in enumerate(faults or []):
        label = "failover_test_faults[%d]" % index
        if not isinstance(fault, dict):
            problems.append("%s must be a mapping with kind and host or group, not %r" % (label, fault))
            continue
        kind, host = fault.get("kind"), fault.get("host")
        if kind not in KINDS:
            problems.append("%s: kind %r is not one of %s" % (label, kind, ", ".join(KINDS)))
            continue
        vip_holder = host == "vip-holder"
        if vip_holder:
            host = holder
            if not host:
                problems.append("%s: no balancer holds the VIP, so there is no vip-holder to cut" % label)
                continue
            unable = [b for b in groups.get("balancers") or [] if kind not in CAPABILITIES.get(backends.get(b), ())]
            if unable:
                problems.append("%s: the VIP may be on any balancer when the trial starts, and the backend of %s "
                                "cannot %s it; give those balancers a hastack_fault_backend that can, or name the "
                                "host" % (label, ", ".join(unable), kind))
                continue
        elif host is None and fault.get("group"):
            members = groups.get(fault["group"]) or []
            if not members:
                problems.append("%s: group %r has no hosts" % (label, fault["group"]))
                continue
            host = members[-1]
        if host not in backends:
            problems.append("%s: host %r is not in the inventory (give host: <name> or group: <group>)"
                            % (label, host))
            continue
        backend = backends[host]
        if backend not in CAPABILITIES:
            problems.append("%s: %s has hastack_fault_backend=%r; use one of %s" % (
                label, host, backend, ", ".join(sorted(CAPABILITIES))))
            continue
        if kind not in CAPABILITIES[backend]:
            problems.append("%s: the %s backend cannot %s %s (it can: %s); set hastack_fault_backend for %s to a "
                            "backend that can (%s), or choose another kind" % (
                                label, backend, "cut the power of" if kind == "power-cut" else kind, host,
                                ", ".join(CAPABILITIES[backend]), host,
                                ", ".join(sorted(b for b, kinds in CAPABILITIES.items() if kind in kinds))))
            continue
        tier = _tier(host, groups)
        services = list(fault.get("services") or TIER_SERVICES.get(tier) or [])
        if kind in ("kill", "stop") and not services:
            problems.append("%s: %s is in none of balancers, webservers and databases: give the services to %s"
                            % (label, host, kind))
            continue
        trials.append({"host": host, "kind": kind, "backend": backend, "tier": tier, "services": services,
                       "vip_holder": vip_holder})
    return trials, problems


def write_outcome(samples, present):
    """What a database writer's rows say after a trial. samples: [{n, ok}], one per write;
    present: the numbers found afterwards, or None when they could not be read. Returns
    acknowledged (count), lost (the acknowledged numbers missing), in_doubt (failed writes
    whose row is there: committed, but the answer was lost) and read_back."""
    acknowledged = set(sample["n"] for sample in samples or [] if sample["ok"])
    if present is None:
        return {"acknowledged": len(acknowledged), "lost": [], "in_doubt": 0, "read_back": False}
    failed = set(sample["n"] for sample in samples or [] if not sample["ok"])
    return {"acknowledged": len(acknowledged), "lost": sorted(acknowledged - set(present)),
            "in_doubt": len(failed & set(present)), "read_back": True}


def summarize(samples, cut_at, restored_at):
    """What the probe saw in one trial. samples: [{t (epoch s), ok}] in order; cut_at and
    restored_at: epoch seconds of the fault and of its repair. Returns counts before, during
    and after the fault, the longest run of failures in ms (from its first failure to the next
    success, or to the last sample), when the first failure came after the cut, and the
    slowest request from the cut on (ms): a stall shorter than the client's timeout, such as
    a SYN retransmitted while the VIP moves, fails nothing but shows there."""
    ordered = sorted(samples or [], key=lambda sample: sample["t"])
    phases = {"before": [0, 0], "during": [0, 0], "after": [0, 0]}
    longest, run_start, first_failure = 0.0, None, None
    for sample in ordered:
        phase = "before" if sample["t"] < cut_at else "during" if sample["t"] < restored_at else "after"
        phases[phase][0] += 1
        if not sample["ok"]:
            phases[phase][1] += 1
            if run_start is None:
                run_start = sample["t"]
            if first_failure is None and sample["t"] >= cut_at:
                first_failure = sample["t"]
        elif run_start is not None:
            longest = max(longest, sample["t"] - run_start)
            run_start = None
    if run_start is not None and ordered:
        longest = max(longest, ordered[-1]["t"] - run_start)
    after_cut = [int(sample.get("ms") or 0) for sample in ordered if sample["t"] >= cut_at]
    summary = {"requests": len(ordered), "failed": sum(failed for _total, failed in phases.values()),
               "slowest_ms": max(after_cut) if after_cut else 0,
               "longest_outage_ms": int(round(longest * 1000)),
               "first_failure_ms": None if first_failure is None else int(round((first_failure - cut_at) * 1000))}
    for phase, (total, failed) in phases.items():
        summary["%s_requests" % phase] = total
        summary["%s_failed" % phase] = failed
    return summary


def broken_promises(trial, summary, promises, writes=None):
    """The promises a trial broke, as messages. promises: {kind or tier or 'default':
    {max_failed, max_outage_ms, min_requests}}; the most specific one applies (host's tier and
    kind, e.g. 'balancers/kill', then kind, then tier, then default). writes: the database
    writer's outcome ({summary, acknowledged, lost, read_back}, write_outcome), when one ran:
    no acknowledged row may be lost, the rows must be readable afterwards, the writes may stall
    no longer than max_outage_ms, and none may fail once the host is back. How many writes fail
    during the fault is reported, not promised: a writer retries nothing."""
    rule = {}
    for key in ("default", trial.get("tier"), trial["kind"], "%s/%s" % (trial.get("tier"), trial["kind"])):
        rule.update((promises or {}).get(key) or {})
    broken = []
    label = "%s %s (%s)" % (trial["kind"], trial["host"], trial["backend"])
    if summary["requests"] < int(rule.get("min_requests", 1)):
        broken.append("%s: only %d requests were sent: the probe did not run" % (label, summary["requests"]))
    if "max_failed" in rule and summary["failed"] > int(rule["max_failed"]):
        broken.append("%s: %d requests failed, more than the %d promised" % (label, summary["failed"],
                                                                             int(rule["max_failed"])))
    if "max_outage_ms" in rule and summary["longest_outage_ms"] > int(rule["max_outage_ms"]):
        broken.append("%s: clients saw no answer for %d ms, more than the %d ms promised" % (
            label, summary["longest_outage_ms"], int(rule["max_outage_ms"])))
    if summary["after_failed"]:
        broken.append("%s: %d requests failed after the host was back" % (label, summary["after_failed"]))
    if writes:
        if writes["lost"]:
            broken.append("%s: %d acknowledged writes were lost (rows %s)" % (
                label, len(writes["lost"]), ", ".join(str(n) for n in writes["lost"][:10])))
        if not writes["read_back"]:
            broken.append("%s: the writer's rows could not be read back afterwards, so nothing shows they survived"
                          % label)
        stalled = writes["summary"]["longest_outage_ms"]
        if "max_outage_ms" in rule and stalled > int(rule["max_outage_ms"]):
            broken.append("%s: writes failed for %d ms, more than the %d ms promised" % (
                label, stalled, int(rule["max_outage_ms"])))
        if writes["summary"]["after_failed"]:
            broken.append("%s: %d writes failed after the host was back" % (label, writes["summary"]["after_failed"]))
    return broken
