"""The balancer-cost experiment's report, from a run's data alone."""

from __future__ import annotations

from ..cost import GOALS
from . import fmt

TARGETS = {"vip": "through the VIP", "direct": "straight to %s"}


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment cost, from its results.json."""
    lines = ["# What the balancers cost (lab)", "",
             "Run %s with `tools/lab experiment cost %s`, on %d CPUs that the client, both balancers, both "
             "web servers and the three database nodes share (load average %.1f at the end)." % (
                 data["started"], data["argv"], data["cpus"], data.get("loadavg", 0.0)), "",
             "Two clients, %g requests a second each, for %g s, %d rounds through the VIP and %d straight to a "
             "web server, alternating which went first: *new connection*, open-loop, each request on a new "
             "connection and sent on schedule whatever the others were doing (an API client without a pool; the "
             "worst case for a proxy, which then makes two TCP connections per request); *keep-alive*, four "
             "kept-alive connections sharing the same schedule, as a browser does, each request timed from when "
             "it was due. CPU: each container's cgroup around each run, less what it used idle for as long, per "
             "answered request." % (data["rate"], data["seconds"], data["rounds"], data["rounds"]), "",
             ]
    for arm, pages in data["arms"].items():
        lines += ["## HAProxy: %s" % arm, "",
                  "| page, client | target | requests | failed | p50 ms | p99 ms | max ms | CPU per request, us: "
                  "balancers | web servers | databases |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for page, result in pages.items():
            for target, title in TARGETS.items():
                lat, cpu = result["latency"][target], result["cpu_us"][target]
                lines.append("| %s `%s` | %s | %d | %d | %s | %s | %s | %s | %s | %s |" % (
                    page, result["path"], title.replace("%s", result["direct_to"]), lat["requests"], lat["failed"],
                    fmt(lat["p50_ms"]), fmt(lat["p99_ms"]), fmt(lat["max_ms"]), fmt(cpu["balancer"]),
                    fmt(cpu["web"]), fmt(cpu["database"])))
        lines += ["", "| page, client | added by the VIP, p50 | p99 | HAProxy's CPU per request / the web tier's |",
                  "|---|---|---|---|"]
        for page, result in pages.items():
            lines.append("| %s | %s | %s | %s |" % (
                page, fmt(result["added"]["p50_ms"], " ms"), fmt(result["added"]["p99_ms"], " ms"),
                "-" if result["cpu_share"] is None else "%.1f %%" % (result["cpu_share"] * 100)))
        lines += [""]
    lines += ["Goals (issue 19), checked on the first arm (%s): the VIP adds at most %s ms at p50 and %s ms at p99; HAProxy's CPU per dynamic "
              "request is at most %d %% of the web tier's. The web tier's CPU includes Apache, PHP-FPM and "
              "ProxySQL; the balancers' includes keepalived and the journal, idle subtracted." % (
                  next(iter(data["arms"])), GOALS["added_p50_ms"], GOALS["added_p99_ms"], GOALS["cpu_share"] * 100), ""]
    missed = data.get("goals_missed", [])
    lines += ["- **missed:** %s" % m for m in missed] if missed else ["Every goal met."]
    return "\n".join(lines) + "\n"
