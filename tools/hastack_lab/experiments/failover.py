"""The balancer failover experiment (the paper's section IV), on the local lab.

    tools/lab experiment failover [--trials 50] [--faults hard-kill,graceful-stop,haproxy-kill,network-cut]
                              [--arms tuned,default] [--out docs/results/<date>/balancer-failover]

For each arm (tuned: the collection's keepalived settings; default: the same with
keepalived's default advert_int of 1 s) and each fault kind, it runs N trials. A trial
probes the VIP every millisecond (a new TCP connection each time, 100 ms timeout, path
/haproxy-alive, which HAProxy answers itself), injects the fault into whichever balancer
holds the VIP, keeps probing, then repairs the balancer and waits until it is a healthy
backup again. The downtime of a trial is the longest gap between good answers after the
fault. Beside the probe, an ordinary client (standard TCP, 5 s timeout) counts the requests
it lost. A network cut drops every frame to and from the balancer on the host's bridges
(ebtables), with its links left up, and the repair removes those rules. Preemption is off in both arms during the run, so a repaired node never takes the
VIP back in the middle of the next trial; the site configuration is restored at the end.

Writes report.md, results.json and one timeline PNG per fault kind to --out.
Runs only against the lab (its containers and its VIP); loops are bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import ROOT, playbook
from .. import probe as fl
from ..reports import failover as failover_report
from ..labnet import cut, ensure_ebtables, host_veths, uncut
from ..cluster import Cluster
from ..labenv import lab, vip_holders
from ..results import out_or_exit
from ..shell import sh

# network-cut: the balancer's links stay up (no carrier loss for keepalived to notice),
# but the host's bridges drop every frame to and from its interfaces (ebtables), as when
# a switch port or an upstream cable fails.
FAULTS = ["hard-kill", "graceful-stop", "haproxy-kill", "network-cut"]
ARMS = {
    "tuned": {"keepalived_preempt": "off"},
    "default": {"keepalived_preempt": "off", "keepalived_advert_int": 1},
}
# how long to keep probing after the fault, per arm (bounded; default adverts need ~4 s)
WINDOW = {"tuned": 3.0, "default": 8.0}
BASELINE = 0.5


def configure(extra: dict | None) -> None:
    """The keepalived role on the balancers with extra variables (None: the site's settings)."""
    playbook.apply("keepalived", "balancers", "keepalived", extra, timeout=600)


def inject(fault: str, node: dict, name: str) -> None:
    """node: the faulted balancer's container and what the trial prepared for it."""
    c = node["container"]
    if fault == "network-cut":
        cut(node["veths"])
    elif fault == "hard-kill":
        sh("docker", "kill", c)
    elif fault == "graceful-stop":
        sh("docker", "stop", c)
    elif fault == "haproxy-kill":
        trigger = node.pop("trigger")
        trigger.communicate(b"go\n", timeout=30)
        if trigger.returncode:
            raise RuntimeError("killing haproxy on %s failed" % name)


def repair(fault: str, node: dict) -> None:
    if fault in ("hard-kill", "graceful-stop"):
        sh("docker", "start", node["container"])
    elif fault == "network-cut":
        uncut(node.pop("veths", []))
    # haproxy-kill: systemd restarts HAProxy by itself (Restart=always)


def ready(env: Cluster, name: str) -> bool:
    c = env.container(name)
    state = sh("docker", "exec", c, "systemctl", "is-active", "keepalived", "haproxy", check=False).split()
    track = sh("docker", "exec", c, "cat", "/run/hastack/track-haproxy", check=False).strip()
    return state == ["active", "active"] and track == "0"


def wait_healthy(env: Cluster, timeout: float = 90) -> None:
    """Every balancer up and tracking, exactly one holding the VIP."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(ready(env, n) for n in env.of_kind("balancer")) and len(vip_holders(env)) == 1:
            time.sleep(1.0)  # let the repaired node settle as backup
            return
        time.sleep(0.25)
    raise RuntimeError("the balancers did not become healthy within %d s" % timeout)


async def trial(env: Cluster, fault: str, arm: str) -> tuple[dict, list]:
    active = vip_holders(env)[0]
    node = {"container": env.container(active)}
    if fault == "network-cut":
        node["veths"] = host_veths(node["container"])
    elif fault == "haproxy-kill":
        # `docker exec` takes tens of ms to start: start it now, and let it kill on a word
        node["trigger"] = subprocess.Popen(
            ["docker", "exec", "-i", node["container"], "sh", "-c", "read go && kill -KILL $(pidof haproxy)"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = BASELINE + WINDOW[arm]
    # the ordinary client runs in its own process, so it cannot slow the 1 ms probe
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hastack_lab.probe", "client", env.vip, "80",
        "/haproxy-alive", str(seconds), stdout=asyncio.subprocess.PIPE, cwd=ROOT / "tools")
    stop = asyncio.Event()
    task = asyncio.ensure_future(fl.probe(env.vip, 80, "/haproxy-alive", stop,
                                          max_seconds=seconds + 15))
    await asyncio.sleep(BASELINE)
    fault_at = time.monotonic()
    try:
        await asyncio.get_running_loop().run_in_executor(None, inject, fault, node, active)
        fault_done = time.monotonic()
        await asyncio.sleep(max(0.0, fault_at + WINDOW[arm] - time.monotonic()))
        stop.set()
        answers = await task
        # its last requests may wait out their 5 s timeout
        client_out, _ = await asyncio.wait_for(client.communicate(), timeout=30)
    finally:
        stop.set()
        repair(fault, node)  # whatever happened, the balancer comes back
        if "trigger" in node:
            node.pop("trigger").kill()
        if client.returncode is None:
            client.kill()
    result = fl.downtime(answers, fault_at)
    client_answers = [fl.Answer(**a) for a in json.loads(client_out or b"[]")]
    # A kill is complete when its command returns; requests sent meanwhile met it in flight.
    # A graceful stop must break nothing from its first moment.
    complete = fault_at if fault == "graceful-stop" else fault_done
    result.update(fault=fault, arm=arm, faulted=active, inject_ms=round((fault_done - fault_at) * 1000, 1),
                  client=fl.client_failures(client_answers, fault_at, complete))
    return result, fl.as_dicts(answers, fault_at)


STRESS = ["stress-ng", "--cpu", "4", "--io", "2"]


async def soak(env: Cluster, seconds: int) -> dict:
    """No fault at all, but the CPUs and the disk loaded (stress-ng on the VIP holder):
    every VRRP transition in that time is a spurious one. A probe every 10 ms counts the
    requests that failed meanwhile, and the VIP holder is sampled every 5 s."""
    active = vip_holders(env)[0]
    container = env.container(active)
    sh("docker", "exec", container, "sh", "-c",
       "command -v stress-ng >/dev/null || { apt-get update -q && apt-get install -y -q stress-ng; }",
       timeout=600)
    since = sh("docker", "exec", container, "date", "+%s").strip()
    load = await asyncio.create_subprocess_exec(
        "docker", "exec", container, *STRESS, "--timeout", "%ds" % seconds, "--quiet",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    stop = asyncio.Event()
    task = asyncio.ensure_future(fl.probe(env.vip, 80, "/haproxy-alive", stop, interval=0.01,
                                          max_seconds=seconds + 10))
    holders, loadavg = [], []
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            await asyncio.sleep(min(5.0, max(0.0, end - time.monotonic())))
            now = await asyncio.get_running_loop().run_in_executor(None, vip_holders, env)
            holders.append(now)
            loadavg.append(float(Path("/proc/loadavg").read_text().split()[0]))
            print("soak %3.0f s left: VIP on %s, load %.1f" % (end - time.monotonic(), ",".join(now) or "-",
                                                               loadavg[-1]), flush=True)
    finally:
        stop.set()
        answers = await task
        if load.returncode is None:
            try:
                await asyncio.wait_for(load.wait(), timeout=30)
            except asyncio.TimeoutError:
                load.kill()
    transitions = []
    for name in env.of_kind("balancer"):
        log = sh("docker", "exec", env.container(name), "journalctl", "-t", "keepalived-notify",
                 "--since", "@" + since, "-o", "short-iso-precise", "--no-pager", check=False)
        transitions += ["%s: %s" % (name, line) for line in log.splitlines() if "is now" in line]
    return {"seconds": seconds, "stress": " ".join(STRESS) + " (on %s)" % active, "holder": active,
            "transitions": transitions, "holder_changes": sum(1 for h in holders if h != [active]),
            "probe_requests": len(answers), "probe_failed": sum(1 for a in answers if not a.ok),
            "probe_errors": {e: sum(1 for a in answers if not a.ok and (a.error or "HTTP %d" % a.status) == e)
                             for e in {a.error or "HTTP %d" % a.status for a in answers if not a.ok}},
            "loadavg_max": max(loadavg, default=0.0)}


def repair_all(env: Cluster) -> None:
    """Best effort: every balancer running (after an interrupted run)."""
    for name in env.of_kind("balancer"):
        sh("docker", "start", env.container(name), check=False)
        if shutil.which("ebtables"):
            uncut(host_veths(env.container(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lab experiment failover", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--arms", default="tuned,default")
    parser.add_argument("--out", type=Path, help="default: docs/results/<date>/balancer-failover, or "
                                                 "balancer-failover-2, ... when a run is there already")
    parser.add_argument("--soak", type=int, default=600, metavar="SECONDS",
                        help="after the trials, with the site configuration: SECONDS of CPU and disk "
                             "load without faults, counting spurious VRRP transitions (0: no soak)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the run breaks a promise (probe.broken_promises); "
                             "the report lists them. `make failover-check` (in CI) uses it")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite report.md from the results.json in --out; run nothing")
    args = parser.parse_args(argv)
    args.faults = [f for f in args.faults.split(",") if f]
    args.arms = [a for a in args.arms.split(",") if a]
    unknown = [f for f in args.faults if f not in FAULTS] + [a for a in args.arms if a not in ARMS]
    if unknown:
        parser.error("unknown fault or arm: %s" % ", ".join(unknown))
    out = out_or_exit(parser, args.out, "balancer-failover", report_only=args.report_only)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        saved = json.loads((out / "results.json").read_text())
        args.trials = saved["trials"]
        args.faults = [f for f in FAULTS if any(r["fault"] == f for r in saved["results"])]
        args.arms = list(saved["arms"])
        plots = {f: "timeline-%s.png" % f for f in args.faults if (out / ("timeline-%s.png" % f)).exists()}
        broken = fl.broken_promises(saved["results"], args.faults, args.arms) if args.check else None
        (out / "report.md").write_text(failover_report.render(saved["results"], args, plots, saved["started"],
                                                             saved.get("soak"), broken))
        print("rewrote %s" % (out / "report.md"))
        return 1 if broken else 0
    env = lab()
    if "network-cut" in args.faults:
        ensure_ebtables()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results, timelines = [], {}
    repair_all(env)  # a previous, interrupted run may have left a balancer down
    wait_healthy(env)
    soaked = None
    try:
        for arm in (args.arms if args.trials else []):
            print("configuring the %s arm: %s" % (arm, ARMS[arm]), flush=True)
            configure(ARMS[arm])
            wait_healthy(env)
            for fault in args.faults:
                runs = []
                for n in range(args.trials):
                    result, answers = asyncio.run(trial(env, fault, arm))
                    wait_healthy(env)
                    runs.append((result, answers))
                    results.append(result)
                    print("%-8s %-13s %2d/%d %s->%s %s ms, %d failed after fault" % (
                        arm, fault, n + 1, args.trials, result["before"], result["after"],
                        result["downtime_ms"], result["failed_after_fault"]), flush=True)
                measured = sorted((r for r in runs if r[0]["downtime_ms"] is not None),
                                  key=lambda r: r[0]["downtime_ms"])
                if measured:
                    timelines.setdefault(fault, {})[arm] = measured[len(measured) // 2]
    finally:
        print("restoring the site configuration", flush=True)
        repair_all(env)
        wait_healthy(env)
        configure(None)
    if args.soak:
        wait_healthy(env)
        print("soak: %d s of %s, no faults" % (args.soak, " ".join(STRESS)), flush=True)
        soaked = asyncio.run(soak(env, args.soak))
    plots = {fault: failover_report.plot(out, fault, arms) for fault, arms in timelines.items()}
    plots = {fault: name for fault, name in plots.items() if name}
    (out / "results.json").write_text(json.dumps({"started": started, "trials": args.trials,
                                                  "arms": {a: ARMS[a] for a in args.arms},
                                                  "results": results, "soak": soaked}, indent=1))
    broken = fl.broken_promises(results, args.faults, args.arms) if args.check else None
    (out / "report.md").write_text(failover_report.render(results, args, plots, started, soaked, broken))
    print("wrote %s" % out)
    for line in broken or []:
        print("broken promise: " + line, file=sys.stderr)
    return 1 if broken else 0
