"""Growing and shrinking the cluster under load, as a user does it on their own inventory.

    tools/lab experiment scale [--add db4,db5,web3] [--timeout 1800] [--if-installed]
                               [--pause 0.02] [--write-pause 0.01]
                               [--out docs/results/<date>/scale]

While the demo's stream asks the VIP and one writer inside each web server inserts through its
local ProxySQL (as the maintenance experiment), the lab grows from a copy of its inventory with
the hosts of --add (their addresses follow the paper's numbering: dbN .20+N, webN .15+N and
public .155-N; a balancer lbN, which has no room above lb2, .16-N and public .232+2N): `tools/lab up --inventory COPY` creates the containers, `site.yml -i COPY`
brings them in, the load runs on the grown cluster for a while, `retire.yml -i COPY --limit
<added> -e retire_confirm=true` takes them out for good, and `site.yml` on the lab's own
inventory forgets them. The containers are removed at the end. --pause and --write-pause space
the stream's requests and the writers' statements: the defaults are the full load, which takes
about 1.5 of the lab's 2 CPUs and leaves the playbooks a third of the machine; `make scale-check`
(in CI) asks for a lighter one (the Makefile's CHECK_LOAD: --pause 0.2 --write-pause 0.1, about
19 requests and 19 writes a second, 0.35 CPUs), so its converges run near their idle speed. The
report gives both rates. Reported per phase: its result
and duration and what the stream saw; the Galera cluster's size before, grown and after; who
answered while the hosts were in; failed requests and statements, lost rows, VRRP transitions,
the VIP's holder before and after, each added balancer's services (it must stand by, not take the
VIP), where a removed host is still configured, and the requests a false failover cost (at most
one per client, and only while nobody touched keepalived: hastack_lab.scale.false_failover_losses). Exits 1 when a promise is broken
(hastack_lab.scale.broken_promises). Runs only against the lab's containers and VIP.
"""

from __future__ import annotations

import yaml

from .. import scale
from ..cluster import LAB_INVENTORY
from ..experiment import PROXYSQL_MISSING, Frame, load_problem, needs_proxysql, split_list
from ..labenv import lab
from ..measure import scale as measure
from ..measure.load import table
from ..reports import scale as scale_report


def main(argv: list[str] | None = None) -> int:
    frame = Frame("scale", __doc__, "scale", scale_report.render)
    frame.add("--add", default="db4,db5,web3", help="the hosts to add, then remove (dbN, webN, lbN)")
    frame.add("--timeout", type=float, default=1800, help="seconds each playbook may take")
    frame.add_load()
    frame.add_if_installed()
    args = frame.parse(argv, check=preflight)
    if args.report_only:
        data = frame.load()
    elif args.cluster is None:
        return frame.not_run(PROXYSQL_MISSING + "; the writers go through it")
    else:
        table(args.cluster)
        data = frame.begin(**measure.run(args.cluster, args.add, args.timeout, args.pause, args.write_pause))
    data["broken_promises"] = scale.broken_promises(data)
    frame.save(data)
    return frame.finish(data["broken_promises"])


def preflight(args) -> str:
    """The hosts can be added to the lab (a database count site.yml accepts), and it has ProxySQL
    (with --if-installed: args.cluster None when it has not), and the load's pauses are positive."""
    problem = load_problem(args) or needs_proxysql(args, lab())
    if problem or args.cluster is None:
        return problem
    args.add = split_list(args.add)
    doc = yaml.safe_load((LAB_INVENTORY / "hosts.yml").read_text())
    try:
        hosts = scale.added_hosts(doc, args.add, "")
    except scale.ScaleError as exc:
        return str(exc)
    return scale.odd_databases_problem(doc, hosts)
