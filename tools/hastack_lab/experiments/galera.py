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
import tempfile
import threading
import time
from pathlib import Path

import yaml

from .. import ROOT  # noqa: E402
from .. import galera as gl  # noqa: E402
from ..labnet import cut, ensure_ebtables, host_veths, sh, uncut  # noqa: E402
from ..results import out_or_exit  # noqa: E402

INVENTORY = ROOT / "inventory" / "lab"
PLAYBOOK = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(INVENTORY)]
PARTS = ["crash", "kill", "soak", "rolling"]
ARMS = {"tuned": None, "default": {"galera_evs_suspect_timeout": 0}}
STRESS = ["stress-ng", "--cpu", "4", "--io", "2"]
VICTIM = "db3"


def lab() -> dict:
    hosts = yaml.safe_load((INVENTORY / "hosts.yml").read_text())
    secrets = yaml.safe_load((INVENTORY / "group_vars" / "all" / "secrets.yml").read_text())
    dbs = hosts["all"]["children"]["databases"]["hosts"]
    return {"nodes": {name: {"container": hv["ansible_host"], "address": hv["hastack_private_address"]}
                      for name, hv in dbs.items()},
            "user": "hastack", "password": secrets["lab_galera_app_password"]}


def health(env: dict, name: str) -> str:
    proc = subprocess.run(["docker", "exec", env["nodes"][name]["container"], "galera-health"],
                          capture_output=True, text=True, timeout=20, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def wait_synced(env: dict, timeout: float = 300) -> float:
    """Seconds until every node is Synced in a cluster of all of them; fails after timeout."""
    start, size = time.monotonic(), len(env["nodes"])
    while time.monotonic() - start < timeout:
        states = [health(env, n) for n in env["nodes"]]
        if all(s.startswith("Synced") and s.endswith("cluster size %d" % size) for s in states):
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError("the cluster was not whole and Synced within %.0f s: %s" % (
        timeout, {n: health(env, n) for n in env["nodes"]}))


def playbook(*args: str, timeout: float = 1200) -> tuple[int, str]:
    proc = subprocess.run(PLAYBOOK + list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False)
    return proc.returncode, proc.stdout + proc.stderr


def configure(extra: dict | None) -> None:
    """Apply the galera role with extra variables (None: the lab's settings); the role
    restarts the nodes one at a time."""
    args = ["site.yml", "--limit", "databases", "--tags", "galera"]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(extra or {}, f)
    if extra:
        args += ["-e", "@" + f.name]
    rc, out = playbook(*args)
    Path(f.name).unlink()
    if rc != 0:
        raise RuntimeError("configuring galera failed:\n" + out[-4000:])


def prepare_table(env: dict) -> None:
    import pymysql
    first = next(iter(env["nodes"].values()))
    conn = pymysql.connect(host=first["address"], user=env["user"], password=env["password"], database="hastack",
                           autocommit=True, connect_timeout=5)
    with conn.cursor() as cur:
        cur.execute(gl.SCHEMA)
    conn.close()


def present_rows(env: dict, node: str, run: str) -> dict:
    import pymysql
    conn = pymysql.connect(host=env["nodes"][node]["address"], user=env["user"], password=env["password"],
                           database="hastack", autocommit=True, connect_timeout=5)
    rows: dict = {}
    with conn.cursor() as cur:
        cur.execute("SET SESSION wsrep_sync_wait = 1")
        cur.execute("SELECT writer, n FROM " + gl.TABLE + " WHERE run = %s", (run,))
        for writer, n in cur.fetchall():
            rows.setdefault(writer, set()).add(n)
    conn.close()
    return rows


def writers(env: dict, run: str, names: list, read_every: int = 0) -> list:
    return [gl.Writer(name=n, host=env["nodes"][n]["address"], user=env["user"], password=env["password"],
                      run=run, read_every=read_every) for n in names]


def kill(env: dict, names: list) -> float:
    """docker kill the nodes at once (one thread each); returns the monotonic time of the kill."""
    at = time.monotonic()
    threads = [threading.Thread(target=sh, args=("docker", "kill", env["nodes"][n]["container"]))
               for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return at


def start(env: dict, names: list) -> None:
    for n in names:
        sh("docker", "start", env["nodes"][n]["container"])


def journal(env: dict, name: str, since: float, grep: str | None = None) -> str:
    cmd = ["docker", "exec", env["nodes"][name]["container"], "journalctl", "-u", "mariadb", "--no-pager",
           "-o", "short-unix", "--since", "@%d" % int(since)]
    if grep:
        cmd += ["--grep", grep]
    return sh(*cmd, check=False)


def transfer(env: dict, name: str, since: float) -> str:
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

def crash_trial(env: dict, number: int, rng: random.Random) -> dict:
    wait_synced(env)
    run = "crash-%d-%d" % (int(time.time()), number)
    names = list(env["nodes"])
    ws = writers(env, run, names)
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
    rc, out = playbook(str(ROOT / "playbooks" / "galera_recover.yml"))
    if rc != 0:
        return {"trial": number, "load_s": round(load, 2), "recovered": False, "plan": plan_reason(out),
                "error": out[-1500:], "acknowledged": sum(len(a) for a in acked.values())}
    wait_synced(env, timeout=120)
    recovery = time.monotonic() - powered
    present = present_rows(env, names[0], run)
    missing = gl.lost(acked, present)
    counts = {n: sum(len(v) for v in present_rows(env, n, run).values()) for n in names}
    return {"trial": number, "load_s": round(load, 2), "recovered": True, "plan": plan_reason(out),
            "recovery_s": round(recovery, 1), "acknowledged": sum(len(a) for a in acked.values()),
            "in_doubt": in_doubt, "lost": sum(len(v) for v in missing.values()), "lost_rows": missing,
            "rows_per_node": counts, "nodes_agree": len(set(counts.values())) == 1}


def kill_trial(env: dict, arm: str, number: int) -> dict:
    wait_synced(env)
    run = "kill-%s-%d-%d" % (arm, int(time.time()), number)
    names = list(env["nodes"])
    survivors = [n for n in names if n != VICTIM]
    ws = writers(env, run, names)
    stop = threading.Event()
    threads = [w.start(stop) for w in ws]
    time.sleep(2.0)
    wall = time.time()
    # A power cut: the node falls silent (no FIN or RST from a dying kernel, which would
    # tell its peers at once), then its processes die.
    veths = host_veths(env["nodes"][VICTIM]["container"])
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
    present = present_rows(env, VICTIM, run)
    missing = gl.lost(acked, present)
    return {"arm": arm, "trial": number, "stall_ms": max((s for s in stalls.values() if s is not None), default=None),
            "stall_per_survivor_ms": stalls, "failed_on_survivors": sum(failed.values()),
            "acknowledged": sum(len(a) for a in acked.values()), "lost": sum(len(v) for v in missing.values()),
            "rejoin": transfer(env, VICTIM, wall), "rejoin_s": round(rejoin, 1)}


def soak(env: dict, seconds: int, stressed: list) -> dict:
    wait_synced(env)
    names = list(env["nodes"])
    for n in stressed:
        sh("docker", "exec", env["nodes"][n]["container"], "sh", "-c",
           "command -v stress-ng >/dev/null || { apt-get update -q && apt-get install -y -q stress-ng; }",
           timeout=600)
    run = "soak-%d" % int(time.time())
    since = time.time()
    loads = [subprocess.Popen(["docker", "exec", env["nodes"][n]["container"], *STRESS, "--timeout",
                               "%ds" % seconds, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for n in stressed]
    ws = writers(env, run, names, read_every=3)
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
            "commit_ms_p50": round(gl.percentile(latencies, 0.5) or 0, 1),
            "commit_ms_p99": round(gl.percentile(latencies, 0.99) or 0, 1),
            "commit_ms_max": round(max(latencies, default=0), 1), "loadavg_max": max(loadavg, default=0.0)}


def rolling(env: dict) -> dict:
    wait_synced(env)
    names = list(env["nodes"])
    run = "rolling-%d" % int(time.time())
    since = time.time()
    ws = writers(env, run, names, read_every=2)
    stop = threading.Event()
    threads = [w.start(stop) for w in ws]
    time.sleep(2.0)
    began = time.monotonic()
    rc, out = playbook(str(ROOT / "playbooks" / "rolling_restart.yml"))
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
    missing = gl.lost(acked, present_rows(env, names[0], run))
    return {"playbook_rc": rc, "seconds": round(took, 1),
            "transfers": dict(re.findall(r"(\w+) rejoined by (\w+)", out)),
            "nodes": per_node, "failed_against_survivors": sum(n["failed_while_others_restarted"]
                                                               for n in per_node.values()),
            "lost": sum(len(v) for v in missing.values())}


# ---------------------------------------------------------------- report

def fmt(value, unit="") -> str:
    return "-" if value is None else ("%s%s" % (value, unit))


def report(out: Path, data: dict) -> None:
    lines = ["# Galera experiments (lab)", "", "Run %s with `tools/lab experiment galera %s`." % (
        data["started"], data["argv"]), ""]
    crash = data.get("crash")
    if crash:
        times = [t.get("recovery_s") for t in crash if t.get("recovered")]
        lines += ["## Crash recovery: every node power-cut under write load", "",
                  "One writer per node (autocommit inserts, each acknowledged row recorded); after a random 2-6 s "
                  "every container is killed at once, started again, and playbooks/galera_recover.yml runs. "
                  "Recovery: from the containers' start to every node Synced in a cluster of 3.", "",
                  "Targets: 0 lost acknowledged rows; recovery p95 <= 90 s.", "",
                  "Trials: %d; recovered: %d; lost acknowledged rows: **%d** of %d acknowledged; recovery "
                  "median %s s, p95 %s s, max %s s." % (
                      len(crash), len(times), sum(t.get("lost", 0) for t in crash),
                      sum(t.get("acknowledged", 0) for t in crash), fmt(gl.percentile(times, 0.5)),
                      fmt(gl.percentile(times, 0.95)), fmt(max(times, default=None))), "",
                  "| trial | load before the cut (s) | acknowledged | in doubt | lost | nodes agree | recovery (s) "
                  "| plan |", "|---|---|---|---|---|---|---|---|"]
        for t in crash:
            lines.append("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
                t["trial"], t["load_s"], t.get("acknowledged"), t.get("in_doubt", "-"), t.get("lost", "-"),
                t.get("nodes_agree", "-"), t.get("recovery_s", "failed"), t["plan"]))
        lines += ["", "In doubt: statements that failed when the power went; they may or may not have "
                  "committed, and are not counted as lost.", ""]
    kills = data.get("kill")
    if kills:
        lines += ["## One node's power cut (%s) under write load" % VICTIM, "",
                  "The node is silenced on the host's bridges (ebtables), then killed: no FIN or RST from a "
                  "dying kernel tells its peers, as with a real power loss.", "",
                  "Target: stall <= 1 s with tuned evs.*; 0 lost acknowledged rows.", "",
                  "| arm | trials | stall median (ms) | stall max (ms) | failed on survivors | lost | rejoined by |",
                  "|---|---|---|---|---|---|---|"]
        for arm in data["arms"]:
            rows = [k for k in kills if k["arm"] == arm]
            if not rows:
                continue
            stalls = [k["stall_ms"] for k in rows]
            lines.append("| %s (%s) | %d | %s | %s | %d | %d | %s |" % (
                arm, "evs.suspect_timeout 0.5 s" if arm == "tuned" else "Galera defaults, 5 s", len(rows),
                fmt(gl.percentile(stalls, 0.5)), fmt(max((s for s in stalls if s is not None), default=None)),
                sum(k["failed_on_survivors"] for k in rows), sum(k["lost"] for k in rows),
                ", ".join(sorted({k["rejoin"] for k in rows}))))
        lines += ["", "Stall: on each surviving node's connection (one writer each, autocommit inserts one after "
                  "another), the longest time without an acknowledged insert among the gaps that end after the "
                  "fault; the larger of the two survivors. Rejoined by: how the node caught up after it was "
                  "started again (MariaDB starts at boot).", ""]
    soaked = data.get("soak")
    if soaked:
        lines += ["## Soak: %d s of %s, with writers, no fault" % (soaked["seconds"], soaked["stress"]), "",
                  "Target: 0 false suspicions with the tuned evs.* timeouts.", "",
                  "- false suspicions (\"suspecting node\" in any journal): **%d**; membership changes: %d" % (
                      soaked["false_suspicions"], soaked["view_changes"]),
                  "- Galera's own warnings that a node was not scheduled in time (\"last inactive check more "
                  "than ... ago\"): %s" % (", ".join("%s %d" % (n, e["late_checks"]) for n, e in sorted(soaked["events"].items()))
                                        if all("late_checks" in e for e in soaked["events"].values())
                                        else "not recorded in this run"),
                  "- statements: %d inserts, %d reads; failed: %d" % (soaked["writes"], soaked["reads"],
                                                                        soaked["failed"]),
                  "- commit latency p50 %s ms, p99 %s ms, max %s ms; host load average up to %.1f" % (
                      soaked["commit_ms_p50"], soaked["commit_ms_p99"], soaked["commit_ms_max"],
                      soaked["loadavg_max"]), ""]
    roll = data.get("rolling")
    if roll:
        lines += ["## Rolling restart under read and write load", "",
                  "Target: 0 failed statements against the surviving nodes; each node rejoins by IST.", "",
                  "playbooks/rolling_restart.yml: exit %d in %s s; rejoined by: %s; failed statements against "
                  "nodes that were not restarting: **%d**; lost acknowledged rows: %d." % (
                      roll["playbook_rc"], roll["seconds"], ", ".join("%s %s" % kv for kv in
                                                                      sorted(roll["transfers"].items())),
                      roll["failed_against_survivors"], roll["lost"]), "",
                  "| node | statements | failed (all) | failed while another node restarted | its restart (s) |",
                  "|---|---|---|---|---|"]
        for name, node in sorted(roll["nodes"].items()):
            lines.append("| %s | %d | %d | %d | %s |" % (name, node["statements"], node["failed"],
                                                        node["failed_while_others_restarted"],
                                                        ", ".join(str(w) for w in node["restart_windows_s"])))
        lines.append("")
    (out / "report.md").write_text("\n".join(lines) + "\n")


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
        report(out, json.loads((out / "results.json").read_text()))
        return 0
    env = lab()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    data = {"started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "argv": " ".join(sys.argv[1:]), "seed": seed, "arms": arms}

    def save():
        (out / "results.json").write_text(json.dumps(data, indent=1, default=list))
        report(out, data)

    start(env, list(env["nodes"]))  # an interrupted run may have left a node down
    prepare_table(env)
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
        stressed = list(env["nodes"]) if args.soak_nodes == "all" else args.soak_nodes.split(",")
        data["soak"] = soak(env, args.soak, stressed)
        print("soak: %s" % data["soak"], flush=True)
        save()
    if "rolling" in parts:
        data["rolling"] = rolling(env)
        print("rolling: %s" % data["rolling"], flush=True)
    save()
    print("wrote %s" % out)
    return 0
