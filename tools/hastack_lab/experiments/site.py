"""The whole system under faults (the paper's table 5), load distribution and replication, on the lab.

    tools/lab experiment site [--parts table5,distribution,replication,browser,throughput,converge]
                          [--servers lb1,lb2,web1,web2,db1,db2,db3] [--modes kill,stop]
                          [--out docs/results/<date>/site]

- table5:       each server in turn fails (kill: docker kill, a power cut; stop: docker
                stop, a clean shutdown) while a stream of requests goes to the demo page
                through the VIP (4 clients, each a new connection and a new session, 5 s
                timeout) and one writer per database node inserts rows (autocommit, each
                acknowledged row recorded). The server is started again, and the stream
                goes on until the whole stack is healthy. For the fault and the recovery
                apart: whether the service kept working, the longest time without a good
                answer, failed requests, which web servers (and, with ProxySQL, database
                nodes) answered, where the VIP was, acknowledged rows lost and the write
                stall on the other nodes.
- distribution: 1,000 requests without a cookie, counted per web server; 1,000 with the
                balancers' cookie, which must all land on one server.
- replication:  the paper's replication table (a database created on each node appears
                on the others), and the delay until a row committed on one node is
                visible on each other one, 20 rows per node.
- browser:      headless Chromium (Debian's chromium, installed when missing) loads the
                demo page through the VIP 3 times in one session, over HTTP and HTTPS:
                which server answered, the session's counter, a screenshot of each.
- throughput:   wrk (Debian's, installed when missing) asks for a static page through the
                VIP and directly from one web server, 3 rounds each: requests per second
                and their ratio (target >= 0.9).
- converge:     site.yml run once more on the deployed lab: its duration and changed count.
                With --converge-collections PATH: hastack.web.site from the collection
                installed in PATH instead (make site-check installs the built tarball).

Checks the collection's promises on the data (hastack_lab.site.broken_promises) and exits 1 when
one is broken. Writes report.md, results.json, one timeline PNG per fault mode and the browser's screenshots to --out. Runs only
against the lab's containers and VIP, from this machine; every loop is bounded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from .. import ROOT, playbook
from .. import galera as gl
from .. import host as host_lib
from .. import site as sl
from ..reports import site as site_report
from ..site import BASELINE, BROWSER_LOADS, MODES, TAIL, WINDOW
from ..cluster import Cluster
from ..labenv import lab, put_vip_on, static_page, vip_holders, wait_healthy
from ..shell import sh
from ..browser import Browser, BrowserError
from ..results import out_or_exit

BIN = ROOT / ".venv" / "bin"
PARTS = ["table5", "distribution", "replication", "browser", "throughput", "converge"]
SERVERS = ["lb1", "lb2", "web1", "web2", "db1", "db2", "db3"]
WRK_ROUNDS, WRK_SECONDS, WRK_THREADS, WRK_CONNECTIONS = 3, 5, 2, 32
THROUGHPUT_TARGET = 0.9


# ---------------------------------------------------------------- parts

def table5_trial(env: Cluster, name: str, mode: str) -> tuple[dict, list]:
    wait_healthy(env)
    moved_from = []
    if env.servers[name].kind == "balancer":
        # the paper fails the active balancer: failing the backup would test nothing
        moved_from = put_vip_on(env, name)
        if moved_from:
            wait_healthy(env)
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
        "vip": {"before": vip_before, "during": vip_during, "after": vip_after, "moved_from": moved_from},
        "db": {"acknowledged": sum(len(a) for a in acknowledged.values()),
               "lost": sum(len(v) for v in lost.values()),
               "failed_on_others": sum(1 for w in db_writers if w.name != name for o in w.outcomes
                                       if not o.ok and o.sent >= fault_at),
               "stall_ms_on_others": max((s for s in stalls if s is not None), default=None)},
        "repair_at_s": round(repair_at - fault_at, 3), "end_s": round(end - fault_at, 3),
    }
    return result, sl.as_dicts(hits, fault_at)


def distribution(env: Cluster, count: int = 1000) -> dict:
    wait_healthy(env)
    spread = sl.distribution(sl.requests(env.vip, count))
    cookie = sl.sticky_cookie(env.vip)
    sticky = sl.distribution(sl.requests(env.vip, count, cookie=cookie)) if cookie else {}
    target = cookie.partition("=")[2]
    stuck = sticky.get("per_server", {}).get(target, 0)
    return {"without_cookie": spread, "cookie": cookie, "with_cookie": sticky,
            "stuck_share": round(stuck / max(1, sticky.get("requests", 0)), 4)}


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


def browser(env: Cluster, out: Path, chromium: str) -> dict:
    """A person with a browser: Chromium loads the demo page through the VIP, over HTTP
    and over HTTPS (the lab's certificate is self-signed, so its errors are ignored),
    BROWSER_LOADS times in one session, and keeps a screenshot of the last load."""
    wait_healthy(env)
    result: dict = {"web_servers": env.of_kind("web"), "chromium": sh(chromium, "--version").strip()}
    for scheme in ("http", "https"):
        url = "%s://%s/" % (scheme, env.vip)
        check: dict = {"url": url, "loads": []}
        try:
            with Browser(chromium, ignore_certificate_errors=scheme == "https") as b:
                for _ in range(BROWSER_LOADS):
                    check["loads"].append(sl.demo_page(b.load(url)))
                check["screenshot"] = "browser-%s.png" % scheme
                (out / check["screenshot"]).write_bytes(b.screenshot())
        except BrowserError as exc:
            check["error"] = str(exc)
        result[scheme] = check
    return result


def throughput(env: Cluster, wrk: str) -> dict:
    """Requests per second for a static page through the VIP, and directly to one web
    server, with wrk: WRK_ROUNDS rounds of each, alternating which goes first."""
    wait_healthy(env)
    direct = env.of_kind("web")[0]
    runs: dict = {"vip": [], "direct": []}
    targets = {"vip": env.vip, "direct": env.servers[direct].address}
    with static_page(env) as (path, size):
        for n in range(WRK_ROUNDS):
            for target in (("vip", "direct") if n % 2 == 0 else ("direct", "vip")):
                output = sh(wrk, "-t%d" % WRK_THREADS, "-c%d" % WRK_CONNECTIONS, "-d%ds" % WRK_SECONDS,
                            "--timeout", "5s", "http://%s%s" % (targets[target], path), timeout=WRK_SECONDS + 60)
                runs[target].append(sl.wrk_result(output))
                print("  %s: %.0f requests/s" % (target, runs[target][-1]["rps"]), flush=True)
    return {"path": path, "bytes": size, "direct_to": direct, "rounds": WRK_ROUNDS, "seconds": WRK_SECONDS,
            "threads": WRK_THREADS, "connections": WRK_CONNECTIONS, "target": THROUGHPUT_TARGET,
            "cpus": os.cpu_count(),
            "wrk": (sh(wrk, "--version", check=False).splitlines() or [""])[0],
            "runs": runs, **sl.throughput_ratio(runs)}


def collection_problem(collections: Path) -> str:
    """Why hastack.web.site would not come from the collection installed in `collections`
    alone ("" when it would)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections.resolve()))
    listed = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "list", "hastack.web"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120, check=False).stdout
    homes = re.findall(r"^# (\S+)$", listed, re.M)
    if homes != [str(collections.resolve() / "ansible_collections")]:
        return ("--converge-collections: hastack.web would come from %s, not only from %s; install it there with "
                "ANSIBLE_COLLECTIONS_PATH=%s ansible-galaxy collection install -p %s <tarball>" % (
                    homes or "nowhere", collections, collections, collections))
    return ""


def converge(collections: Path | None = None) -> dict:
    """site.yml once more on the deployed lab. With `collections`, the playbook is
    hastack.web.site from the collection installed there (as after a Galaxy install),
    not the checkout's: the lab's inventory and ansible.cfg stay, the collection is that
    copy alone."""
    if collections is None:
        name, source = "site.yml", "the checkout"
    else:
        name, source = "hastack.web.site", "the collection installed in %s" % collections
    start = time.monotonic()
    rc, output = playbook.run(name, collections=collections, timeout=1800)
    seconds = round(time.monotonic() - start, 1)
    recap = re.findall(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M)
    return {"playbook": name, "from": source, "seconds": seconds, "rc": rc,
            "changed": {h: int(c) for h, _, c, _, _ in recap}, "failed": {h: int(f) for h, _, _, _, f in recap},
            "changed_tasks": sl.changed_tasks(output)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lab experiment site", description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--out", type=Path,
                        help="default: docs/results/<date>/site, or site-2, ... when a run is there already")
    parser.add_argument("--converge-collections", type=Path, metavar="PATH",
                        help="converge with hastack.web.site from the collection installed in PATH "
                             "(ansible-galaxy collection install -p PATH), not the checkout's site.yml")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(parts) - set(PARTS)) + sorted(set(modes) - set(MODES))
    if unknown:
        parser.error("unknown parts or modes: %s" % ", ".join(unknown))
    env = lab()
    servers = [s for s in args.servers.split(",") if s]
    missing = [s for s in servers if s not in env.servers]
    if missing:
        parser.error("not in the lab inventory: %s" % ", ".join(missing))
    # everything a part needs is there, or the run stops before it starts
    if args.converge_collections and "converge" in parts:
        problem = collection_problem(args.converge_collections)
        if problem:
            parser.error(problem)
    wanted = {cmd: cmd for part, cmd in (("browser", "chromium"), ("throughput", "wrk")) if part in parts}
    try:
        host_tools = host_lib.ensure_commands(wanted, "tools/lab experiment site --parts %s" % ",".join(parts), print)
    except host_lib.HostError as err:
        parser.error(str(err))
    args.out = out_or_exit(parser, args.out, "site")
    args.out.mkdir(parents=True, exist_ok=True)
    data: dict = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "argv": " ".join(sys.argv[1:] if argv is None else argv), "modes": modes, "writer_order": env.writer_order}
    timelines: dict = {}
    if "table5" in parts:
        with gl.connect(env, env.of_kind("database")[0]) as conn, conn.cursor() as cur:
            cur.execute(gl.SCHEMA)  # the writers' table
        data["table5"] = []
        for mode in modes:
            for server in servers:
                print("table5: %s %s" % (mode, server), flush=True)
                result, hits = table5_trial(env, server, mode)
                data["table5"].append(result)
                timelines["%s-%s" % (server, mode)] = hits
                print("  kept working: %s; gap %s / %s ms; failed %d / %d" % (
                    result["kept_working"], result["fault"]["longest_gap_ms"], result["recovery"]["longest_gap_ms"],
                    result["fault"]["failed"], result["recovery"]["failed"]), flush=True)
    if "distribution" in parts:
        print("distribution", flush=True)
        data["distribution"] = distribution(env)
    if "replication" in parts:
        print("replication", flush=True)
        data["replication_table"] = replication_table(env)
        data["replication"] = replication(env)
    if "browser" in parts:
        print("browser", flush=True)
        data["browser"] = browser(env, args.out, host_tools["chromium"])
    if "throughput" in parts:
        print("throughput", flush=True)
        data["throughput"] = throughput(env, host_tools["wrk"])
    if "converge" in parts:
        print("converge", flush=True)
        data["converge"] = converge(args.converge_collections)
    data["broken_promises"] = sl.broken_promises(data, sl.WORKERS)
    # every request is in the plots; the JSON keeps what the report is made of
    (args.out / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    (args.out / "report.md").write_text(site_report.render(data))
    if timelines:
        if not site_report.plot(args.out, data, timelines):
            print("no timelines: matplotlib is not installed")
    print("report: %s" % (args.out / "report.md"))
    for broken in data["broken_promises"]:
        print("BROKEN: %s" % broken)
    print("%d promises broken" % len(data["broken_promises"]) if data["broken_promises"] else "every promise kept")
    return 1 if data["broken_promises"] else 0
