"""Galera's replication as the paper tabled it, and the delay a committed row takes to
become readable on each other node."""

from __future__ import annotations

import threading
import time

from .. import galera as gl
from .. import site as sl
from ..cluster import Cluster
from ..labenv import wait_healthy
from ..shell import sh


def replication_table(env: Cluster) -> dict:
    """The paper's table: a database created on each node (as root, through the node's
    socket) is listed on every node."""
    nodes = env.of_kind("database")

    def sql(node, statement):
        return sh("docker", "exec", env.container(node), "mariadb", "-N", "-B", "-e", statement)

    seen = {}
    try:
        for node in nodes:
            sql(node, "CREATE DATABASE paper_from_%s" % node)
        for node in nodes:
            seen[node] = sorted(sql(node, "SET SESSION wsrep_sync_wait = 1; SHOW DATABASES LIKE 'paper_from_%'").split())
    finally:
        for node in nodes:
            sql(nodes[0], "DROP DATABASE IF EXISTS paper_from_%s" % node)
    expected = sorted("paper_from_%s" % n for n in nodes)
    return {"seen": seen, "complete": all(v == expected for v in seen.values())}


def _watch(conn, table: str, run: str, origin: str, n: int, committed: float, out: list) -> None:
    """Ask one node every 0.5 ms, for at most 5 s, until the row is there; append the delay in ms."""
    while time.monotonic() - committed < 5.0:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM " + table + " WHERE run = %s AND origin = %s AND n = %s", (run, origin, n))
            if cur.fetchone():
                out.append(round((time.monotonic() - committed) * 1000, 2))
                return
        time.sleep(0.0005)


def replication(env: Cluster, rows_per_node: int = 20) -> dict:
    """The delay until a row committed on one node is readable on each other node, with
    the application's user, in a table of the application's database."""
    wait_healthy(env)
    nodes = env.of_kind("database")
    conns = {n: gl.connect(env, n) for n in nodes}
    table = "hastack_replication_probe"
    run = "repl-%d" % int(time.time())
    with conns[nodes[0]].cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS %s (id BIGINT AUTO_INCREMENT PRIMARY KEY, run VARCHAR(40) NOT NULL, "
                    "origin VARCHAR(16) NOT NULL, n INT NOT NULL, KEY (run, origin, n)) ENGINE=InnoDB" % table)
    for conn in conns.values():
        with conn.cursor() as cur:
            cur.execute("SET SESSION wsrep_sync_wait = 0")  # read what is applied now, do not wait
    delays: dict = {}
    for origin in nodes:
        for n in range(rows_per_node):
            with conns[origin].cursor() as cur:
                cur.execute("INSERT INTO " + table + " (run, origin, n) VALUES (%s, %s, %s)", (run, origin, n))
            committed = time.monotonic()
            # one thread per other node, each asking its node alone, from the same moment
            threads = [threading.Thread(target=_watch, args=(conns[other], table, run, origin, n, committed,
                                                             delays.setdefault("%s->%s" % (origin, other), [])))
                       for other in nodes if other != origin]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
    seen = {key: len(values) for key, values in delays.items()}
    with conns[nodes[0]].cursor() as cur:
        cur.execute("DELETE FROM " + table + " WHERE run = %s", (run,))
    for conn in conns.values():
        conn.close()
    everything = [d for values in delays.values() for d in values]
    return {"rows_per_node": rows_per_node, "visible": seen,
            "per_pair": {k: sl.delay_summary(v) for k, v in sorted(delays.items())},
            "all": sl.delay_summary(everything)}
