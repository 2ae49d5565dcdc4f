"""The whole system under faults (the paper's table 5), load distribution and replication, on the lab.

    tools/lab experiment site [--parts table5,distribution,replication,browser,throughput,converge]
                          [--servers lb1,lb2,web1,web2,db1,db2,db3] [--modes kill,stop] [--wrk-rounds 3]
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
                VIP and directly from one web server, --wrk-rounds rounds each (5 s a
                round): requests per second and their ratio (target >= 0.9), and no
                request through the VIP may fail.
- converge:     site.yml run once more on the deployed lab: its duration and changed count.
                With --converge-collections PATH: hastack.web.site from the collection
                installed in PATH instead (make site-check installs the built tarball).

Checks the collection's promises on the data (hastack_lab.site.broken_promises) and exits 1 when
one is broken. Writes report.md, results.json, one timeline PNG per fault mode and the browser's screenshots to --out. Runs only
against the lab's containers and VIP, from this machine; every loop is bounded.
"""

from __future__ import annotations

from pathlib import Path

from .. import galera as gl
from .. import host
from .. import site as sl
from ..experiment import Frame, split_list, unknown_items
from ..labenv import lab
from ..measure import converge, galera, replication, table5, web
from ..reports import site as site_report
from ..site import MODES

PARTS = ["table5", "distribution", "replication", "browser", "throughput", "converge"]
SERVERS = ["lb1", "lb2", "web1", "web2", "db1", "db2", "db3"]


def main(argv: list[str] | None = None) -> int:
    frame = Frame("site", __doc__, "site", site_report.render, report_only=False)
    frame.add_list("--parts", PARTS, "what to measure")
    frame.add_list("--modes", MODES, "how table 5's servers fail")
    frame.add("--servers", default=",".join(SERVERS), help="the servers table 5 fails, in turn")
    frame.add("--wrk-rounds", type=int, default=web.WRK_ROUNDS, help="throughput: rounds of wrk through the VIP "
              "and directly, each")
    frame.add("--converge-collections", type=Path, metavar="PATH",
              help="converge with hastack.web.site from the collection installed in PATH "
                   "(ansible-galaxy collection install -p PATH), not the checkout's site.yml")
    args = frame.parse(argv, check=preflight)
    env, tools = args.cluster, args.tools
    data = frame.begin(modes=args.modes, writer_order=env.writer_order, galera_threads=galera.threads(env))
    timelines: dict = {}
    if "table5" in args.parts:
        gl.prepare_table(env, env.of_kind("database")[0])
        data["table5"] = []
        for mode in args.modes:
            for server in args.servers:
                print("table5: %s %s" % (mode, server), flush=True)
                result, timelines["%s-%s" % (server, mode)] = table5.trial(env, server, mode)
                data["table5"].append(result)
                print("  " + sl.trial_line(result), flush=True)
    for part, measure in (("distribution", lambda: web.distribution(env)),
                          ("replication_table", lambda: replication.replication_table(env)),
                          ("replication", lambda: replication.replication(env)),
                          ("browser", lambda: web.browser(env, args.out, tools["chromium"])),
                          ("throughput", lambda: web.throughput(env, tools["wrk"], args.wrk_rounds)),
                          ("converge", lambda: converge.converge(args.converge_collections))):
        if part.split("_")[0] in args.parts:
            print(part, flush=True)
            data[part] = measure()
    data["broken_promises"] = sl.broken_promises(data, sl.WORKERS)
    frame.save(data)
    if timelines and not site_report.plot(args.out, data, timelines):
        print("no timelines: matplotlib is not installed")
    return frame.finish(data["broken_promises"])


def preflight(args) -> str:
    """Why the run could not do what it is asked ("" when it can), before anything runs;
    the cluster and the host's commands it will need go on args."""
    if args.wrk_rounds < 1:
        return "--wrk-rounds must be 1 or more"
    args.cluster = lab()
    args.servers = split_list(args.servers)
    missing = unknown_items(args.servers, args.cluster.servers)
    if missing:
        return "--servers: not in the lab inventory: %s" % ", ".join(missing)
    if args.converge_collections and "converge" in args.parts:
        problem = converge.collection_problem(args.converge_collections)
        if problem:
            return problem
    wanted = {cmd: cmd for part, cmd in (("browser", "chromium"), ("throughput", "wrk")) if part in args.parts}
    try:
        args.tools = host.ensure_commands(wanted, "tools/lab experiment site --parts " + ",".join(args.parts), print)
    except host.HostError as err:
        return str(err)
    return ""
