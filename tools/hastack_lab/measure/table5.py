"""Table 5's trial: one server fails under the site's load, and is started again.

While a stream of requests goes to the demo page through the VIP and one writer per
database node inserts rows, the server is killed (a power cut) or stopped (a clean
shutdown) through Docker, kept down for the window, and started again; the stream goes on
until the whole stack is healthy. The result says, for the fault and the recovery apart,
whether the service kept working, the longest gap, what failed, who answered, where the
VIP was, acknowledged rows lost and the write stall on the other nodes.
"""

from __future__ import annotations

import threading
import time

from .. import galera as gl
from .. import site as sl
from ..cluster import Cluster
from ..labenv import put_vip_on, vip_holders, vrrp_transitions, wait_healthy
from ..shell import sh
from ..site import BASELINE, TAIL, WINDOW


def trial(env: Cluster, name: str, mode: str) -> tuple[dict, list]:
    wait_healthy(env)
    moved_from = []
    if env.servers[name].kind == "balancer":
        # the paper fails the active balancer: failing the backup would test nothing
        moved_from = put_vip_on(env, name)
        if moved_from:
            wait_healthy(env)
    wall = time.time()  # from here on, a VRRP transition in a trial of a web or database server is a false one
    run = "site-%s-%s-%d" % (name, mode, int(time.time()))
    stream = sl.Stream(env.vip).start()
    stop = threading.Event()
    db_writers = gl.writers(env, run, env.of_kind("database"))
    threads = [w.start(stop) for w in db_writers]
    vip_before = vip_holders(env)
    time.sleep(BASELINE)
    container = env.container(name)
    fault_at = time.monotonic()
    sh("docker", "kill" if mode == "kill" else "stop", container)
    fault_done = time.monotonic()
    time.sleep(max(0.0, fault_at + WINDOW - time.monotonic()))
    vip_during = vip_holders(env)
    repair_at = time.monotonic()
    sh("docker", "start", container)
    healthy_s = wait_healthy(env)
    time.sleep(TAIL)
    end = time.monotonic()
    hits = stream.stop()
    stop.set()
    for t in threads:
        t.join(30)
    vip_after = vip_holders(env)
    acknowledged = {w.name: w.acknowledged() for w in db_writers}
    survivor = next(n for n in env.of_kind("database") if n != name)
    lost = gl.lost(acknowledged, gl.present_rows(env, survivor, run))
    stalls = [gl.stall_ms(w.outcomes, fault_at) for w in db_writers if w.name != name]
    before = sl.window(hits, fault_at - BASELINE, fault_at)
    fault = sl.window(hits, fault_at, repair_at)
    recovery = sl.window(hits, repair_at, end)
    after = sl.window(hits, end - TAIL, end)
    # for where queries went: only what was sent once the server was down (docker kill or
    # stop had returned); a request sent in the few ms before may still be served by it
    down = sl.window(hits, fault_done, repair_at)
    result = {
        "server": name, "kind": env.servers[name].kind, "mode": mode, "inject_ms": round((fault_done - fault_at) * 1000, 1),
        "before": before, "fault": fault, "recovery": recovery, "after": after, "down": down,
        "kept_working": sl.kept_working(fault, recovery, bool(fault["servers"])),
        "healthy_after_start_s": round(healthy_s, 1),
        "vip": {"before": vip_before, "during": vip_during, "after": vip_after, "moved_from": moved_from,
                "transitions": vrrp_transitions(env, wall)},
        "db": {"acknowledged": sum(len(a) for a in acknowledged.values()),
               "lost": sum(len(v) for v in lost.values()),
               "failed_on_others": sum(1 for w in db_writers if w.name != name for o in w.outcomes
                                       if not o.ok and o.sent >= fault_at),
               "stall_ms_on_others": max((s for s in stalls if s is not None), default=None)},
        "repair_at_s": round(repair_at - fault_at, 3), "end_s": round(end - fault_at, 3),
    }
    return result, sl.as_dicts(hits, fault_at)
