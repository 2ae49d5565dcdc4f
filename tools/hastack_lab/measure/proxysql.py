"""ProxySQL under the faults it must hide: the writer's power cut, ProxySQL itself killed,
one web server cut off from the writer, and a reader that falls behind.

The writers run inside the web servers (hastack_lab.proxysql.WRITER through 127.0.0.1:6033,
each row stamped with the node that executed it); ProxySQL's state is read through its
admin interface. Faults go through Docker, systemd and routes inside the containers.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time

from .. import galera as gl
from .. import proxysql as pl
from .. import site as sl
from ..cluster import Cluster
from ..labenv import proxysql_admin, wait_healthy
from ..proxysql import AFTER, BEFORE, PAUSE
from ..shell import sh

# Each arm: what is set at runtime over the role's saved configuration, on both instances.
ARMS = {
    "tuned": {},                                  # the proxysql role's settings, as deployed
    "defaults": pl.PROXYSQL_DEFAULTS,             # ProxySQL's own monitor settings
    # the role's, but a write is sent again when its backend dies (ProxySQL's default
    # query_retries_on_failure 1), also after an auto-increment insert, which otherwise pins
    # the connection for 5 statements: what a write retry costs and buys
    "retry": {"mysql-query_retries_on_failure": "1", "mysql-auto_increment_delay_multiplex": "0"},
}


HOSTGROUPS = {"writer": 10, "reader": 30}


def db_sql(env: Cluster, node: str, statement: str) -> str:
    return sh("docker", "exec", env.container(node), "mariadb", "-N", "-B", "-e", statement)


def start_writer(env: Cluster, web: str, run: str, seconds: float, stop: str = "",
                 reconnect: bool = False, pause: float = PAUSE) -> subprocess.Popen:
    """The application's writer inside `web`, for at most `seconds`, or until the file
    `stop` exists in the container; with reconnect, a new connection per statement; `pause`
    seconds between statements."""
    variables = {"RUN": run, "WRITER": web, "TABLE": pl.TABLE, "SECONDS": str(seconds), "PAUSE": str(pause),
                 "COUNT": str(int(seconds / pause) + 1), "PORT": "6033", "DBUSER": env.user,
                 "DBPASSWORD": env.password, "STOP": stop, "RECONNECT": "1" if reconnect else "0"}
    cmd = ["docker", "exec"] + [a for k, v in variables.items() for a in ("-e", "%s=%s" % (k, v))]
    return subprocess.Popen(cmd + [env.container(web), "python3", "-c", pl.WRITER],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_writers(procs: dict, timeout: float) -> dict:
    writes = {}
    for web, proc in procs.items():
        out, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError("the writer on %s failed: %s" % (web, err.strip()[-500:]))
        writes[web] = pl.parse_writes(out)
    return writes


def stored_nodes(env: Cluster, run: str) -> dict:
    """{(web, n): node} for the rows of one run, read with wsrep_sync_wait from a node
    that stayed up."""
    rows = db_sql(env, env.writer_order[-1], "SET SESSION wsrep_sync_wait = 1; SELECT writer, n, node FROM "
                  "hastack.%s WHERE run = '%s'" % (pl.TABLE, run))
    return {(w, int(n)): node for w, n, node in (line.split("\t") for line in rows.splitlines())}


def set_arm(env: Cluster, values: dict) -> None:
    """The role's saved variables, with `values` over them, in runtime on every instance."""
    for web in env.of_kind("web"):
        proxysql_admin(env, web, "LOAD MYSQL VARIABLES FROM DISK; "
                       + "".join("SET %s = '%s'; " % kv for kv in values.items())
                       + "LOAD MYSQL VARIABLES TO RUNTIME;")


def writer_trial(env: Cluster, run: str) -> dict:
    """One power cut of the preferred writer under writes through both ProxySQLs, and
    beside them one client writing to the next writer directly: its stall is Galera's own
    (the survivors wait for the cluster to evict the dead node), which no proxy can beat."""
    order = env.writer_order
    wait_healthy(env)
    direct = gl.Writer(name="direct", host=env.servers[order[1]].address, user=env.user,
                       password=env.password, run=run)
    stop = threading.Event()
    thread = direct.start(stop)
    procs = {web: start_writer(env, web, run, BEFORE + AFTER) for web in env.of_kind("web")}
    time.sleep(BEFORE)
    cut_at, cut_mono = time.time(), time.monotonic()
    try:
        sh("docker", "kill", env.container(order[0]))
        writes = finish_writers(procs, BEFORE + AFTER + 30)
        stop.set()
        thread.join(30)
    finally:  # the cluster is left as it was found, also when the run is interrupted
        stop.set()
        sh("docker", "start", env.container(order[0]))
    healthy_s = wait_healthy(env)
    result = pl.writer_trial(writes, stored_nodes(env, run), cut_at, order[1])
    result["galera_stall_ms"] = gl.stall_ms(direct.outcomes, cut_mono)
    result["healthy_after_start_s"] = round(healthy_s, 1)
    return result


def writer(env: Cluster, trials: int, arms: list[str]) -> dict:
    results: dict = {arm: [] for arm in arms}
    try:
        for i in range(trials):
            for arm in arms:
                set_arm(env, ARMS[arm])
                result = writer_trial(env, "pxw-%s-%d-%d" % (arm, i, int(time.time())))
                results[arm].append(result)
                print("  %s %d: writes resume after %s ms (per web server %s; Galera's own stall %s ms); "
                      "failed %d; lost %d" % (arm, i + 1, result["writes_resume_ms"], result["first_on_next_ms"],
                                              result["galera_stall_ms"], result["failed"], result["lost"]), flush=True)
    finally:
        set_arm(env, {})
    return {"trials": results, "summary": {arm: pl.arm_summary(results[arm]) for arm in arms}}


def drained_by(env: Cluster, web: str, since: float, until: float) -> list[str]:
    """The balancers whose health check marked `web` DOWN between two wall-clock times (from
    HAProxy's journal)."""
    found = []
    for lb in env.of_kind("balancer"):
        log = sh("docker", "exec", env.container(lb), "journalctl", "-u", "haproxy", "-o", "cat",
                 "--since", "@%.3f" % since, "--until", "@%.3f" % until, "--no-pager", check=False)
        if re.search(r"Server \S+/%s is DOWN" % re.escape(web), log):
            found.append(lb)
    return found


def kill(env: Cluster, trials: int = 5) -> dict:
    web = env.of_kind("web")[0]
    container = env.container(web)
    results = []
    for i in range(trials):
        wait_healthy(env)
        stream = sl.Stream(env.vip).start()
        time.sleep(2.0)
        killed, killed_at = time.monotonic(), time.time()
        sh("docker", "exec", container, "systemctl", "kill", "--signal=SIGKILL", "proxysql")
        back = None
        while time.monotonic() - killed < 30:
            if sh("docker", "exec", container, "systemctl", "is-active", "proxysql", check=False).strip() == "active":
                back = time.monotonic() - killed
                break
            time.sleep(0.05)
        time.sleep(max(0.0, killed + 10 - time.monotonic()))
        hits = stream.stop()
        during = sl.window(hits, killed, killed + 10)
        results.append({"requests": during["requests"], "failed": during["failed"], "errors": during["errors"],
                        "servers": during["servers"], "longest_gap_ms": during["longest_gap_ms"],
                        "proxysql_back_s": round(back, 2) if back is not None else None,
                        "drained_by": drained_by(env, web, killed_at, killed_at + 10)})
        print("  kill %d: %d of %d failed; ProxySQL back after %s s; answered by %s; taken out of HAProxy on %s" % (
            i + 1, during["failed"], during["requests"], results[-1]["proxysql_back_s"], during["servers"],
            results[-1]["drained_by"] or "no balancer"), flush=True)
    return {"web": web, "trials": results, "failed": sum(r["failed"] for r in results)}


def isolate(env: Cluster, seconds: float = 8.0) -> dict:
    web, db = env.of_kind("web")[0], env.writer_order[0]
    container, address = env.container(web), env.servers[db].address
    wait_healthy(env)
    run = "pxi-%d" % int(time.time())
    procs = {w: start_writer(env, w, run, BEFORE + seconds + 6.0) for w in env.of_kind("web")}
    time.sleep(BEFORE)
    cut_at = time.time()
    sh("docker", "exec", container, "ip", "route", "add", "blackhole", address + "/32")
    try:
        time.sleep(seconds)
    finally:
        healed_at = time.time()
        sh("docker", "exec", container, "ip", "route", "del", "blackhole", address + "/32")
    writes = finish_writers(procs, BEFORE + seconds + 40)
    nodes = stored_nodes(env, run)
    phases = {"before": (0, cut_at), "cut off": (cut_at, healed_at), "healed": (healed_at, float("inf"))}
    per_web = {}
    for w, rows in writes.items():
        per_web[w] = {}
        for phase, (start, end) in phases.items():
            sent = [r for r in rows if start <= r["sent"] < end]
            where: dict = {}
            for r in sent:
                if r["ok"]:
                    node = nodes.get((w, r["n"]), "lost")
                    where[node] = where.get(node, 0) + 1
            per_web[w][phase] = {"writes": len(sent), "failed": sum(1 for r in sent if not r["ok"]),
                                 "on": dict(sorted(where.items()))}
    lost = sum(1 for w, rows in writes.items() for r in rows if r["ok"] and (w, r["n"]) not in nodes)
    wait_healthy(env)
    return {"web": web, "db": db, "seconds": seconds, "per_web": per_web, "lost": lost}


def reader_state(env: Cluster, web: str, address: str) -> str:
    """Where one web server's ProxySQL has a node: writer, reader, or out (neither)."""
    rows = proxysql_admin(env, web, "SELECT hostgroup_id FROM runtime_mysql_servers WHERE hostname = '%s' "
                                    "AND status = 'ONLINE'" % address).split()
    groups = {int(g) for g in rows}
    return "writer" if HOSTGROUPS["writer"] in groups else "reader" if HOSTGROUPS["reader"] in groups else "out"


def lag(env: Cluster, hold: float = 20.0) -> dict:
    """db1 desynced with its applier stopped behind FLUSH TABLES WITH READ LOCK, held by a
    client session for `hold` seconds, while both web servers write."""
    reader = env.writer_order[-1]
    web, address = env.of_kind("web")[0], env.servers[reader].address
    wait_healthy(env)
    run = "pxl-%d" % int(time.time())
    procs = {w: start_writer(env, w, run, hold + 15.0) for w in env.of_kind("web")}
    started = time.monotonic()
    timeline, lock_released = [], None
    # the lock lives as long as this session: a shell that sleeps, then unlocks
    holder = subprocess.Popen(["docker", "exec", env.container(reader), "mariadb", "-e",
                               "SET GLOBAL wsrep_desync = ON; FLUSH TABLES WITH READ LOCK; SELECT SLEEP(%d); "
                               "UNLOCK TABLES; SET GLOBAL wsrep_desync = OFF;" % int(hold)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while time.monotonic() - started < hold + 25:
        if lock_released is None and holder.poll() is not None:
            lock_released = time.monotonic() - started
        queue = db_sql(env, reader, "SHOW GLOBAL STATUS LIKE 'wsrep_local_recv_queue'").split()
        timeline.append((round(time.monotonic() - started, 2), reader_state(env, web, address),
                         int(queue[-1]) if queue else None))
        time.sleep(0.5)
    holder.communicate(timeout=30)
    writes = finish_writers(procs, hold + 60)
    wait_healthy(env)
    out_at = next((t for t, state, _ in timeline if state == "out"), None)
    back_at = next((t for t, state, _ in timeline if out_at is not None and t > out_at and state == "reader"), None)
    return {"reader": reader, "web": web, "hold_s": hold,
            "lock_released_s": round(lock_released, 2) if lock_released is not None else None,
            "out_of_readers_at_s": out_at, "back_at_s": back_at,
            "max_recv_queue": max((q for _, _, q in timeline if q is not None), default=None),
            "failed_writes": sum(1 for rows in writes.values() for r in rows if not r["ok"]),
            "timeline": timeline}
