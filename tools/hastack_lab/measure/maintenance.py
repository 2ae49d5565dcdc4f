"""Rolling maintenance under the site's load (measure.load): playbooks/rolling_maintenance.yml
over some of the lab's nodes. The analysis is hastack_lab.maintenance."""

from __future__ import annotations

import time

from .. import maintenance as mt
from .. import playbook
from ..cluster import Cluster
from ..labenv import vip_holders, vrrp_transitions, wait_healthy
from .load import SiteLoad

LEAD, TAIL = 3.0, 3.0  # seconds of load before the playbook starts, and after it returns


def run(env: Cluster, nodes: list[str], action: str, timeout: float, pause: float, write_pause: float) -> dict:
    wait_healthy(env)
    load = SiteLoad(env, "mnt-%d" % int(time.time()), timeout + LEAD + TAIL + 30, pause, write_pause).start()
    vip_before = vip_holders(env)
    try:
        time.sleep(LEAD)
        began = time.monotonic()
        rc, output = playbook.run("playbooks/rolling_maintenance.yml", "--limit", ",".join(nodes),
                                  extra_vars={"maintenance_action": action}, timeout=timeout)
        took = time.monotonic() - began
        time.sleep(TAIL)
    finally:  # the load ends also when the run is interrupted
        load.stop()
    windows = mt.host_windows(output)
    wall = load.wall
    return {
        "nodes": nodes, "action": action, "balancers": env.of_kind("balancer"),
        "playbook": {"rc": rc, "seconds": round(took, 1), "failure": mt.failure_line(output) if rc else ""},
        "windows": {host: [round(a - wall, 1), round(b - wall, 1)] for host, (a, b) in windows.items()},
        "stream": load.window(),
        "load": load.rates(),
        # what the stream saw while each node was being maintained
        "per_node": {host: _brief(load.seen(a, b)) for host, (a, b) in windows.items()},
        "writes": mt.writes_summary(load.writes, load.stored(), windows),
        "vip": {"before": vip_before, "after": vip_holders(env)},
        "transitions": vrrp_transitions(env, wall),
    }


def _brief(window: dict) -> dict:
    return {key: window[key] for key in ("requests", "failed", "longest_gap_ms", "errors")}
