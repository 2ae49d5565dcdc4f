"""What the balancers cost: CPU time per request of each tier, and the latency the hop through
the VIP adds, at a fixed, moderate rate (issue 19; the arithmetic is hastack_lab.cost).

    tools/lab experiment cost [--rate 100] [--seconds 10] [--rounds 3] [--arms site,...] [--out DIR]

For a static page (Apache alone) and the demo's dynamic page (PHP, ProxySQL, Galera), and
two clients on this machine: an open-loop one that sends --rate requests a second, each on
a new connection and on schedule whatever the others are doing, and a browser-like one with
four kept-alive connections sharing the same schedule. Each runs for --seconds, through
the VIP and straight to web1, --rounds times each, alternating which goes first. Each container's CPU
time is read from its cgroup around every run, less what it used idle for as long (measured
first). Each arm is one HAProxy configuration, all in the same run: the site's, then the same
with a log line per request; the first arm is the one the goals are checked on. wrk's requests-per-second ratio, which the site experiment reports, cannot mean
much here: wrk, HAProxy and Apache share the machine's CPUs, so the hop's cost in CPU comes
out of the web servers' share. CPU per request and latency at a rate well below saturation
do not depend on that. Traffic goes to the lab's VIP and web1 only; every loop is bounded.
"""

from __future__ import annotations

import os

from .. import cost, playbook
from ..experiment import Frame
from ..labenv import cpu_files, lab, wait_healthy
from ..measure import cost as measure
from ..reports import cost as cost_report


def main(argv: list[str] | None = None) -> int:
    frame = Frame("cost", __doc__, "balancer-cost", cost_report.render)
    frame.add("--rate", type=float, default=100.0, help="requests a second (default 100)")
    frame.add("--seconds", type=float, default=10.0, help="length of each run (default 10)")
    frame.add("--rounds", type=int, default=3, help="runs per target and page (default 3)")
    frame.add_list("--arms", measure.ARMS, "HAProxy configurations, the first the one the goals are checked on")
    args = frame.parse(argv, check=bounds)
    if args.report_only:
        data = frame.load()
    else:
        env = lab()
        files = cpu_files(env)
        wait_healthy(env)
        data = frame.begin(rate=args.rate, seconds=args.seconds, rounds=args.rounds, cpus=os.cpu_count(), arms={})
        print("idle: %.0f s with no requests" % args.seconds, flush=True)
        data["idle_cpu_per_s"] = measure.idle(files, args.seconds)
        try:
            for arm in args.arms:
                print("arm: %s" % arm, flush=True)
                if measure.ARMS[arm] is not None:
                    playbook.apply("haproxy", "balancers", "haproxy", measure.ARMS[arm], timeout=600)
                    wait_healthy(env)
                data["arms"][arm] = measure.pages(env, files, data["idle_cpu_per_s"], args)
        finally:
            if any(measure.ARMS[arm] for arm in args.arms):
                print("restoring the site's HAProxy configuration", flush=True)
                playbook.apply("haproxy", "balancers", "haproxy", None, timeout=600)
        data["goals_missed"] = cost.goals_missed(data["arms"][args.arms[0]])
        data["loadavg"] = os.getloadavg()[0]
    frame.save(data)
    return frame.finish(None, missed=data["goals_missed"])


def bounds(args) -> str:
    """A run that stays moderate and ends: "" when the options are within bounds."""
    if args.arms and 1 <= args.rate <= 1000 and 1 <= args.seconds <= 120 and 1 <= args.rounds <= 20:
        return ""
    return "--arms needs one at least; --rate must be 1-1000, --seconds 1-120 and --rounds 1-20"
