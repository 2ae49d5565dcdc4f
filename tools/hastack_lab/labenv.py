"""The lab as the experiments see it: its servers, the VIP, the secrets they need, and
whether the whole stack is healthy. Read from inventory/lab and the running containers.

The env dict (lab()):
    servers       {name: {kind: balancer|web|database, container, address}}
    vip           the balancers' public VIP
    user, password  the application's database user
    admin_password  ProxySQL's admin password (user radmin)
    writer_order  database nodes in ProxySQL's writer order, [] without ProxySQL
"""

from __future__ import annotations

import json
import subprocess
import time

import yaml

from . import ROOT

INVENTORY = ROOT / "inventory" / "lab"


def sh(*cmd: str, check: bool = True, timeout: float = 120) -> str:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), proc.stderr.strip()))
    return proc.stdout


def lab() -> dict:
    hosts = yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]["children"]
    secrets = yaml.safe_load((INVENTORY / "group_vars" / "all" / "secrets.yml").read_text())
    balancer_vars = yaml.safe_load((INVENTORY / "group_vars" / "all" / "balancers.yml").read_text())
    groups = {"balancers": "balancer", "webservers": "web", "databases": "database"}
    servers = {}
    for group, kind in groups.items():
        for name, hv in hosts[group]["hosts"].items():
            servers[name] = {"kind": kind, "container": hv["ansible_host"], "address": hv["hastack_private_address"]}
    env = {"servers": servers, "vip": balancer_vars["hastack_public_vip"], "user": "hastack",
           "password": secrets["lab_galera_app_password"], "admin_password": secrets["lab_proxysql_admin_password"]}
    env["writer_order"] = writer_order(env)
    return env


def writer_order(env: dict) -> list[str]:
    """The database nodes in ProxySQL's writer order (most preferred first), as the proxysql
    role recorded it on the first web server; [] when ProxySQL is not installed there."""
    web = env["servers"][of_kind(env, "web")[0]]["container"]
    proc = subprocess.run(["docker", "exec", web, "cat", "/etc/hastack/proxysql.json"], capture_output=True,
                          text=True, timeout=30, check=False)
    state = json.loads(proc.stdout) if proc.returncode == 0 else {}
    if not state.get("installed"):
        return []
    by_address = {s["address"]: n for n, s in env["servers"].items()}
    return [by_address[a] for a in state["writer_order"]]


def proxysql_admin(env: dict, web: str, statements: str) -> str:
    """Statements on one web server's ProxySQL admin interface (from inside it, over
    loopback, as the proxysql role's admin user); its rows as tab-separated text."""
    return sh("docker", "exec", "-e", "MYSQL_PWD=" + env["admin_password"], env["servers"][web]["container"],
              "mariadb", "-h127.0.0.1", "-P6032", "-uradmin", "-N", "-B", "-e", statements)


def proxysql_writer(env: dict, web: str) -> str:
    """The node a web server's ProxySQL sends writes to now (its ONLINE writer), or ''."""
    try:
        address = proxysql_admin(env, web, "SELECT hostname FROM runtime_mysql_servers "
                                           "WHERE hostgroup_id = 10 AND status = 'ONLINE'").split()
    except RuntimeError:  # ProxySQL not answering (yet)
        return ""
    by_address = {s["address"]: n for n, s in env["servers"].items()}
    return by_address.get(address[0], "") if len(address) == 1 else ""


def of_kind(env: dict, kind: str) -> list[str]:
    return [n for n, s in env["servers"].items() if s["kind"] == kind]


def running(env: dict, name: str) -> bool:
    out = sh("docker", "inspect", "-f", "{{.State.Running}}", env["servers"][name]["container"], check=False)
    return out.strip() == "true"


def vip_holders(env: dict) -> list[str]:
    found = []
    for name in of_kind(env, "balancer"):
        if running(env, name):
            out = sh("docker", "exec", env["servers"][name]["container"], "ip", "-o", "-4", "addr", "show",
                     check=False)
            if " %s/" % env["vip"] in out:
                found.append(name)
    return found


def server_healthy(env: dict, name: str) -> bool:
    server = env["servers"][name]
    c = server["container"]
    if not running(env, name):
        return False
    if server["kind"] == "balancer":
        return sh("docker", "exec", c, "systemctl", "is-active", "keepalived", "haproxy", check=False).split() == \
            ["active", "active"]
    if server["kind"] == "web":
        if sh("docker", "exec", c, "systemctl", "is-active", "apache2", check=False).strip() != "active":
            return False
        # with ProxySQL: healthy once it writes to the preferred writer again
        return not env["writer_order"] or proxysql_writer(env, name) == env["writer_order"][0]
    health = sh("docker", "exec", c, "galera-health", check=False).strip()
    return health.startswith("Synced") and health.endswith("cluster size %d" % len(of_kind(env, "database")))


def wait_healthy(env: dict, timeout: float = 300) -> float:
    """Seconds until every server is healthy and one balancer holds the VIP; fails after timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if all(server_healthy(env, n) for n in env["servers"]) and len(vip_holders(env)) == 1:
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError("the stack was not healthy within %.0f s: %s" % (
        timeout, {n: server_healthy(env, n) for n in env["servers"]}))


def put_vip_on(env: dict, name: str, timeout: float = 60) -> list[str]:
    """Make balancer `name` the VIP holder, so that failing it tests a failover; returns the
    balancers it took the VIP from. Keepalived is restarted on the holder: it gives the VIP up
    on the way down and comes back as backup (with nopreempt, or a lower priority)."""
    holders = [h for h in vip_holders(env) if h != name]
    for holder in holders:
        sh("docker", "exec", env["servers"][holder]["container"], "systemctl", "restart", "keepalived")
    start = time.monotonic()
    while vip_holders(env) != [name]:
        if time.monotonic() - start > timeout:
            raise RuntimeError("could not move the VIP to %s within %.0f s (it is on %s): does a balancer "
                               "with a higher priority preempt it?" % (name, timeout, vip_holders(env)))
        time.sleep(0.2)
    return holders
