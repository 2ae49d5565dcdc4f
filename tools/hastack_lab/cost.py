"""What the balancers cost, measured so that it means something when the balancers, the web
servers, the databases and the client share a few CPUs (tools/lab experiment cost):

- CPU time per request of each tier, from each container's cgroup over a run at a fixed
  rate, less what the same container used idle for as long;
- latency added by the hop through the VIP: an open-loop client at a fixed, moderate rate
  (each request sent on schedule whatever the others are doing), through the VIP and
  straight to a web server, in alternating rounds.

The arithmetic is here, pure and unit-tested; the experiment only measures.
"""

from __future__ import annotations

from .stats import percentile

# What the collection aims for (issue 19): HAProxy's CPU per dynamic request at most 10 % of
# the web tier's; the VIP hop adds at most 0.3 ms at the median and 2 ms at p99.
GOALS = {"cpu_share": 0.10, "added_p50_ms": 0.3, "added_p99_ms": 2.0}
TIERS = ("balancer", "web", "database")


def latency(answers: list) -> dict:
    """p50, p99 and max of the answered requests' latency (ms); failed requests counted."""
    ms = [(a.done - a.sent) * 1000 for a in answers if a.ok]
    return {"requests": len(answers), "failed": sum(1 for a in answers if not a.ok),
            "p50_ms": _round(percentile(ms, 0.5)), "p99_ms": _round(percentile(ms, 0.99)),
            "max_ms": _round(max(ms, default=None))}


def added(vip: dict, direct: dict) -> dict:
    """The latency the VIP hop adds: VIP minus direct, at p50 and p99 (ms)."""
    return {key: _round(vip[key] - direct[key]) if vip.get(key) is not None and direct.get(key) is not None else None
            for key in ("p50_ms", "p99_ms")}


def cpu_per_request(before: dict, after: dict, idle_per_s: dict, seconds: float, requests: int,
                    kinds: dict) -> dict:
    """CPU microseconds per request of each tier: each server's CPU seconds between `before`
    and `after`, less its idle rate (`idle_per_s`, CPU s per s) for the run's `seconds`,
    summed by its kind (`kinds`: {server: tier}), over the `requests` answered. A tier
    that used less than idle counts 0."""
    used = dict.fromkeys(TIERS, 0.0)
    for name, kind in kinds.items():
        used[kind] += max(0.0, after[name] - before[name] - idle_per_s.get(name, 0.0) * seconds)
    return {kind: round(cpu * 1e6 / requests, 1) if requests else None for kind, cpu in used.items()}


def idle_rates(before: dict, after: dict, seconds: float) -> dict:
    """Each server's CPU seconds per second while nothing was asked of it."""
    return {name: max(0.0, after[name] - before[name]) / seconds for name in before}


def share(cpu: dict) -> float | None:
    """The balancers' CPU per request as a share of the web tier's."""
    if not cpu.get("web"):
        return None
    return round(cpu["balancer"] / cpu["web"], 3)


def goals_missed(pages: dict) -> list[str]:
    """Which of GOALS a run missed, one line each; pages: {"<page>, <client>": {latency,
    added, cpu_share}}. The CPU share is a goal for the dynamic page (the static one is
    reported); a page whose requests failed misses the goals, as its figures mean nothing."""
    missed = []
    for page, result in pages.items():
        failed = sum(result["latency"][target]["failed"] for target in ("vip", "direct"))
        if failed:
            missed.append("%s: %d requests failed" % (page, failed))
        if page.startswith("dynamic") and (result["cpu_share"] is None or result["cpu_share"] > GOALS["cpu_share"]):
            missed.append("%s: HAProxy's CPU per request is %s of the web tier's (goal <= %d %%)" % (
                page, _percent(result["cpu_share"]), GOALS["cpu_share"] * 100))
        for key, goal in (("p50_ms", GOALS["added_p50_ms"]), ("p99_ms", GOALS["added_p99_ms"])):
            value = result["added"][key]
            if value is None or value > goal:
                missed.append("%s: the VIP adds %s ms at %s (goal <= %s ms)" % (page, value, key[:3], goal))
    return missed


def _round(value):
    return None if value is None else round(value, 2)


def _percent(value):
    return "-" if value is None else "%.1f %%" % (value * 100)
