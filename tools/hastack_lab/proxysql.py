"""ProxySQL in the lab, measured: the writer's failover under writes through each web
server's ProxySQL, and the faults only ProxySQL brings. The pure part: what a trial's
writes say (unit-tested in tools/hastack_lab/tests/test_proxysql.py), and the writer that
runs inside a web server, where the application's path (127.0.0.1:6033) is.
"""

from __future__ import annotations

import json

from .stats import summary

TABLE = "hastack_proxysql_writes"
BEFORE, AFTER = 2.0, 6.0  # seconds of writes before the writer's cut, and after it
PAUSE = 0.01              # between one writer's statements
# The node that executed each insert is stamped by a trigger, not by @@hostname in the
# statement: ProxySQL stops multiplexing a connection whose queries name variables, and a
# statement on such a connection is not retried when its backend dies, which would
# measure the experiment's statement instead of the application's. With row-based
# replication the trigger runs only where the insert executed.
SCHEMA = ("CREATE TABLE IF NOT EXISTS {table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, run VARCHAR(48) NOT NULL, "
          "writer VARCHAR(16) NOT NULL, n INT NOT NULL, node VARCHAR(64) NOT NULL DEFAULT '', "
          "UNIQUE KEY (run, writer, n)) ENGINE=InnoDB; "
          "CREATE TRIGGER IF NOT EXISTS {table}_node BEFORE INSERT ON {table} FOR EACH ROW "
          "SET NEW.node = @@hostname").format(table=TABLE)

# ProxySQL 2.7's own defaults for the monitor variables the proxysql role sets (read from
# a fresh instance of the package's proxysql: SELECT * FROM global_variables).
PROXYSQL_DEFAULTS = {
    "mysql-monitor_galera_healthcheck_interval": "5000",
    "mysql-monitor_galera_healthcheck_timeout": "800",
    "mysql-monitor_galera_healthcheck_max_timeout_count": "3",
    "mysql-monitor_ping_interval": "8000",
    "mysql-monitor_ping_timeout": "1000",
    "mysql-monitor_ping_max_failures": "3",
    "mysql-monitor_connect_interval": "120000",
    "mysql-monitor_connect_timeout": "600",
}

# Runs inside a web server with its python3 and python3-pymysql (the proxysql role installs
# both): autocommit INSERTs through the local ProxySQL, as the application sends them, for
# at most SECONDS and COUNT statements, or until the file STOP (when given) exists; with
# RECONNECT=1 each statement on a new connection, as a PHP page makes one per request. Prints
# one JSON list: [n, sent, done, ok, error], times in the wall clock, which the containers
# share with the controller.
WRITER = r'''
import json, os, time
import pymysql
run, name, table = os.environ["RUN"], os.environ["WRITER"], os.environ["TABLE"]
until = time.time() + float(os.environ["SECONDS"])
count, pause = int(os.environ["COUNT"]), float(os.environ["PAUSE"])
stop = os.environ.get("STOP", "")
reconnect = os.environ.get("RECONNECT") == "1"
out, conn, n = [], None, 0
while time.time() < until and n < count and not (stop and os.path.exists(stop)):
    n += 1
    sent = time.time()
    try:
        if conn is None:
            conn = pymysql.connect(host="127.0.0.1", port=int(os.environ["PORT"]), user=os.environ["DBUSER"],
                                   password=os.environ["DBPASSWORD"], database="hastack", autocommit=True,
                                   connect_timeout=2, read_timeout=10, write_timeout=10)
        with conn.cursor() as cur:
            cur.execute("INSERT INTO " + table + " (run, writer, n) VALUES (%s, %s, %s)", (run, name, n))
        out.append([n, sent, time.time(), True, ""])
        if reconnect:
            conn.close()
            conn = None
    except Exception as exc:
        out.append([n, sent, time.time(), False, (type(exc).__name__ + ": " + str(exc))[:160]])
        try:
            conn.close()
        except Exception:
            pass
        conn = None
    time.sleep(pause)
print(json.dumps(out))
'''


def parse_writes(output: str) -> list[dict]:
    """The writer's JSON -> [{n, sent, done, ok, error}]."""
    return [{"n": n, "sent": sent, "done": done, "ok": ok, "error": error}
            for n, sent, done, ok, error in json.loads(output)]


def writer_trial(writes: dict[str, list[dict]], nodes: dict[tuple[str, int], str], cut_at: float,
                 next_writer: str) -> dict:
    """One power cut of the writer, from the writes of each web server ({web: writes}) and
    the node each stored row says executed it ({(web, n): node}): per web server, the time
    from the cut to its first acknowledged write on next_writer (ms); the writes that failed
    (sent after the cut, or in flight at it), and among them those ProxySQL sent again after
    they had committed; acknowledged writes missing from the database."""
    result: dict = {"first_on_next_ms": {}, "failed": 0, "failed_errors": {}, "acknowledged": 0, "lost": 0,
                    "in_flight_at_cut": 0}
    for web, rows in writes.items():
        acked = [w for w in rows if w["ok"]]
        result["acknowledged"] += len(acked)
        result["lost"] += sum(1 for w in acked if (web, w["n"]) not in nodes)
        firsts = [w["done"] for w in acked if w["done"] > cut_at and nodes.get((web, w["n"])) == next_writer]
        result["first_on_next_ms"][web] = round((min(firsts) - cut_at) * 1000, 1) if firsts else None
        for w in rows:
            if not w["ok"] and w["done"] >= cut_at:
                result["failed"] += 1
                key = w["error"][:100]
                result["failed_errors"][key] = result["failed_errors"].get(key, 0) + 1
            if w["sent"] < cut_at < w["done"]:
                result["in_flight_at_cut"] += 1
    result["applied_twice"] = applied_twice(result)
    known = [v for v in result["first_on_next_ms"].values() if v is not None]
    # the application is served again when every web server writes: the slower of them
    result["writes_resume_ms"] = max(known) if len(known) == len(writes) and known else None
    return result


def applied_twice(trial: dict) -> int:
    """Failed writes that ProxySQL had sent again after they had committed: the table's
    unique key refused the second copy (1062, Duplicate entry); a table without one would
    hold two rows."""
    return sum(n for error, n in trial["failed_errors"].items() if "(1062," in error)


def added_ms(trial: dict) -> float | None:
    """What ProxySQL added to Galera's own stall in one trial: the resume time through
    ProxySQL minus the stall of a client writing to the next writer directly."""
    if trial["writes_resume_ms"] is None or trial.get("galera_stall_ms") is None:
        return None
    return round(trial["writes_resume_ms"] - trial["galera_stall_ms"], 1)


def arm_summary(trials: list[dict]) -> dict:
    """Per arm: the resume time over trials (min / median / p95 / max), Galera's own stall
    and what ProxySQL added to it, failed and lost writes."""
    resumed = [t["writes_resume_ms"] for t in trials if t["writes_resume_ms"] is not None]
    return {"trials": len(trials), "resume_ms": summary(resumed),
            "galera_stall_ms": summary([t["galera_stall_ms"] for t in trials if t.get("galera_stall_ms") is not None]),
            "added_ms": summary([a for a in map(added_ms, trials) if a is not None]),
            "never_resumed": sum(1 for t in trials if t["writes_resume_ms"] is None),
            "failed": sum(t["failed"] for t in trials),
            "applied_twice": sum(applied_twice(t) for t in trials),
            "trials_with_failures": sum(1 for t in trials if t["failed"]),
            "acknowledged": sum(t["acknowledged"] for t in trials), "lost": sum(t["lost"] for t in trials)}


def broken_promises(arms: dict[str, dict], tuned: str = "tuned", bound_ms: float = 3000.0) -> list[str]:
    """What the writer-failover runs break of the collection's promises: no acknowledged
    write lost in any arm; with the role's settings, no write applied twice, writes resume
    on the next writer in every trial, and no later than bound_ms after the cut (the role's "a dead node noticed
    in 1-3 s"; ProxySQL's defaults take up to about 4 s). A bound that catches a monitor
    not working as tuned, not the figure itself: the figures are reported beside it."""
    broken = []
    for arm, s in arms.items():
        if s["lost"]:
            broken.append("%s: %d acknowledged writes lost" % (arm, s["lost"]))
    s = arms.get(tuned)
    if s and s.get("applied_twice"):
        broken.append("%s: ProxySQL sent %d writes again after they had committed" % (tuned, s["applied_twice"]))
    if s:
        if s["never_resumed"]:
            broken.append("%s: writes did not resume on the next writer in %d of %d trials" % (
                tuned, s["never_resumed"], s["trials"]))
        slowest = s["resume_ms"].get("max")
        if slowest is not None and slowest > bound_ms:
            broken.append("%s: writes resumed on the next writer %s ms after the cut (at most %.0f ms)" % (
                tuned, slowest, bound_ms))
    return broken


def run_promises(data: dict) -> list[str]:
    """Every promise a run of the ProxySQL experiment broke, from its results.json: the
    writer's failover (broken_promises), and the kill, isolate and lag parts'."""
    found = broken_promises(data["writer"]["summary"]) if "writer" in data else []
    if data.get("kill", {}).get("failed"):
        found.append("kill: %d GETs through the VIP failed while ProxySQL restarted" % data["kill"]["failed"])
    missed = [i for i, t in enumerate(data.get("kill", {}).get("trials", []), 1) if t.get("drained_by") == []]
    if missed:
        found.append("kill: no balancer's health check took %s out in trial %s" % (
            data["kill"]["web"], ", ".join(map(str, missed))))
    if data.get("isolate", {}).get("lost"):
        found.append("isolate: %d acknowledged writes lost" % data["isolate"]["lost"])
    lag = data.get("lag")
    if lag and (lag["out_of_readers_at_s"] is None or lag["back_at_s"] is None):
        found.append("lag: %s was %s" % (lag["reader"], "never taken out of the readers" if lag["out_of_readers_at_s"]
                                         is None else "not back among the readers after catching up"))
    return found
