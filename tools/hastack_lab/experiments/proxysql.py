"""ProxySQL on the lab: the writer's failover, and the faults only ProxySQL brings.

    tools/lab experiment proxysql [--parts writer,kill,isolate,lag] [--trials 20] [--kill-trials 5]
                              [--arms tuned,defaults,retry] [--out docs/results/<date>/proxysql]
                              [--report-only --out DIR]

- writer:  db3, the preferred writer, loses power (docker kill) while both web servers
           write through their own ProxySQL (autocommit INSERTs on 127.0.0.1:6033, each row
           stamped with the node that executed it). Per trial: the time from the cut to the
           first write acknowledged on db2 from each web server, the writes the application
           saw fail, and acknowledged writes missing afterwards; beside them, a client writing
           to db2 directly measures Galera's own stall. The arms alternate trial by trial:
           the proxysql role's settings (tuned), ProxySQL's own monitor defaults (defaults),
           and the role's with writes retryable after an auto-increment insert (retry), set
           at runtime on both instances; the saved configuration is loaded again at the end.
- kill:    ProxySQL on web1 gets SIGKILL (systemd starts it again) under the demo page's
           stream through the VIP: the requests that failed, and when ProxySQL was back.
- isolate: web1 loses its route to db3 alone (a blackhole route inside web1) for 8 s
           while both web servers write: where each ProxySQL sent its writes, before, during
           and after, and whether an acknowledged write was lost.
- lag:     db1, a reader, falls behind: desynced, with its applier held by a read lock
           while the writes go on. When and whether ProxySQL takes it out of the readers and
           brings it back once it has caught up.

Writes report.md and results.json to --out. Exits 1 when a promise is broken. Runs only
against the lab's containers, from this machine; every loop is bounded.
"""

from __future__ import annotations

import signal
import sys

from .. import galera as gl
from .. import proxysql as pl
from ..experiment import PROXYSQL_MISSING, Frame, needs_proxysql
from ..labenv import lab
from ..measure import proxysql
from ..reports import proxysql as proxysql_report
from ..shell import sh

PARTS = ["writer", "kill", "isolate", "lag"]


def main(argv: list[str] | None = None) -> int:
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so every trial's finally runs:
    # a killed server is started again, a blackhole route removed, the settings reloaded
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    frame = Frame("proxysql", __doc__, "proxysql", proxysql_report.render)
    frame.add_list("--parts", PARTS, "what to measure")
    frame.add("--trials", type=int, default=20, help="writer power cuts per arm")
    frame.add_list("--arms", proxysql.ARMS, "ProxySQL settings for the writer's power cut, trial by trial")
    frame.add("--kill-trials", type=int, default=5, help="ProxySQL kills on web1")
    frame.add_if_installed()
    args = frame.parse(argv, check=preflight)
    if args.report_only:
        data = frame.load()
        if "writer" in data:  # summaries as the current analysis makes them
            data["writer"]["summary"] = {arm: pl.arm_summary(trials) for arm, trials in data["writer"]["trials"].items()}
    elif args.cluster is None:
        return frame.not_run(PROXYSQL_MISSING)
    else:
        env = args.cluster
        web = env.of_kind("web")[0]
        data = frame.begin(writer_order=env.writer_order,
                           version=sh("docker", "exec", env.container(web), "proxysql", "--version").strip())
        proxysql.db_sql(env, env.writer_order[0], "USE hastack; %s; %s" % (pl.SCHEMA, gl.SCHEMA))
        for part, measure in (("writer", lambda: proxysql.writer(env, args.trials, args.arms)),
                              ("kill", lambda: proxysql.kill(env, args.kill_trials)),
                              ("isolate", lambda: proxysql.isolate(env)), ("lag", lambda: proxysql.lag(env))):
            if part in args.parts:
                print(part, flush=True)
                data[part] = measure()
    data["broken_promises"] = pl.run_promises(data)
    frame.save(data)
    return frame.finish(data["broken_promises"])


def preflight(args) -> str:
    """The lab has ProxySQL, or the run says why not (with --if-installed: args.cluster None)."""
    return needs_proxysql(args, lab())
