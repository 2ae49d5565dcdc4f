"""Galera under faults: every node's power cut and the recovery playbook, one node's power
cut tuned and with Galera's defaults, a soak under stress, and the rolling restart.

Writers on the nodes record each acknowledged insert (hastack_lab.galera.Writer); every
trial ends by reading the rows back. Faults go through Docker (kill, start) and the host's
bridges (ebtables, a node falling silent); the journal tells how a node rejoined.
"""

from __future__ import annotations

import random
import re
import subprocess
import threading
import time
from pathlib import Path

from .. import ROOT, playbook
from .. import galera as gl
from .. import stats
from ..cluster import Cluster
from ..galera import VICTIM, gcomm_policy, plan_reason, rejoin_kind, soak_events
from ..labnet import cut, host_veths, uncut
from ..shell import sh

# The galera role's settings each arm runs with (None: the lab's inventory, as deployed).
ARMS = {"tuned": None,
        "realtime": {"galera_evs_suspect_timeout": 0.5, "galera_realtime_priority": 2},
        "normal-priority": {"galera_evs_suspect_timeout": 0.5, "galera_realtime_priority": 0},
        "default": {"galera_evs_suspect_timeout": 0, "galera_realtime_priority": 0}}


STRESS = ["stress-ng", "--cpu", "4", "--io", "2"]


def health(env: Cluster, name: str) -> str:
    proc = subprocess.run(["docker", "exec", env.container(name), "galera-health"],
                          capture_output=True, text=True, timeout=20, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def wait_synced(env: Cluster, timeout: float = 300) -> float:
    """Seconds until every node is Synced in a cluster of all of them; fails after timeout."""
    nodes = env.of_kind("database")
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        states = [health(env, n) for n in nodes]
        if all(s.startswith("Synced") and s.endswith("cluster size %d" % len(nodes)) for s in states):
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError("the cluster was not whole and Synced within %.0f s: %s" % (
        timeout, {n: health(env, n) for n in nodes}))


def configure(extra: dict | None) -> None:
    """The galera role with extra variables (None: the lab's settings); the role restarts
    the nodes one at a time."""
    playbook.apply("galera", "databases", "galera", extra)


def per_arm(arms: list, run) -> None:
    """run(arm) with the galera role configured for each arm in turn; the lab's own settings
    are back afterwards. An arm of the lab's settings first costs no converge."""
    configured = False
    try:
        for arm in arms:
            if ARMS[arm] is not None or configured:
                print("configuring the %s arm: %s" % (arm, ARMS[arm]), flush=True)
                configure(ARMS[arm])
                configured = True
            run(arm)
    finally:
        if configured:
            configure(None)


def kill(env: Cluster, names: list) -> float:
    """docker kill the nodes at once (one thread each); returns the monotonic time of the kill."""
    at = time.monotonic()
    threads = [threading.Thread(target=sh, args=("docker", "kill", env.container(n)))
               for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return at


def start(env: Cluster, names: list) -> None:
    for n in names:
        sh("docker", "start", env.container(n))


def journal(env: Cluster, name: str, since: float, grep: str | None = None) -> str:
    cmd = ["docker", "exec", env.container(name), "journalctl", "-u", "mariadb", "--no-pager",
           "-o", "short-unix", "--since", "@%d" % int(since)]
    if grep:
        cmd += ["--grep", grep]
    return sh(*cmd, check=False)


def transfer(env: Cluster, name: str, since: float) -> str:
    """How the node rejoined since `since`: SST, IST or none (hastack_lab.galera.rejoin_kind)."""
    return rejoin_kind(journal(env, name, since))


def crash_trial(env: Cluster, number: int, rng: random.Random) -> dict:
    wait_synced(env)
    run = "crash-%d-%d" % (int(time.time()), number)
    names = env.of_kind("database")
    ws = gl.writers(env, run, names)
    stop = threading.Event()
    threads = [w.start(stop) for w in ws]
    load = rng.uniform(2.0, 6.0)
    time.sleep(load)
    kill(env, names)
    stop.set()
    for t in threads:
        t.join(20)
    acked = {w.name: w.acknowledged() for w in ws}
    in_doubt = sum(len(w.failed()) for w in ws)
    powered = time.monotonic()
    start(env, names)
    rc, out = playbook.run(ROOT / "playbooks" / "galera_recover.yml")
    if rc != 0:
        return {"trial": number, "load_s": round(load, 2), "recovered": False, "plan": plan_reason(out),
                "error": out[-1500:], "acknowledged": sum(len(a) for a in acked.values())}
    wait_synced(env, timeout=120)
    recovery = time.monotonic() - powered
    present = gl.present_rows(env, names[0], run)
    missing = gl.lost(acked, present)
    counts = {n: sum(len(v) for v in gl.present_rows(env, n, run).values()) for n in names}
    return {"trial": number, "load_s": round(load, 2), "recovered": True, "plan": plan_reason(out),
            "recovery_s": round(recovery, 1), "acknowledged": sum(len(a) for a in acked.values()),
            "in_doubt": in_doubt, "lost": sum(len(v) for v in missing.values()), "lost_rows": missing,
            "rows_per_node": counts, "nodes_agree": len(set(counts.values())) == 1}


def kill_trial(env: Cluster, arm: str, number: int) -> dict:
    wait_synced(env)
    run = "kill-%s-%d-%d" % (arm, int(time.time()), number)
    names = env.of_kind("database")
    survivors = [n for n in names if n != VICTIM]
    ws = gl.writers(env, run, names)
    stop = threading.Event()
    threads = [w.start(stop) for w in ws]
    time.sleep(2.0)
    wall = time.time()
    # A power cut: the node falls silent (no FIN or RST from a dying kernel, which would
    # tell its peers at once), then its processes die.
    veths = host_veths(env.container(VICTIM))
    fault_at = time.monotonic()
    cut(veths)
    kill(env, [VICTIM])
    uncut(veths)
    time.sleep(8.0)
    stop.set()
    for t in threads:
        t.join(20)
    stalls = {w.name: gl.stall_ms(w.outcomes, fault_at) for w in ws if w.name in survivors}
    failed = {w.name: len([o for o in w.failed() if o.done > fault_at]) for w in ws if w.name in survivors}
    acked = {w.name: w.acknowledged() for w in ws}
    start(env, [VICTIM])
    rejoin = wait_synced(env, timeout=300)
    present = gl.present_rows(env, VICTIM, run)
    missing = gl.lost(acked, present)
    return {"arm": arm, "trial": number, "stall_ms": max((s for s in stalls.values() if s is not None), default=None),
            "stall_per_survivor_ms": stalls, "failed_on_survivors": sum(failed.values()),
            "acknowledged": sum(len(a) for a in acked.values()), "lost": sum(len(v) for v in missing.values()),
            "rejoin": transfer(env, VICTIM, wall), "rejoin_s": round(rejoin, 1)}


def gcomm_policies(env: Cluster) -> dict:
    """How each node's Galera says it scheduled its group-communication thread at its last start."""
    return {n: gcomm_policy(journal(env, n, 0, "gcomm thread scheduling")) for n in env.of_kind("database")}


def threads(env: Cluster) -> dict:
    """Per node: the real-time priority the inventory asks for, and the policy Galera logged."""
    logged = gcomm_policies(env)
    return {n: {"asked": env.servers[n].realtime_priority, "logged": logged[n]} for n in env.of_kind("database")}


def soak(env: Cluster, seconds: int, stressed: list) -> dict:
    wait_synced(env)
    names = env.of_kind("database")
    for n in stressed:
        sh("docker", "exec", env.container(n), "sh", "-c",
           "command -v stress-ng >/dev/null || { apt-get update -q && apt-get install -y -q stress-ng; }",
           timeout=600)
    run = "soak-%d" % int(time.time())
    since = time.time()
    loads = [subprocess.Popen(["docker", "exec", env.container(n), *STRESS, "--timeout",
                               "%ds" % seconds, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for n in stressed]
    ws = gl.writers(env, run, names, read_every=3)
    stop = threading.Event()
    threads = [w.start(stop) for w in ws]
    loadavg = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(min(10.0, max(0.0, end - time.monotonic())))
        loadavg.append(float(Path("/proc/loadavg").read_text().split()[0]))
        print("soak %3.0f s left, load %.1f" % (end - time.monotonic(), loadavg[-1]), flush=True)
    stop.set()
    for t in threads:
        t.join(20)
    for p in loads:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    events = {}
    for n in names:
        text = journal(env, n, since)
        events[n] = soak_events(text)
    latencies = sorted((o.done - o.sent) * 1000 for w in ws for o in w.outcomes if o.ok)
    where = "every node" if stressed == names else ", ".join(stressed)
    return {"seconds": seconds, "stress": " ".join(STRESS) + " on " + where, "events": events,
            "gcomm_thread": gcomm_policies(env),
            "false_suspicions": sum(e["suspicions"] for e in events.values()),
            "view_changes": sum(e["view_changes"] for e in events.values()),
            "suspicion_log": [line for n in names for line in journal(env, n, since).splitlines()
                              if "suspecting node" in line][:40],
            "writes": sum(len(w.outcomes) for w in ws), "failed": sum(len(w.failed()) for w in ws),
            "reads": sum(len(w.reads) for w in ws),
            "commit_ms_p50": round(stats.percentile(latencies, 0.5) or 0, 1),
            "commit_ms_p99": round(stats.percentile(latencies, 0.99) or 0, 1),
            "commit_ms_max": round(max(latencies, default=0), 1), "loadavg_max": max(loadavg, default=0.0)}


def rolling(env: Cluster) -> dict:
    wait_synced(env)
    names = env.of_kind("database")
    run = "rolling-%d" % int(time.time())
    since = time.time()
    ws = gl.writers(env, run, names, read_every=2)
    stop = threading.Event()
    threads = [w.start(stop) for w in ws]
    time.sleep(2.0)
    began = time.monotonic()
    rc, out = playbook.run(ROOT / "playbooks" / "rolling_restart.yml")
    took = time.monotonic() - began
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join(20)
    per_node = {}
    for w in ws:
        windows = gl.restart_windows(journal(env, w.name, since))
        outside = gl.failures_outside(w.failed(), windows)
        per_node[w.name] = {"statements": len(w.outcomes) + len(w.reads), "failed": len(w.failed()),
                            "failed_while_others_restarted": len(outside),
                            "errors": sorted({f.error for f in outside})[:5],
                            "restart_windows_s": [round(e - s, 1) for s, e in windows]}
    acked = {w.name: w.acknowledged() for w in ws}
    missing = gl.lost(acked, gl.present_rows(env, names[0], run))
    return {"playbook_rc": rc, "seconds": round(took, 1),
            "transfers": dict(re.findall(r"(\w+) rejoined by (\w+)", out)),
            "nodes": per_node, "failed_against_survivors": sum(n["failed_while_others_restarted"]
                                                               for n in per_node.values()),
            "lost": sum(len(v) for v in missing.values())}
