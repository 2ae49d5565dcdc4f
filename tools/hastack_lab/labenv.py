"""The deployed lab as the experiments see it: the Cluster of inventory/lab, and what the
running containers say about it (who holds the VIP, ProxySQL's writer, whether every
server is healthy). Every check goes through `docker exec`, bounded by a timeout.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .cluster import Cluster
from .shell import CommandError, in_container, sh


def lab() -> Cluster:
    """The lab's Cluster, with ProxySQL's writer order as the proxysql role recorded it."""
    cluster = Cluster.from_inventory()
    cluster.writer_order = writer_order(cluster)
    return cluster


def writer_order(cluster: Cluster) -> list[str]:
    """The database nodes in ProxySQL's writer order (most preferred first), as the proxysql
    role recorded it on the first web server; [] when ProxySQL is not installed there."""
    web = cluster.container(cluster.of_kind("web")[0])
    proc = subprocess.run(["docker", "exec", web, "cat", "/etc/hastack/proxysql.json"], capture_output=True,
                          text=True, timeout=30, check=False)
    state = json.loads(proc.stdout) if proc.returncode == 0 else {}
    if not state.get("installed"):
        return []
    return [cluster.by_address(a) for a in state["writer_order"]]


def proxysql_admin(cluster: Cluster, web: str, statements: str) -> str:
    """Statements on one web server's ProxySQL admin interface (from inside it, over
    loopback, as the proxysql role's admin user); its rows as tab-separated text."""
    return sh("docker", "exec", "-e", "MYSQL_PWD=" + cluster.admin_password, cluster.container(web),
              "mariadb", "-h127.0.0.1", "-P6032", "-uradmin", "-N", "-B", "-e", statements)


def proxysql_writer(cluster: Cluster, web: str) -> str:
    """The node a web server's ProxySQL sends writes to now (its ONLINE writer), or ''."""
    try:
        address = proxysql_admin(cluster, web, "SELECT hostname FROM runtime_mysql_servers "
                                               "WHERE hostgroup_id = 10 AND status = 'ONLINE'").split()
    except CommandError:  # ProxySQL not answering (yet)
        return ""
    return cluster.by_address(address[0]) if len(address) == 1 else ""


def running(cluster: Cluster, name: str) -> bool:
    out = sh("docker", "inspect", "-f", "{{.State.Running}}", cluster.container(name), check=False)
    return out.strip() == "true"


def vip_holders(cluster: Cluster) -> list[str]:
    found = []
    for name in cluster.of_kind("balancer"):
        if running(cluster, name):
            out = in_container(cluster.container(name), "ip", "-o", "-4", "addr", "show", check=False)
            if " %s/" % cluster.vip in out:
                found.append(name)
    return found


def vrrp_transitions(cluster: Cluster, since: float) -> list[str]:
    """Every VRRP state change the balancers' notify script logged from the wall-clock time
    `since` on, oldest first: ["lb2 1733504400.123: INSTANCE public is now MASTER (priority 150)"]."""
    found = []
    for name in cluster.of_kind("balancer"):
        log = in_container(cluster.container(name), "journalctl", "-t", "keepalived-notify", "--since",
                           "@%d" % int(since), "-o", "short-unix", "--no-pager", check=False)
        found += transition_lines(name, log, since)
    return sorted(found, key=lambda line: float(line.split()[1].rstrip(":")))


def transition_lines(name: str, journal: str, since: float) -> list[str]:
    """The "is now" lines of one balancer's notify journal (short-unix) at or after `since`."""
    lines = []
    for line in journal.splitlines():
        stamp, _, text = line.partition(" ")
        try:
            at = float(stamp)
        except ValueError:
            continue
        if at >= since and "is now" in text:
            lines.append("%s %s: %s" % (name, stamp, text.split(": ", 1)[-1]))
    return lines


def server_healthy(cluster: Cluster, name: str) -> bool:
    server = cluster.servers[name]
    c = cluster.container(name)
    if not running(cluster, name):
        return False
    if server.kind == "balancer":
        return in_container(c, "systemctl", "is-active", "keepalived", "haproxy", check=False).split() == \
            ["active", "active"]
    if server.kind == "web":
        if in_container(c, "systemctl", "is-active", "apache2", check=False).strip() != "active":
            return False
        # with ProxySQL: healthy once it writes to the preferred writer again
        return not cluster.writer_order or proxysql_writer(cluster, name) == cluster.writer_order[0]
    health = in_container(c, "galera-health", check=False).strip()
    return health.startswith("Synced") and health.endswith("cluster size %d" % len(cluster.of_kind("database")))


def wait_healthy(cluster: Cluster, timeout: float = 300) -> float:
    """Seconds until every server is healthy and one balancer holds the VIP; fails after timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if all(server_healthy(cluster, n) for n in cluster.servers) and len(vip_holders(cluster)) == 1:
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError("the stack was not healthy within %.0f s: %s" % (
        timeout, {n: server_healthy(cluster, n) for n in cluster.servers}))


def put_vip_on(cluster: Cluster, name: str, timeout: float = 60) -> list[str]:
    """Make balancer `name` the VIP holder, so that failing it tests a failover; returns the
    balancers it took the VIP from. Keepalived is restarted on the holder: it gives the VIP up
    on the way down and comes back as backup (with nopreempt, or a lower priority)."""
    holders = [h for h in vip_holders(cluster) if h != name]
    for holder in holders:
        in_container(cluster.container(holder), "systemctl", "restart", "keepalived")
    start = time.monotonic()
    while vip_holders(cluster) != [name]:
        if time.monotonic() - start > timeout:
            raise RuntimeError("could not move the VIP to %s within %.0f s (it is on %s): does a balancer "
                               "with a higher priority preempt it?" % (name, timeout, vip_holders(cluster)))
        time.sleep(0.2)
    return holders


# the static page the throughput and cost measurements ask for: written on the sync's
# source, rsync_sync puts it on the other web servers
BENCH_DIR, BENCH_PAGE = "/var/www/hastack/shared", "hastack-bench.html"
BENCH_BODY = "<!DOCTYPE html>\n<html><head><title>hastack static</title></head><body>\n%s</body></html>\n" % (
    "<p>A static page, served by Apache without PHP.</p>\n" * 24)


def web_status(address: str, path: str) -> int:
    """The status of a GET of path on a web server (0: no answer)."""
    conn = http.client.HTTPConnection(address, 80, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


@contextmanager
def static_page(cluster: Cluster, timeout: float = 60) -> Iterator[tuple[str, int]]:
    """A static page on every web server for the length of the block: yields (its path
    under the VIP, its size); removed afterwards (the sync removes the copies)."""
    webs = cluster.of_kind("web")
    source = cluster.container(webs[0])  # the lab's rsync_sync source: the first web server
    dest = "%s/%s" % (BENCH_DIR, BENCH_PAGE)
    subprocess.run(["docker", "exec", "-i", source, "sh", "-c",
                    "cat > {0}.new && chmod 0644 {0}.new && mv {0}.new {0}".format(dest)],
                   input=BENCH_BODY.encode(), check=True, capture_output=True, timeout=30)
    path = "/shared/" + BENCH_PAGE
    try:
        deadline = time.monotonic() + timeout
        while any(web_status(cluster.servers[w].address, path) != 200 for w in webs):
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not reach every web server within %.0f s" % (path, timeout))
            time.sleep(0.5)
        yield path, len(BENCH_BODY)
    finally:
        in_container(source, "rm", "-f", dest, check=False)


# a container's CPU time, as its cgroup counts it on this host: cgroup v1 (cpuacct), or v2
# with Docker's cgroupfs or systemd driver
CGROUP_CPU = ["/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/docker/{id}/cpuacct.usage",
              "/sys/fs/cgroup/docker/{id}/cpu.stat", "/sys/fs/cgroup/system.slice/docker-{id}.scope/cpu.stat"]


def cgroup_cpu_seconds(text: str) -> float:
    """CPU seconds from a cgroup's cpuacct.usage (nanoseconds) or cpu.stat (usage_usec)."""
    for line in text.splitlines():
        if line.startswith("usage_usec "):
            return int(line.split()[1]) / 1e6
    return int(text.split()[0]) / 1e9


def cpu_files(cluster: Cluster) -> dict[str, Path]:
    """{server: the file of its container's CPU time}; fails naming the paths tried."""
    files = {}
    for name in cluster.servers:
        cid = sh("docker", "inspect", "-f", "{{.Id}}", cluster.container(name)).strip()
        found = [Path(t.format(id=cid)) for t in CGROUP_CPU if Path(t.format(id=cid)).exists()]
        if not found:
            raise RuntimeError("no CPU accounting for %s on this host: tried %s" % (
                name, ", ".join(t.format(id=cid[:12] + "...") for t in CGROUP_CPU)))
        files[name] = found[0]
    return files


def cpu_seconds(files: dict[str, Path]) -> dict[str, float]:
    """Each server's CPU seconds so far."""
    return {name: cgroup_cpu_seconds(path.read_text()) for name, path in files.items()}
