"""Client and analysis for the whole-system experiment (tools/lab experiment site).

The client asks the demo application through the VIP, as a browser without a cookie
would (each request a new session, so the balancers spread them), and records which web
server answered and, when ProxySQL is there, which database nodes served the read and the
write. The analysis is pure, and unit-tested in tools/hastack_lab/tests/test_site.py.

Lab traffic rules (shared/DESIGN.md): the client only talks to the lab's VIP, from
threads whose loops end by themselves (a deadline, and a bound on their count).
"""

from __future__ import annotations

import http.client
import json
import re
import statistics
import threading
import time
from dataclasses import dataclass

from .probe import as_dicts  # noqa: F401  (the same records: sent, done, ...)
from .stats import summary


@dataclass
class Hit:
    """One request to the demo page: when it was sent and finished (monotonic s), and what answered."""

    sent: float
    done: float
    ok: bool
    status: int = 0
    server: str = ""
    read_by: str = ""
    write_by: str = ""
    database: str = ""
    error: str = ""


def database_answered(status: str) -> bool:
    """Whether the demo's database status is an answer a user can live with: the query
    went through, or the page was deployed without a database path (and says why)."""
    return status in ("", "ok", "not configured") or status.startswith("ProxySQL not installed")


def parse_demo(status: int, body: bytes) -> dict:
    """The demo page's JSON (?format=json) -> the fields a Hit keeps; a non-200, a body
    that is not the demo's JSON, or a page that says its database path failed is a
    failure."""
    if status != 200:
        return {"ok": False, "error": "HTTP %d" % status}
    try:
        answer = json.loads(body)
        database = answer.get("database") or {}
        fields = {"ok": bool(answer.get("server")), "server": answer.get("server", ""),
                  "read_by": database.get("read_by") or "", "write_by": database.get("write_by") or "",
                  "database": database.get("status", "")}
    except (ValueError, AttributeError):
        return {"ok": False, "error": "not the demo's JSON"}
    if not database_answered(fields["database"]):
        fields.update(ok=False, error="database %s" % fields["database"][:60])
    return fields


def _worker(host: str, path: str, until: float, timeout: float, pause: float, limit: int, out: list,
            cookie: str | None, stop: threading.Event | None = None, port: int = 80) -> None:
    count = 0
    stop = stop or threading.Event()
    while time.monotonic() < until and count < limit and not stop.is_set():
        count += 1
        sent = time.monotonic()
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        headers = {"Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            fields = parse_demo(response.status, response.read())
            out.append(Hit(sent, time.monotonic(), status=response.status, **fields))
        except (OSError, http.client.HTTPException) as exc:
            out.append(Hit(sent, time.monotonic(), False, error=type(exc).__name__))
        finally:
            conn.close()
        stop.wait(pause)


WORKERS = 4  # the stream's clients
PAUSE = 0.02  # each client's seconds between requests
MODES = {"kill": "docker kill (power cut)", "stop": "docker stop (clean shutdown)"}
BASELINE, WINDOW, TAIL = 3.0, 8.0, 3.0  # seconds of stream before the fault, after it, after recovery
BROWSER_LOADS = 3  # the browser part's page loads in one session


class Stream:
    """Requests to the demo page from `workers` threads, one after another each, until
    stop() or `max_seconds`; each a new TCP connection with a `timeout` s limit."""

    def __init__(self, host: str, *, workers: int = WORKERS, timeout: float = 5.0, pause: float = PAUSE,
                 max_seconds: float = 900.0, path: str = "/?format=json", port: int = 80):
        self.hits: list[Hit] = []
        self.workers = workers
        self._stop = threading.Event()
        until = time.monotonic() + max_seconds
        limit = int(max_seconds / pause) + 1
        self._threads = [threading.Thread(target=_worker, daemon=True,
                                          args=(host, path, until, timeout, pause, limit, self.hits, None,
                                                self._stop, port))
                         for _ in range(workers)]
        self._timeout = timeout

    def start(self) -> "Stream":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Hit]:
        # The event, not a new deadline: each worker was handed its deadline by value, so
        # moving it here never reached them, and they ran on for max_seconds (15 min).
        self._stop.set()  # a worker sees it before its next request, or wakes from its pause
        for thread in self._threads:
            thread.join(self._timeout + 5)
        return sorted(self.hits, key=lambda h: h.sent)


def requests(host: str, count: int, *, cookie: str | None = None, timeout: float = 5.0) -> list[Hit]:
    """`count` requests one after another (bounded), with or without a cookie."""
    out: list[Hit] = []
    _worker(host, "/?format=json", time.monotonic() + count * timeout, timeout, 0.0, count, out, cookie)
    return out


def sticky_cookie(host: str, timeout: float = 5.0) -> str:
    """The balancers' persistence cookie from one fresh request ("SRVID=web1"), or ""."""
    conn = http.client.HTTPConnection(host, 80, timeout=timeout)
    try:
        conn.request("GET", "/?format=json", headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("SRVID="):
                return value.split(";", 1)[0]
        return ""
    finally:
        conn.close()


def distribution(hits: list[Hit]) -> dict:
    """How requests spread over the web servers: count and share per server, and failures."""
    good = [h for h in hits if h.ok]
    counts: dict[str, int] = {}
    for h in good:
        counts[h.server] = counts.get(h.server, 0) + 1
    return {"requests": len(hits), "failed": len(hits) - len(good),
            "per_server": dict(sorted(counts.items())),
            "share": {s: round(c / len(good), 3) for s, c in sorted(counts.items())} if good else {}}


def window(hits: list[Hit], start: float, end: float) -> dict:
    """What clients saw for the requests sent in [start, end): failures, the longest time
    without a good answer (gaps between good answers, including the edges of the window),
    and who answered, counted per web server and per database node for reads and writes."""
    sent = [h for h in hits if start <= h.sent < end]
    good = sorted((h.done for h in sent if h.ok))
    marks = [start] + good + [max(end, good[-1]) if good else end]
    gap = max((b - a for a, b in zip(marks, marks[1:])), default=end - start)

    def count(attr):
        found: dict[str, int] = {}
        for h in sent:
            if h.ok and getattr(h, attr):
                found[getattr(h, attr)] = found.get(getattr(h, attr), 0) + 1
        return dict(sorted(found.items()))

    errors: dict[str, int] = {}
    for h in sent:
        if not h.ok:
            errors[h.error or "HTTP %d" % h.status] = errors.get(h.error or "HTTP %d" % h.status, 0) + 1
    statuses = sorted({h.database for h in sent if h.ok and h.database})
    return {"requests": len(sent), "failed": len(sent) - sum(1 for h in sent if h.ok), "errors": errors,
            "longest_gap_ms": round(gap * 1000, 1),
            "servers": count("server"), "reads": count("read_by"), "writes": count("write_by"),
            "database": statuses[0] if len(statuses) == 1 else statuses}


def kept_working(fault: dict, recovery: dict, survivors_answered: bool) -> bool:
    """The paper's yes/no: the service answered throughout (no failed request started
    after the fault, and some answer came in each phase)."""
    return survivors_answered and fault["requests"] > 0 and recovery["requests"] > 0 and \
        fault["failed"] == 0 and recovery["failed"] == 0


def trial_line(result: dict) -> str:
    """One line for a table 5 trial as it ends: did the service keep working, and at what cost."""
    return "kept working: %s; gap %s / %s ms; failed %d / %d" % (
        result["kept_working"], result["fault"]["longest_gap_ms"], result["recovery"]["longest_gap_ms"],
        result["fault"]["failed"], result["recovery"]["failed"])


def delay_summary(values_ms: list[float]) -> dict:
    """min / median / p95 / max of replication delays in ms (nearest-rank p95)."""
    return summary(values_ms, mean=False)


def changed_tasks(output: str) -> dict[str, list[str]]:
    """The tasks (and handlers) that reported a change, per host, from ansible-playbook's
    default output: what made a converge not idempotent. A loop counts once per task."""
    task = ""
    changed: dict[str, list[str]] = {}
    for line in output.splitlines():
        header = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$", line)
        if header:
            task = header.group(1)
            continue
        hit = re.match(r"^changed: \[([^\]]+)\]", line)
        if hit and task not in changed.setdefault(hit.group(1), []):
            changed[hit.group(1)].append(task)
    return dict(sorted(changed.items()))


def demo_page(text: str) -> dict:
    """What a person reads on the demo page (its visible text, as a browser renders it):
    the web server that answered, this session's request count, and the protocol the
    balancer saw. Fields the text does not show are None."""
    server = re.search(r"^Served by (\S+)", text, re.M)
    count = re.search(r"^Requests in this session\s+(\d+)", text, re.M)
    via = re.search(r"^Protocol at the balancer\s+(\S+)", text, re.M)
    return {"server": server.group(1) if server else None, "count": int(count.group(1)) if count else None,
            "via": via.group(1) if via else None}


def browser_broken(scheme: str, check: dict, web_servers: list[str]) -> list[str]:
    """The browser check of one scheme, as the user relies on it: each load answered by a
    web server of the inventory, over that scheme at the balancer, every load of the session
    on the same server, and the session's counter one higher each time."""
    name = "browser %s" % scheme
    if check.get("error"):
        return ["%s: %s" % (name, check["error"])]
    loads = check["loads"]
    broken = []
    strangers = [page["server"] for page in loads if page["server"] not in web_servers]
    if strangers:
        broken.append("%s: the page named %s as the server, not one of %s" % (name, strangers, web_servers))
    if any(page["via"] != scheme for page in loads):
        broken.append("%s: the balancer saw %s" % (name, [page["via"] for page in loads]))
    if len({page["server"] for page in loads}) > 1:
        broken.append("%s: one session went to %s (the cookie did not stick)" % (
            name, [page["server"] for page in loads]))
    counts = [page["count"] for page in loads]
    if len(loads) < 2 or None in counts or any(b != a + 1 for a, b in zip(counts, counts[1:])):
        broken.append("%s: the session's counter read %s over %d loads, not one higher each time" % (
            name, counts, len(loads)))
    return broken


def wrk_result(output: str) -> dict:
    """wrk's summary -> requests per second, requests, and the responses that were not
    2xx/3xx or failed at the socket (connect, read, write, timeout)."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if not rps or not total:
        raise ValueError("not wrk's summary: %r" % output[-300:])
    return {"rps": float(rps.group(1)), "requests": int(total.group(1)),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0}


def throughput_ratio(runs: dict[str, list[dict]]) -> dict:
    """Rounds of wrk through the VIP and directly to one web server -> the median rate of
    each and their ratio (VIP / direct)."""
    median = {target: statistics.median(r["rps"] for r in rounds) for target, rounds in runs.items()}
    ratio = median["vip"] / median["direct"] if median.get("direct") else None
    return {"median_rps": {k: round(v, 1) for k, v in median.items()},
            "ratio": round(ratio, 3) if ratio is not None else None}


def routing_problems(trial: dict, writer_order: list[str]) -> list[str]:
    """ProxySQL's split as the demo page reported it in one table-5 trial, against the
    writer order the proxysql role configured (most preferred first): before the fault and
    after the return, writes on the first writer and reads on the others; while the
    preferred writer is down, writes on the next one; while a reader is down, reads on the
    remaining readers. [] when the demo reported no database nodes (no ProxySQL)."""
    if not writer_order or not trial["before"].get("writes"):
        return []
    name = "%s %s" % (trial["server"], trial["mode"])
    writer, readers = writer_order[0], writer_order[1:]
    down = trial["server"] if trial["kind"] == "database" else None
    expected = {"before": (writer, readers), "after": (writer, readers)}
    if down == writer:
        # reads go on on the readers left; writes move to the next writer in the order
        expected["fault"] = (readers[0], readers[1:] or readers)
    else:
        expected["fault"] = (writer, [r for r in readers if r != down])
    problems = []
    # "down": the requests sent once the server was down (older runs: the fault phase)
    phases = {"before": trial["before"], "fault": trial.get("down", trial["fault"]), "after": trial.get("after")}
    for phase, seen in phases.items():
        if seen is None:
            continue
        want_writer, want_readers = expected[phase]
        writes, reads = set(seen["writes"]), set(seen["reads"])
        if writes and writes != {want_writer}:
            problems.append("%s: writes %s went to %s, not only to %s" % (
                name, "during the fault" if phase == "fault" else phase, sorted(writes), want_writer))
        if reads - set(want_readers):
            problems.append("%s: reads %s went to %s, outside the readers %s" % (
                name, "during the fault" if phase == "fault" else phase, sorted(reads - set(want_readers)),
                sorted(want_readers)))
    return problems


def broken_promises(data: dict, workers: int) -> list[str]:
    """What the run shows the cluster did not do that it promises (README, issue 8), one
    sentence each; [] when every promise held. `workers` is the stream's client count: a
    balancer's power cut may fail the requests open on it at the cut, one per client,
    since TCP connections end at the balancer; any more is a broken promise."""
    broken = []
    for t in data.get("table5", []):
        name = "%s %s" % (t["server"], t["mode"])
        fault, recovery, vip = t["fault"], t["recovery"], t["vip"]
        balancer = t["kind"] == "balancer"
        allowed = workers if balancer and t["mode"] == "kill" else 0
        if t["db"]["lost"]:
            broken.append("%s: %d acknowledged rows lost" % (name, t["db"]["lost"]))
        if fault["requests"] - fault["failed"] <= 0:
            broken.append("%s: no request answered during the fault" % name)
        if fault["failed"] > allowed:
            broken.append("%s: %d requests failed during the fault (at most %d: %s)" % (
                name, fault["failed"], allowed,
                "one per client open at the power cut" if allowed else "none may fail"))
        if recovery["failed"]:
            broken.append("%s: %d requests failed when it came back (a second outage)" % (name, recovery["failed"]))
        if len(vip["during"]) != 1 or len(vip["after"]) != 1:
            broken.append("%s: the VIP was on %s during the fault and on %s after it, not on one balancer" % (
                name, vip["during"] or "none", vip["after"] or "none"))
        elif balancer and vip["before"] != [t["server"]]:
            broken.append("%s: the VIP was on %s, not on %s, when it failed: the trial tested nothing" % (
                name, vip["before"] or "none", t["server"]))
        elif balancer and vip["during"] == vip["before"]:
            broken.append("%s: the VIP stayed on the failed balancer" % name)
        if not balancer and vip.get("transitions"):
            broken.append("%s: %d VRRP transitions while no balancer failed (false failovers): %s" % (
                name, len(vip["transitions"]), "; ".join(vip["transitions"][:3])))
        broken += routing_problems(t, data.get("writer_order", []))
    spread = data.get("distribution")
    if spread:
        without = spread["without_cookie"]
        if without["failed"] or spread["with_cookie"].get("failed"):
            broken.append("distribution: %d and %d requests failed" % (
                without["failed"], spread["with_cookie"].get("failed", 0)))
        if len(without["per_server"]) < 2:
            broken.append("distribution: without a cookie only %s answered" % (list(without["per_server"]) or "none"))
        if spread["stuck_share"] != 1.0:
            broken.append("distribution: %.1f %% of the requests with a cookie stuck to its server" % (
                100 * spread["stuck_share"]))
    table = data.get("replication_table")
    if table and not table["complete"]:
        broken.append("replication: a database created on one node was missing on another: %s" % table["seen"])
    repl = data.get("replication")
    if repl:
        short = {pair: n for pair, n in repl["visible"].items() if n != repl["rows_per_node"]}
        if short:
            broken.append("replication: of %d rows, only %s became visible" % (repl["rows_per_node"], short))
    browser = data.get("browser")
    if browser:
        for scheme in ("http", "https"):
            broken += browser_broken(scheme, browser[scheme], browser["web_servers"])
    speed = data.get("throughput")
    if speed:
        # users come through the VIP; errors from the web server asked directly are reported only
        bad = sum(r["non_2xx"] + r["socket_errors"] for r in speed["runs"]["vip"])
        if bad:
            broken.append("throughput: %d requests through the VIP failed or were not answered 2xx" % bad)
    conv = data.get("converge")
    if conv:
        changed = {h: n for h, n in conv["changed"].items() if n}
        if conv["rc"] or any(conv["failed"].values()) or not conv["changed"]:
            broken.append("converge: ansible-playbook site.yml exited %d, failed on %s" % (
                conv["rc"], [h for h, n in conv["failed"].items() if n] or "no host"))
        if changed:
            broken.append("converge: not idempotent, changed %s: %s" % (changed, conv.get("changed_tasks")))
    for node, thread in sorted((data.get("galera_threads") or {}).items()):
        wanted = "rr:%d" % thread["asked"] if thread["asked"] else "other:0"
        if thread["logged"] != wanted:
            broken.append("%s: Galera's group-communication thread runs at %s, not %s (galera_realtime_priority %d)"
                          % (node, thread["logged"], wanted, thread["asked"]))
    return broken
