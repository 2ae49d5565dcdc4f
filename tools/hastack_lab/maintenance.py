"""Rolling maintenance under load, analysed (tools/lab experiment maintenance).

playbooks/rolling_maintenance.yml runs over some nodes while the demo's stream goes
through the VIP and one writer per web server inserts through its local ProxySQL. From the
playbook's output (profile_tasks stamps every task) each node's maintenance window; from the
stream and the writers, what users and the application saw. Pure, and unit-tested in
tools/hastack_lab/tests/test_maintenance.py.
"""

from __future__ import annotations

import re
from datetime import datetime

# profile_tasks' line after each task header: "Sunday 06 December 2026  22:39:07 +0000 (0:00:00.017) ..."
STAMP = re.compile(r"^\w+ (\d{1,2} \w+ \d{4})\s+(\d{2}:\d{2}:\d{2}) ([+-]\d{4}) \(")
# a task's line for a host: "ok: [web1]", "changed: [db1 -> web1(hastack-web1)] => (item=web1)",
# "FAILED - RETRYING: [db1]: ...", "fatal: [db3]: ...", "included: ... for web1, web2"
HOST_LINE = re.compile(r"^(?:ok|changed|skipping|fatal|failed|FAILED - RETRYING): \[([^\] >]+)")
INCLUDED = re.compile(r"^included: .* for (.+?)(?: => .*)?$")
# A balancer handover may fail the requests in flight through the old holder when the VIP
# moves (their TCP connections end there): at most one per stream client.
HANDOVER_ALLOWANCE = 4


def _stamp(match: re.Match) -> float:
    return datetime.strptime(" ".join(match.groups()), "%d %B %Y %H:%M:%S %z").timestamp()


def host_windows(output: str) -> dict[str, list[float]]:
    """{host: [start, end]} in the wall clock: from the start of the first task that ran for
    the host to the start of the task after its last one (s; profile_tasks has whole seconds)."""
    tasks: list[tuple[float, set]] = []
    for line in output.splitlines():
        stamp = STAMP.match(line)
        if stamp:
            tasks.append((_stamp(stamp), set()))
            continue
        if not tasks:
            continue
        host = HOST_LINE.match(line)
        included = INCLUDED.match(line)
        if host:
            tasks[-1][1].add(host.group(1))
        elif included:
            tasks[-1][1].update(h.strip() for h in included.group(1).split(","))
    windows: dict[str, list[float]] = {}
    for index, (start, hosts) in enumerate(tasks):
        end = tasks[index + 1][0] if index + 1 < len(tasks) else start
        for host in hosts:
            window = windows.setdefault(host, [start, end])
            window[1] = max(window[1], end + 1.0)  # the stamp's whole second
    return dict(sorted(windows.items(), key=lambda item: item[1][0]))


def excused(write: dict, web: str, windows: dict[str, list[float]], margin: float = 1.0) -> bool:
    """A failed write of the writer inside `web` while `web` itself was being maintained
    (drained, its services restarted): no user request reached that web server then."""
    window = windows.get(web)
    return bool(window) and window[0] - margin <= write["sent"] <= window[1] + margin


def writes_summary(writes: dict[str, list[dict]], stored: set, windows: dict[str, list[float]]) -> dict:
    """The writers' statements: acknowledged, failed (those excused apart), and acknowledged
    rows missing from the database (stored: {(web, n)})."""
    failed = [(web, w) for web, rows in writes.items() for w in rows if not w["ok"]]
    unexcused = [(web, w) for web, w in failed if not excused(w, web, windows)]
    errors: dict[str, int] = {}
    for _web, w in unexcused:
        errors[w["error"][:100]] = errors.get(w["error"][:100], 0) + 1
    acked = [(web, w["n"]) for web, rows in writes.items() for w in rows if w["ok"]]
    return {"statements": sum(len(rows) for rows in writes.values()), "acknowledged": len(acked),
            "failed": len(unexcused), "failed_on_own_web_server": len(failed) - len(unexcused),
            "errors": errors, "lost": sum(1 for key in acked if key not in stored),
            # when they failed (wall clock), to find the step that failed them
            "failures": [[web, round(w["sent"], 3), w["error"][:100]] for web, w in unexcused[:20]]}


def broken_promises(data: dict) -> list[str]:
    """What the maintenance run broke of the collection's promises (docs/operations.md):
    the playbook succeeded, no request failed (a balancer's handover: at most one in flight
    per client), no write failed outside its own web server's maintenance, none was lost,
    and no VRRP transition happened unless a balancer was maintained."""
    broken = []
    if data["playbook"]["rc"] != 0:
        broken.append("rolling_maintenance.yml exited %d: %s" % (data["playbook"]["rc"], data["playbook"]["failure"]))
    balancers = [n for n in data["nodes"] if n in data["balancers"]]
    allowed = HANDOVER_ALLOWANCE if balancers else 0
    stream = data["stream"]
    if stream["failed"] > allowed:
        broken.append("%d of %d requests through the VIP failed (at most %d: %s)" % (
            stream["failed"], stream["requests"], allowed,
            "one per client in flight at the VIP's handover" if allowed else "none may fail"))
    if stream["requests"] - stream["failed"] <= 0:
        broken.append("no request through the VIP was answered")
    writes = data["writes"]
    if writes["failed"]:
        broken.append("%d statements through ProxySQL failed outside their own web server's maintenance: %s" % (
            writes["failed"], writes["errors"]))
    if writes["lost"]:
        broken.append("%d acknowledged rows lost" % writes["lost"])
    missing = [n for n in data["nodes"] if n not in data["windows"]]
    if missing and data["playbook"]["rc"] == 0:
        broken.append("the playbook did nothing on %s" % ", ".join(missing))
    if data["transitions"] and not balancers:
        broken.append("%d VRRP transitions while no balancer was maintained: %s" % (
            len(data["transitions"]), "; ".join(data["transitions"][:3])))
    return broken


def failure_line(output: str) -> str:
    """The first fatal task of a failed playbook, for the report: 'TASK ...: message'."""
    task = ""
    for line in output.splitlines():
        header = re.match(r"^TASK \[(.*)\] \**$", line)
        if header:
            task = header.group(1)
        if line.startswith("fatal:") or line.startswith("failed:"):
            message = re.search(r'"msg": "([^"]*)', line)
            return "%s: %s" % (task, message.group(1) if message else line[:300])
    return ""
