"""The Galera experiments, on the local lab: crash recovery, a node's death, a soak, a rolling restart.

    tools/lab experiment galera [--trials 10] [--kill-trials 5] [--soak 600]
                            [--parts crash,kill,soak,rolling] [--out docs/results/<date>/galera]

- crash:   writers on every node record each acknowledged insert; at a random moment every
           node is hard-killed (docker kill: a power cut). The containers start again, the
           recovery playbook (playbooks/galera_recover.yml) runs, and every acknowledged row
           must be there. Reports lost rows and the recovery time, per trial.
- kill:    one node (db3) loses power under write load (silenced on the host's bridges, then
           killed), with the lab's tuned evs.* timeouts
           and with Galera's defaults, side by side: the write stall on the survivors, failed
           statements, lost acknowledged rows, and how the node rejoined (IST or SST).
- soak:    SECONDS of stress-ng CPU and IO load on every node (or --soak-nodes), with writers
           running, and no fault: every suspicion or membership change in the journals is a
           false one.
- rolling: playbooks/rolling_restart.yml under read and write load: statements that failed
           against nodes that were not restarting at the time, and IST versus SST per node.

Writes report.md and results.json to --out. Runs only against the lab's database
containers, from this machine (the lab lets its gateway reach 3306); loops are bounded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from .. import ROOT, playbook
from .. import galera as gl
from ..galera import VICTIM
from ..reports import galera as galera_report
from .. import stats
from ..cluster import Cluster
from ..labenv import lab
from ..labnet import cut, ensure_ebtables, host_veths, uncut
from ..results import out_or_exit
from ..shell import sh

PARTS = ["crash", "kill", "soak", "rolling"]
ARMS = {"tuned": None, "default": {"galera_evs_suspect_timeout": 0}}
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
    text = journal(env, name, since)
    # the SST script runs, and Galera logs "SST received", for an IST too; only a full
    # copy makes the script log "Proceeding with SST"
    if "Proceeding with SST" in text:
        return "SST"
    if "IST received" in text:
        return "IST"
    return "none"


def plan_reason(output: str) -> str:
    match = re.search(r"msg: '?((?:none|join|bootstrap|refuse): [^']*)", output)
    return " ".join(match.group(1).split()) if match else "?"


# ---------------------------------------------------------------- parts

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
        events[n] = {"suspicions": len(re.findall(r"suspecting node", text)),
                     "inactive": len(re.findall(r"declaring inactive|inactive nodes", text)),
                     "view_changes": len(re.findall(r"New COMPONENT", text)),
                     # Galera's own sign that the node itself was not scheduled for > 0.6 x suspect_timeout
                     "late_checks": len(re.findall(r"last inactive check more than", text))}
    latencies = sorted((o.done - o.sent) * 1000 for w in ws for o in w.outcomes if o.ok)
    where = "every node" if stressed == names else ", ".join(stressed)
    return {"seconds": seconds, "stress": " ".join(STRESS) + " on " + where, "events": events,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lab experiment galera", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10, help="crash-recovery trials")
    parser.add_argument("--kill-trials", type=int, default=5, help="single-node kills per arm")
    parser.add_argument("--soak", type=int, default=600, metavar="SECONDS")
    parser.add_argument("--soak-nodes", default="all",
                        help="where stress-ng runs during the soak: all, or comma-separated node names")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--arms", default="tuned,default")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path,
                        help="default: docs/results/<date>/galera, or galera-2, ... when a run is there already")
    parser.add_argument("--report-only", action="store_true", help="rewrite report.md from results.json")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    arms = [a for a in args.arms.split(",") if a]
    unknown = [p for p in parts if p not in PARTS] + [a for a in arms if a not in ARMS]
    if unknown:
        parser.error("unknown part or arm: %s" % ", ".join(unknown))
    out = out_or_exit(parser, args.out, "galera", report_only=args.report_only)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        (out / "report.md").write_text(galera_report.render(json.loads((out / "results.json").read_text())))
        return 0
    env = lab()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    data = {"started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "argv": " ".join(sys.argv[1:] if argv is None else argv), "seed": seed, "arms": arms}

    def save():
        (out / "results.json").write_text(json.dumps(data, indent=1, default=list))
        (out / "report.md").write_text(galera_report.render(data))

    start(env, env.of_kind("database"))  # an interrupted run may have left a node down
    gl.prepare_table(env, env.of_kind("database")[0])
    if "crash" in parts:
        data["crash"] = []
        for n in range(1, args.trials + 1):
            result = crash_trial(env, n, rng)
            data["crash"].append(result)
            print("crash %d/%d: %s" % (n, args.trials, {k: v for k, v in result.items() if k != "lost_rows"}),
                  flush=True)
            save()
            if not result["recovered"]:
                print("recovery failed; stopping the crash trials", flush=True)
                break
    if "kill" in parts:
        ensure_ebtables()
        data["kill"] = []
        try:
            for arm in arms:
                print("configuring the %s arm" % arm, flush=True)
                configure(ARMS[arm])
                for n in range(1, args.kill_trials + 1):
                    result = kill_trial(env, arm, n)
                    data["kill"].append(result)
                    print("kill %s %d/%d: %s" % (arm, n, args.kill_trials, result), flush=True)
                    save()
        finally:
            start(env, [VICTIM])
            wait_synced(env)
            configure(None)
    if "soak" in parts and args.soak:
        stressed = env.of_kind("database") if args.soak_nodes == "all" else args.soak_nodes.split(",")
        data["soak"] = soak(env, args.soak, stressed)
        print("soak: %s" % data["soak"], flush=True)
        save()
    if "rolling" in parts:
        data["rolling"] = rolling(env)
        print("rolling: %s" % data["rolling"], flush=True)
    save()
    print("wrote %s" % out)
    return 0
