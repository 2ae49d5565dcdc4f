"""What the balancers cost, measured so that shared CPUs do not distort it: each
container's CPU time per request (cgroups), and the latency the hop through the VIP adds
at a fixed rate below saturation. The arithmetic is hastack_lab.cost."""

from __future__ import annotations

import asyncio
import time

from .. import cost
from .. import probe as fl
from ..cluster import Cluster
from ..labenv import cpu_seconds, static_page

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


def measure(env: Cluster, files: dict, idle_rates: dict, path: str, client: str, args) -> dict:
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
    cpu = {t: cost.cpu_per_request(zero, used[t], idle_rates, seconds[t], sum(1 for a in answers[t] if a.ok), kinds)
           for t in targets}
    return {"path": path, "direct_to": direct, "latency": latency, "added": cost.added(latency["vip"], latency["direct"]),
            "cpu_us": cpu, "cpu_share": cost.share(cpu["vip"])}


def idle(files: dict, seconds: float) -> dict:
    """Each container's CPU seconds per second with no requests, over `seconds`."""
    before, start = cpu_seconds(files), time.monotonic()
    time.sleep(seconds)
    return cost.idle_rates(before, cpu_seconds(files), time.monotonic() - start)


def pages(env: Cluster, files: dict, idle_rates: dict, args) -> dict:
    """Every page and client of one arm: the static page (Apache alone), then the dynamic one."""
    result = {}
    with static_page(env) as (path, size):
        for client in CLIENTS:
            result["static, %s" % client] = dict(measure(env, files, idle_rates, path, client, args), bytes=size)
    for client in CLIENTS:
        result["dynamic, %s" % client] = measure(env, files, idle_rates, DYNAMIC, client, args)
    return result
