"""Growing and shrinking the lab under the site's load (measure.load), as a user grows theirs:
an inventory with hosts added, site.yml, then retire.yml and site.yml without them. The plan
and the analysis are hastack_lab.scale.

Lab traffic rules (shared/DESIGN.md): the load goes to the lab's VIP and to the ProxySQL inside
each web server; the added hosts are lab containers on the lab's networks, removed at the end.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

import yaml

from .. import lab
from .. import maintenance as mt
from .. import playbook
from .. import scale
from ..cluster import LAB_INVENTORY, Cluster
from ..labenv import proxysql_admin, vip_holders, vrrp_transitions, wait_healthy
from ..shell import in_container, sh
from ..site import WORKERS
from .load import SiteLoad

LEAD, HOLD, TAIL = 3.0, 20.0, 3.0  # s of load before the first phase, with the hosts in, after the last


def grown_inventory(env: Cluster, add: list[str], where: Path) -> tuple[Path, dict]:
    """A copy of the lab inventory (its secrets too: never in the results) with the hosts of
    --add, in `where`."""
    shutil.copytree(LAB_INVENTORY, where)
    doc = yaml.safe_load((LAB_INVENTORY / "hosts.yml").read_text())
    hosts = scale.added_hosts(doc, add, env.container("db1")[:-len("db1")])
    (where / "hosts.yml").write_text("---\n# tools/lab experiment scale: the lab inventory with %s added\n%s"
                                     % (", ".join(add), yaml.safe_dump(scale.grown(doc, hosts), sort_keys=False)))
    return where, hosts


def run(env: Cluster, add: list[str], timeout: float, pause: float, write_pause: float) -> dict:
    wait_healthy(env)
    with tempfile.TemporaryDirectory(prefix="hastack-scale-") as work:
        load = SiteLoad(env, "scale-%d" % int(time.time()), 4 * timeout + 120, pause, write_pause)
        return _run(env, add, timeout, Path(work) / "inventory", load)


def _run(env: Cluster, add: list[str], timeout: float, where: Path, load: SiteLoad) -> dict:
    inventory, hosts = grown_inventory(env, add, where)
    bigger = Cluster.from_inventory(inventory)
    load.start()
    phases: dict[str, dict] = {}
    balancers: dict[str, dict] = {}
    holders = {"before": vip_holders(env)}
    sizes = {"before": galera_size(env), "expected_grown": galera_size(env) + sum(
        1 for group, _ in hosts.values() if group == "databases")}

    def phase(name: str, action) -> bool:
        began = time.time()
        try:
            rc, output = action()
        except Exception as exc:  # noqa: BLE001  (any failure of a phase is reported, and the lab restored)
            rc, output = 1, "fatal: %s" % exc
        phases[name] = {"rc": rc, "seconds": round(time.time() - began, 1), "window": [began, time.time()],
                        "failure": (mt.failure_line(output) or output[-300:]) if rc else ""}
        return rc == 0

    try:
        time.sleep(LEAD)
        ok = phase("containers", lambda: _done(lab.cmd_up(argparse.Namespace(inventory=inventory, rebuild=False))))
        ok = ok and phase("grow", lambda: playbook.run("site.yml", "-i", str(inventory), timeout=timeout))
        if ok:
            sizes["grown"] = galera_size(env)
            balancers = added_balancers(bigger, hosts)
            phase("hold", lambda: _done(time.sleep(HOLD)))
            ok = phase("retire", lambda: playbook.run("playbooks/retire.yml", "-i", str(inventory), "--limit",
                                                      ",".join(add), extra_vars={"retire_confirm": True}, timeout=timeout))
        if not ok:  # not retired: gone as a failed host goes, or the preflight refuses to forget them
            _remove(bigger, hosts)
        # the lab's own inventory again: the added hosts forgotten
        phase("shrink", lambda: playbook.run("site.yml", timeout=timeout))
        time.sleep(TAIL)
    finally:  # the load ends also when the run is interrupted
        load.stop()
        _remove(bigger, hosts)
    sizes["after"] = galera_size(env)
    holders["after"] = vip_holders(env)
    wall = load.wall
    for entry in phases.values():
        entry["seen"] = _brief(load.seen(*entry["window"]))
        entry["window"] = [round(t - wall, 1) for t in entry["window"]]
    return {
        "add": add, "added_webs": [n for n, (g, _) in hosts.items() if g == "webservers"],
        "added_balancers": balancers, "vip_holders": holders,
        "addresses": {name: variables for name, (_g, variables) in hosts.items()},
        "phases": phases, "cluster_size": sizes,
        "stream": load.window(),
        "load": load.rates(),
        "writes": mt.writes_summary(load.writes, load.stored(), {}),
        "leftovers": leftovers(env, hosts),
        "transitions": vrrp_transitions(env, wall),
        "failed_at": [round(wall + hit.sent - load.mono, 3) for hit in load.hits if not hit.ok],
        "clients": WORKERS,
        "keepalived_restarts": keepalived_restarts(env, wall),
    }


def keepalived_restarts(env: Cluster, since: float) -> list[str]:
    """systemd's lines about keepalived being started, stopped or reloaded on any balancer since
    `since` (wall clock): a VIP move then is the playbook's doing, not a false failover."""
    found = []
    for name in env.of_kind("balancer"):
        log = in_container(env.container(name), "journalctl", "-u", "keepalived", "--since", "@%d" % int(since),
                           "-o", "short-unix", "--no-pager", check=False)
        found += ["%s %s" % (name, line) for line in log.splitlines()
                  if re.search(r"systemd\[1\]: (Start|Stopp|Reload)(ing|ed) ", line)]
    return found


def galera_size(env: Cluster) -> int:
    out = in_container(env.container(env.writer_order[0]), "mariadb", "-N", "-B", "-e",
                       "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'")
    return int(out.split()[-1])


def added_balancers(bigger: Cluster, hosts: dict) -> dict:
    """Each added balancer once site.yml brought it in: its services, and whether it took the VIP
    (it must not: it has the lowest priority, and the holder does not give way)."""
    found = {}
    holders = vip_holders(bigger)
    for name, (group, _variables) in hosts.items():
        if group == "balancers":
            states = in_container(bigger.container(name), "systemctl", "is-active", "keepalived", "haproxy",
                                  check=False).split()
            found[name] = {"keepalived": states[0] if states else "unknown",
                           "haproxy": states[1] if len(states) > 1 else "unknown",
                           "holds_vip": name in holders, "holders": holders}
    return found


def leftovers(env: Cluster, hosts: dict) -> list[str]:
    """Where an added host is still configured after the shrink: ProxySQL's servers, HAProxy's
    pool, lsyncd's peers, keepalived's peers."""
    found = []
    addresses = {name: variables["hastack_private_address"] for name, (_g, variables) in hosts.items()}
    for web in env.of_kind("web"):
        servers = proxysql_admin(env, web, "SELECT DISTINCT hostname FROM runtime_mysql_servers").split()
        found += ["%s in %s's ProxySQL" % (n, web) for n, a in addresses.items() if a in servers]
        peers = in_container(env.container(web), "cat", "/etc/hastack/lsyncd.conf.lua", check=False)
        found += ["%s among %s's lsyncd peers" % (n, web) for n, a in addresses.items() if a in peers]
    for balancer in env.of_kind("balancer"):
        state = in_container(env.container(balancer), "sh", "-c",
                             "echo 'show servers state' | socat stdio /run/haproxy/admin.sock", check=False)
        found += ["%s in %s's HAProxy" % (n, balancer) for n, a in addresses.items() if " %s " % a in state]
        vrrp = in_container(env.container(balancer), "cat", "/etc/keepalived/keepalived.conf", check=False)
        found += ["%s among %s's keepalived peers" % (n, balancer) for n, a in addresses.items()
                  if re.search(r"^\s*%s\s*$" % re.escape(a), vrrp, re.M)]
    return found


def _remove(bigger: Cluster, hosts: dict) -> None:
    for name in hosts:
        sh("docker", "rm", "-f", bigger.container(name), check=False)


def _done(_result) -> tuple[int, str]:
    """A phase that raises when it fails (rc 0 once it returns)."""
    return 0, ""


def _brief(window: dict) -> dict:
    return {key: window[key] for key in ("requests", "failed", "longest_gap_ms", "errors", "servers", "reads", "writes")}
