"""Rolling maintenance under the site's load: playbooks/rolling_maintenance.yml over some of
the lab's nodes while the demo's stream asks the VIP and one writer per web server inserts
through its local ProxySQL. The analysis is hastack_lab.maintenance.

Lab traffic rules (shared/DESIGN.md): the stream goes to the lab's VIP only, the writers to
the ProxySQL inside each web server; both end by themselves (a deadline, a bound on their
count) and are stopped as soon as the playbook returns.
"""

from __future__ import annotations

import time

from .. import maintenance as mt
from .. import playbook
from .. import proxysql as pl
from .. import site as sl
from ..cluster import Cluster
from ..labenv import vip_holders, vrrp_transitions, wait_healthy
from ..shell import in_container
from .proxysql import finish_writers, start_writer, stored_nodes

LEAD, TAIL = 3.0, 3.0  # seconds of load before the playbook starts, and after it returns


def run(env: Cluster, nodes: list[str], action: str, timeout: float) -> dict:
    wait_healthy(env)
    run_id = "mnt-%d" % int(time.time())
    stop = "/tmp/hastack-%s.stop" % run_id
    webs = env.of_kind("web")
    wall, mono = time.time(), time.monotonic()
    stream = sl.Stream(env.vip, max_seconds=timeout + LEAD + TAIL + 30).start()
    # a connection per statement, as the demo's PHP makes one per request: a client that keeps
    # one connection and inserts without pause keeps its backend (auto_increment_delay_multiplex)
    # and no drain can end (docs/operations.md)
    writers = {web: start_writer(env, web, run_id, timeout + LEAD + TAIL + 30, stop, reconnect=True) for web in webs}
    vip_before = vip_holders(env)
    try:
        time.sleep(LEAD)
        began = time.monotonic()
        rc, output = playbook.run("playbooks/rolling_maintenance.yml", "--limit", ",".join(nodes),
                                  extra_vars={"maintenance_action": action}, timeout=timeout)
        took = time.monotonic() - began
        time.sleep(TAIL)
    finally:  # the load ends also when the run is interrupted
        hits = stream.stop()
        for web in webs:
            in_container(env.container(web), "touch", stop, check=False)
    writes = finish_writers(writers, 60)
    for web in webs:
        in_container(env.container(web), "rm", "-f", stop, check=False)
    windows = mt.host_windows(output)
    stored = set(stored_nodes(env, run_id))
    return {
        "nodes": nodes, "action": action, "balancers": env.of_kind("balancer"),
        "playbook": {"rc": rc, "seconds": round(took, 1), "failure": mt.failure_line(output) if rc else ""},
        "windows": {host: [round(a - wall, 1), round(b - wall, 1)] for host, (a, b) in windows.items()},
        "stream": sl.window(hits, mono, time.monotonic()),
        # what the stream saw while each node was being maintained (the windows in its clock)
        "per_node": {host: _brief(sl.window(hits, mono + a - wall, mono + b - wall)) for host, (a, b) in windows.items()},
        "writes": mt.writes_summary(writes, stored, windows),
        "vip": {"before": vip_before, "after": vip_holders(env)},
        "transitions": vrrp_transitions(env, wall),
    }


def _brief(window: dict) -> dict:
    return {key: window[key] for key in ("requests", "failed", "longest_gap_ms", "errors")}


def table(env: Cluster) -> None:
    """The writers' table, as the proxysql experiment makes it."""
    in_container(env.container(env.writer_order[0]), "mariadb", "-e", "USE hastack; %s" % pl.SCHEMA)
