"""Rolling maintenance under load: playbooks/rolling_maintenance.yml over chosen nodes of the lab.

    tools/lab experiment maintenance [--nodes db1,db2,db3,web1,web2,lb1,lb2] [--action restart]
                                     [--timeout 1800] [--pause 0.02] [--write-pause 0.01]
                                     [--out docs/results/<date>/maintenance]

While the demo's stream asks the VIP (4 clients, each request a new connection and session,
reading and writing through ProxySQL) and one writer inside each web server inserts through
its local ProxySQL (each acknowledged row recorded), the playbook drains each node in turn
(--nodes in the playbook's order: databases, web servers, balancers; `holder` names the
balancer that holds the VIP when the run starts), runs --action on it (restart: its tier's
services; none: drain and return only) and brings it back. --pause and --write-pause space the
stream's requests and the writers' statements: the defaults are the full load, about 1.5 of
the lab's 2 CPUs; `make maintenance-check` (in CI) asks for a lighter one, as the scale
experiment's check does, and the report gives the rates that came. Reported: the playbook's result
and duration, each node's window and what the stream saw in it, failed requests, failed
statements (those of a writer whose own web server was being maintained apart), lost rows,
VRRP transitions. Checks the promises (hastack_lab.maintenance.broken_promises) and exits 1
when one is broken. Runs only against the lab's containers and VIP; every loop is bounded.
"""

from __future__ import annotations

from .. import maintenance as mt
from ..experiment import PROXYSQL_MISSING, Frame, load_problem, needs_proxysql, split_list, unknown_items
from ..labenv import lab, vip_holders
from ..measure import maintenance
from ..measure.load import table
from ..reports import maintenance as maintenance_report

ACTIONS = ["restart", "none"]


def main(argv: list[str] | None = None) -> int:
    frame = Frame("maintenance", __doc__, "maintenance", maintenance_report.render)
    frame.add("--nodes", default="db1,db2,db3,web1,web2,lb1,lb2", help="the nodes to maintain (holder: the VIP holder)")
    frame.add("--action", choices=ACTIONS, default="restart", help="what is done to each node while it is drained")
    frame.add("--timeout", type=float, default=1800, help="seconds the playbook may take")
    frame.add_load()
    frame.add_if_installed()
    args = frame.parse(argv, check=preflight)
    if args.report_only:
        data = frame.load()
    elif args.cluster is None:
        return frame.not_run(PROXYSQL_MISSING + "; the writers go through it")
    else:
        table(args.cluster)
        data = frame.begin(**maintenance.run(args.cluster, args.nodes, args.action, args.timeout,
                                                     args.pause, args.write_pause))
    data["broken_promises"] = mt.broken_promises(data)
    frame.save(data)
    return frame.finish(data["broken_promises"])


def preflight(args) -> str:
    """The nodes are the lab's (holder resolved now), the load's pauses are positive, and it
    has ProxySQL (with --if-installed: args.cluster None when it has not)."""
    problem = load_problem(args) or needs_proxysql(args, lab())
    if problem or args.cluster is None:
        return problem
    env = args.cluster
    holders = vip_holders(env)
    args.nodes = [(holders[0] if holders else name) if name == "holder" else name for name in split_list(args.nodes)]
    missing = unknown_items(args.nodes, env.servers)
    return "--nodes: not in the lab inventory: %s" % ", ".join(missing) if missing else ""
