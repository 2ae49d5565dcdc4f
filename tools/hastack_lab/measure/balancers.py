"""The balancers' failover: one fault of the VIP holder, timed by a 1 ms probe, and a soak.

A trial probes the VIP every millisecond (a new TCP connection each time, 100 ms timeout,
path /haproxy-alive, which HAProxy answers itself), injects the fault into whichever
balancer holds the VIP, keeps probing, then repairs the balancer. Beside the probe, an
ordinary client (standard TCP, 5 s timeout) in its own process counts the requests it lost.
A network cut drops every frame to and from the balancer on the host's bridges (ebtables),
with its links left up, as when a switch port fails. The soak loads the VIP holder with
stress-ng and counts every VRRP transition, each one a false failover.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import ROOT, playbook
from .. import probe as fl
from .. import site as sl
from ..cluster import Cluster
from ..labenv import vip_holders, vrrp_transitions
from ..labnet import cut, host_veths, uncut
from ..shell import sh

# network-cut: the balancer's links stay up (no carrier loss for keepalived to notice),
# but the host's bridges drop every frame to and from its interfaces (ebtables), as when
# a switch port or an upstream cable fails.
FAULTS = ["hard-kill", "graceful-stop", "haproxy-kill", "network-cut"]


# Each arm is the keepalived role with these variables over the inventory's; preemption
# is off in all of them, so a repaired node never takes the VIP back during the next trial.
NORMAL_PRIORITY = {"keepalived_realtime_priority": 0, "keepalived_lock_memory": False}
ARMS = {
    "tuned": {"keepalived_preempt": "off"},                                   # the collection's settings
    "fast": {"keepalived_preempt": "off", "keepalived_advert_int": 0.03,     # the opt-in: 30 ms adverts,
             "keepalived_realtime_priority": 50},                           # at real-time priority
    "fast-normal-priority": {"keepalived_preempt": "off", "keepalived_advert_int": 0.03, **NORMAL_PRIORITY},
    "default": {"keepalived_preempt": "off", "keepalived_advert_int": 1, **NORMAL_PRIORITY},  # keepalived's own
}


# how long to keep probing after the fault, per arm (bounded; default adverts need ~4 s)
WINDOW = {"tuned": 3.0, "fast": 3.0, "fast-normal-priority": 3.0, "default": 8.0}


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
    """No fault at all, but the CPUs and the disk loaded (stress-ng on the VIP holder) while
    the site experiment's stream asks for the demo page through the VIP: every VRRP
    transition in that time is a spurious one. A probe every 10 ms counts the requests that
    failed meanwhile, and the VIP holder is sampled every 5 s."""
    active = vip_holders(env)[0]
    container = env.container(active)
    sh("docker", "exec", container, "sh", "-c",
       "command -v stress-ng >/dev/null || { apt-get update -q && apt-get install -y -q stress-ng; }",
       timeout=600)
    since = time.time()
    load = await asyncio.create_subprocess_exec(
        "docker", "exec", container, *STRESS, "--timeout", "%ds" % seconds, "--quiet",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    began = time.monotonic()
    stream = sl.Stream(env.vip, max_seconds=seconds + 60).start()
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
        hits, ended = stream.stop(), time.monotonic()
        if load.returncode is None:
            try:
                await asyncio.wait_for(load.wait(), timeout=30)
            except asyncio.TimeoutError:
                load.kill()
    transitions = vrrp_transitions(env, since)
    return {"seconds": seconds, "stress": " ".join(STRESS) + " (on %s)" % active, "holder": active,
            "transitions": transitions, "holder_changes": sum(1 for h in holders if h != [active]),
            "probe_requests": len(answers), "probe_failed": sum(1 for a in answers if not a.ok),
            "probe_errors": {e: sum(1 for a in answers if not a.ok and (a.error or "HTTP %d" % a.status) == e)
                             for e in {a.error or "HTTP %d" % a.status for a in answers if not a.ok}},
            "stream": {k: v for k, v in sl.window(hits, began, ended).items() if k in STREAM_KEYS},
            "rt": realtime(env), "loadavg_max": max(loadavg, default=0.0)}


STREAM_KEYS = ("requests", "failed", "errors", "longest_gap_ms", "servers")


def realtime(env: Cluster) -> dict[str, str]:
    """How each balancer's keepalived processes are scheduled: {"lb1": "SCHED_RR 50, SCHED_OTHER 0"}."""
    found = {}
    for name in env.of_kind("balancer"):
        out = sh("docker", "exec", env.container(name), "sh", "-c",
                 "for p in $(pidof keepalived); do chrt -p $p; done", check=False)
        found[name] = ", ".join(fl.sched_policies(out)) or "?"
    return found


def repair_all(env: Cluster) -> None:
    """Best effort: every balancer running (after an interrupted run)."""
    for name in env.of_kind("balancer"):
        sh("docker", "start", env.container(name), check=False)
        if shutil.which("ebtables"):
            uncut(host_veths(env.container(name)))
