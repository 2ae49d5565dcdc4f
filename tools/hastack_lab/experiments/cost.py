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

import argparse
import asyncio
import datetime
import json
import os
import sys
import time
from pathlib import Path

from .. import cost, playbook
from .. import probe as fl
from ..labenv import cpu_files, cpu_seconds, lab, static_page, wait_healthy
from ..reports import cost as cost_report
from ..results import out_or_exit

DYNAMIC = "/?format=json"  # the demo page: a read and a write through ProxySQL on every request
# the balancers as the inventory configures them, and beside them the same with a log line per
# request (HAProxy's usual httplog), applied with the haproxy role and restored afterwards
ARMS = {"site": None, "every request logged": {"haproxy_log_normal_requests": True}}


async def _open_loop(host: str, path: str, rate: float, seconds: float) -> list:
    return await fl.probe(host, 80, path, asyncio.Event(), interval=1.0 / rate, timeout=2.0,
                          max_seconds=seconds, body=True)


# how the client talks: a new connection per request (an API client without a pool, the
# worst case for a proxy: two TCP connections per request), or browser-like kept-alive ones
CLIENTS = {
    "new connection": lambda host, path, rate, seconds: asyncio.run(_open_loop(host, path, rate, seconds)),
    "keep-alive": lambda host, path, rate, seconds: fl.paced_keepalive(host, 80, path, rate, seconds),
}


def measure(env, files: dict, idle: dict, path: str, client: str, args: argparse.Namespace) -> dict:
    """One page and client: --rounds runs through the VIP and straight to web1, alternating."""
    direct = env.of_kind("web")[0]
    targets = {"vip": env.vip, "direct": env.servers[direct].address}
    kinds = {name: server.kind for name, server in env.servers.items()}
    answers: dict = {"vip": [], "direct": []}
    used = {t: dict.fromkeys(env.servers, 0.0) for t in targets}
    seconds = dict.fromkeys(targets, 0.0)
    for n in range(args.rounds):
        for target in (("vip", "direct") if n % 2 == 0 else ("direct", "vip")):
            before, start = cpu_seconds(files), time.monotonic()
            got = CLIENTS[client](targets[target], path, args.rate, args.seconds)
            seconds[target] += time.monotonic() - start
            after = cpu_seconds(files)
            for name in used[target]:
                used[target][name] += after[name] - before[name]
            answers[target] += got
            print("  %s, %s, %s, round %d: %d requests, %d failed" % (
                path, client, target, n + 1, len(got), sum(1 for a in got if not a.ok)), flush=True)
    zero = dict.fromkeys(env.servers, 0.0)
    latency = {t: cost.latency(answers[t]) for t in targets}
    cpu = {t: cost.cpu_per_request(zero, used[t], idle, seconds[t], sum(1 for a in answers[t] if a.ok), kinds)
           for t in targets}
    return {"path": path, "direct_to": direct, "latency": latency, "added": cost.added(latency["vip"], latency["direct"]),
            "cpu_us": cpu, "cpu_share": cost.share(cpu["vip"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lab experiment cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second (default 100)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per target and page (default 3)")
    parser.add_argument("--out", type=Path, help="default: docs/results/<date>/balancer-cost, or -2, ...")
    parser.add_argument("--report-only", action="store_true", help="rewrite report.md from results.json")
    parser.add_argument("--arms", default=",".join(ARMS),
                        help="HAProxy configurations, the first the one the goals are checked on: %s" % ", ".join(ARMS))
    args = parser.parse_args(argv)
    args.arms = [a for a in args.arms.split(",") if a]
    if not args.arms or set(args.arms) - set(ARMS):
        parser.error("--arms: one or more of %s" % ", ".join(ARMS))
    if not (1 <= args.rate <= 1000 and 1 <= args.seconds <= 120 and 1 <= args.rounds <= 20):
        parser.error("--rate must be 1-1000, --seconds 1-120 and --rounds 1-20")
    out = out_or_exit(parser, args.out, "balancer-cost", report_only=args.report_only)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        data = json.loads((out / "results.json").read_text())
    else:
        env = lab()
        files = cpu_files(env)
        wait_healthy(env)
        data = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "argv": " ".join(sys.argv[1:] if argv is None else argv), "rate": args.rate,
                "seconds": args.seconds, "rounds": args.rounds, "cpus": os.cpu_count(), "arms": {}}
        print("idle: %.0f s with no requests" % args.seconds, flush=True)
        before, start = cpu_seconds(files), time.monotonic()
        time.sleep(args.seconds)
        data["idle_cpu_per_s"] = cost.idle_rates(before, cpu_seconds(files), time.monotonic() - start)
        idle = data["idle_cpu_per_s"]
        try:
            for arm in args.arms:
                print("arm: %s" % arm, flush=True)
                if ARMS[arm] is not None:
                    playbook.apply("haproxy", "balancers", "haproxy", ARMS[arm], timeout=600)
                    wait_healthy(env)
                pages = data["arms"][arm] = {}
                with static_page(env) as (path, size):
                    for client in CLIENTS:
                        pages["static, %s" % client] = dict(measure(env, files, idle, path, client, args), bytes=size)
                for client in CLIENTS:
                    pages["dynamic, %s" % client] = measure(env, files, idle, DYNAMIC, client, args)
        finally:
            if any(ARMS[arm] for arm in args.arms):
                print("restoring the site's HAProxy configuration", flush=True)
                playbook.apply("haproxy", "balancers", "haproxy", None, timeout=600)
        data["goals_missed"] = cost.goals_missed(data["arms"][args.arms[0]])
        data["loadavg"] = os.getloadavg()[0]
        (out / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    (out / "report.md").write_text(cost_report.render(data))
    print("report: %s" % (out / "report.md"))
    for line in data["goals_missed"]:
        print("goal missed: %s" % line)
    return 0
