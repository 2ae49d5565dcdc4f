"""The web tier as its users see it: how requests spread, a real browser, and throughput.

- distribution: requests without a cookie counted per web server, and with the balancers'
  cookie, which must all land on one server;
- browser: headless Chromium loads the demo page through the VIP over HTTP and HTTPS;
- throughput: wrk through the VIP and straight to one web server.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import site as sl
from ..browser import Browser, BrowserError
from ..cluster import Cluster
from ..labenv import static_page, wait_healthy
from ..shell import sh
from ..site import BROWSER_LOADS

WRK_ROUNDS, WRK_SECONDS, WRK_THREADS, WRK_CONNECTIONS = 3, 5, 2, 32
THROUGHPUT_TARGET = 0.9


def distribution(env: Cluster, count: int = 1000) -> dict:
    wait_healthy(env)
    spread = sl.distribution(sl.requests(env.vip, count))
    cookie = sl.sticky_cookie(env.vip)
    sticky = sl.distribution(sl.requests(env.vip, count, cookie=cookie)) if cookie else {}
    target = cookie.partition("=")[2]
    stuck = sticky.get("per_server", {}).get(target, 0)
    return {"without_cookie": spread, "cookie": cookie, "with_cookie": sticky,
            "stuck_share": round(stuck / max(1, sticky.get("requests", 0)), 4)}


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


def throughput(env: Cluster, wrk: str, rounds: int = WRK_ROUNDS) -> dict:
    """Requests per second for a static page through the VIP, and directly to one web
    server, with wrk: `rounds` rounds of each, alternating which goes first."""
    wait_healthy(env)
    direct = env.of_kind("web")[0]
    runs: dict = {"vip": [], "direct": []}
    targets = {"vip": env.vip, "direct": env.servers[direct].address}
    with static_page(env) as (path, size):
        for n in range(rounds):
            for target in (("vip", "direct") if n % 2 == 0 else ("direct", "vip")):
                output = sh(wrk, "-t%d" % WRK_THREADS, "-c%d" % WRK_CONNECTIONS, "-d%ds" % WRK_SECONDS,
                            "--timeout", "5s", "http://%s%s" % (targets[target], path), timeout=WRK_SECONDS + 60)
                runs[target].append(sl.wrk_result(output))
                print("  %s: %.0f requests/s" % (target, runs[target][-1]["rps"]), flush=True)
    return {"path": path, "bytes": size, "direct_to": direct, "rounds": rounds, "seconds": WRK_SECONDS,
            "threads": WRK_THREADS, "connections": WRK_CONNECTIONS, "target": THROUGHPUT_TARGET,
            "cpus": os.cpu_count(),
            "wrk": (sh(wrk, "--version", check=False).splitlines() or [""])[0],
            "runs": runs, **sl.throughput_ratio(runs)}
