"""Probe and analysis for the balancer failover experiment (tools/lab experiment failover).

The probe asks the VIP over HTTP every millisecond, each request on a new TCP connection
with a short timeout, and records every answer and the balancer that gave it. The
analysis is pure: it turns those records into the downtime a client saw.

Lab traffic rules (shared/DESIGN.md): the probe only talks to the lab's VIP, in loops
bounded in time and count that stop by themselves.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import socket
import statistics
import struct
import sys
import threading
import time
from dataclasses import asdict, dataclass


PAPER_MEAN_MS = 1787.0  # the paper's balancer failover, mean of 50 trials
PAPER_RANGE_MS = (1013.0, 2017.0)


@dataclass
class Answer:
    """One probe request: when it was sent and finished (monotonic s), and how."""

    sent: float
    done: float
    ok: bool
    status: int = 0
    balancer: str = ""
    error: str = ""


def downtime(answers: list[Answer], fault_at: float) -> dict:
    """What a client saw around a fault injected at `fault_at`.

    The downtime is the longest gap between two consecutive good answers (by completion
    time) that ends after the fault: no client got an answer during that gap. Also:
    who answered last before the gap and first after it, and the failed requests.
    """
    good = sorted((a for a in answers if a.ok), key=lambda a: a.done)
    before = [a for a in good if a.done <= fault_at]
    after = [a for a in good if a.done > fault_at]
    result = {
        "downtime_ms": None, "gap_start": None, "gap_end": None,
        "before": before[-1].balancer if before else None,
        "after": None,
        "requests": len(answers),
        "failed": sum(1 for a in answers if not a.ok),
        "failed_after_fault": sum(1 for a in answers if not a.ok and a.sent >= fault_at),
    }
    if not before or not after:
        return result  # no answer on one side: the trial says nothing
    worst = (0.0, before[-1], after[0])
    previous = before[-1]
    for answer in after:
        gap = answer.done - previous.done
        if gap > worst[0]:
            worst = (gap, previous, answer)
        previous = answer
    result.update(downtime_ms=round(worst[0] * 1000, 1), gap_start=worst[1].done - fault_at,
                  gap_end=worst[2].done - fault_at, after=worst[2].balancer)
    return result


def client_failures(answers: list[Answer], fault_at: float, fault_done: float | None = None) -> dict:
    """What an ordinary client lost to a fault injected from `fault_at` to `fault_done`.

    Failed requests fall in two groups: those in flight at the fault (sent before it was
    complete, finished after it began), which a fault may legitimately break, and those
    started after it, which a good failover never breaks: their SYN is retransmitted to
    the new master. Requests that failed before the fault are counted apart.
    """
    fault_done = fault_at if fault_done is None else fault_done
    failed = [a for a in answers if not a.ok]
    errors: dict[str, int] = {}
    for a in failed:
        errors[a.error or "HTTP %d" % a.status] = errors.get(a.error or "HTTP %d" % a.status, 0) + 1
    return {
        "requests": len(answers),
        "failed_before": sum(1 for a in failed if a.done <= fault_at),
        "failed_in_flight": sum(1 for a in failed if a.sent < fault_done and a.done > fault_at),
        "failed_after": sum(1 for a in failed if a.sent >= fault_done),
        "errors": errors,
        "slowest_ms": round(max((a.done - a.sent for a in answers), default=0.0) * 1000, 1),
    }


def sched_policies(chrt: str) -> list[str]:
    """`chrt -p PID` output, for one or more processes -> ["SCHED_RR 50", "SCHED_OTHER 0"]."""
    policies = re.findall(r"scheduling policy: (\S+)", chrt)
    priorities = re.findall(r"scheduling priority: (\d+)", chrt)
    return ["%s %s" % pair for pair in zip(policies, priorities)]


def trial_line(result: dict) -> str:
    """One line for a failover trial as it ends: who held the VIP before and after, the downtime."""
    return "%s->%s %s ms, %d failed after fault" % (
        result["before"], result["after"], result["downtime_ms"], result["failed_after_fault"])


def median_trial(runs: list[tuple[dict, list]]) -> tuple[dict, list] | None:
    """Of (result, answers) pairs, the one with the median measured downtime (the upper one
    of an even count): the trial whose timeline the report draws. None when none measured."""
    measured = sorted((r for r in runs if r[0]["downtime_ms"] is not None), key=lambda r: r[0]["downtime_ms"])
    return measured[len(measured) // 2] if measured else None


BOUND_MS = 400.0  # no trial with the collection's settings above it (advert_int 0.1: 234-361 ms measured)


def broken_promises(results: list[dict], faults: list[str], arms: list[str],
                    bound_ms: float = BOUND_MS, soaks: dict | None = None) -> list[str]:
    """What a run shows the balancers did not do that the collection promises, one sentence
    each; [] when every promise held (the short run `make failover-check`, in CI, exits 1
    otherwise). For every fault and arm asked for:

    - trials ran, and each one measured a downtime with the VIP on the other balancer after it;
    - the ordinary client lost no request started after the fault (its SYN reaches the new
      holder), whatever the arm;
    - with the tuned settings, every trial's downtime is under `bound_ms` (400 ms; the
      paper's fastest trial took 1013);
    - where both arms ran, the tuned median is below the one with keepalived's advert_int 1;
    - in a soak with the tuned settings (soaks: arm -> soak), no VRRP transition at all.
    """
    broken = []
    for fault in faults:
        medians = {}
        for arm in arms:
            name = "%s, %s" % (fault, arm)
            rows = [r for r in results if r["fault"] == fault and r["arm"] == arm]
            if not rows:
                broken.append("%s: no trial ran" % name)
                continue
            for n, r in enumerate(rows, 1):
                if r["downtime_ms"] is None:
                    broken.append("%s, trial %d: the probe saw no answer on one side of the fault" % (name, n))
                elif r["after"] == r["faulted"]:
                    broken.append("%s, trial %d: %s still answered after its fault" % (name, n, r["faulted"]))
                elif arm == "tuned" and r["downtime_ms"] >= bound_ms:
                    broken.append("%s, trial %d: %.0f ms without an answer (at most %.0f ms)" % (
                        name, n, r["downtime_ms"], bound_ms))
                lost = r.get("client", {}).get("failed_after", 0)
                if lost:
                    broken.append("%s, trial %d: the ordinary client lost %d requests started after the fault"
                                  % (name, n, lost))
            measured = [r["downtime_ms"] for r in rows if r["downtime_ms"] is not None]
            if measured:
                medians[arm] = statistics.median(measured)
        if "tuned" in medians and "default" in medians and medians["tuned"] >= medians["default"]:
            broken.append("%s: the tuned median (%.0f ms) is not below advert_int 1's (%.0f ms)" % (
                fault, medians["tuned"], medians["default"]))
    soak = (soaks or {}).get("tuned")
    if soak and soak["transitions"]:
        broken.append("soak, tuned: %d VRRP transitions in %d s with nothing failed" % (
            len(soak["transitions"]), soak["seconds"]))
    return broken


async def _one_request(host: str, port: int, path: str, timeout: float, header: str, body: bool = False) -> Answer:
    """One GET on a new connection; done when the head arrived, or with body, the whole answer."""
    sent = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout - (time.monotonic() - sent))
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        balancer = ""
        for line in lines[1:]:
            if line.lower().startswith(header.lower() + ":"):
                balancer = line.split(":", 1)[1].strip()
        if body:  # HTTP/1.0: the server closes when the answer is complete
            await asyncio.wait_for(reader.read(), timeout - (time.monotonic() - sent))
        return Answer(sent, time.monotonic(), status == 200, status, balancer)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        return Answer(sent, time.monotonic(), False, error=type(exc).__name__)
    finally:
        if writer is not None:
            sock = writer.get_extra_info("socket")
            try:
                # close with RST: 1000 connections a second must not pile up in TIME_WAIT
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass  # the server closed it already
            writer.close()


async def probe(host: str, port: int, path: str, stop: asyncio.Event, *, interval: float = 0.001,
                timeout: float = 0.1, max_seconds: float = 30.0, header: str = "X-Served-By-Balancer",
                body: bool = False) -> list[Answer]:
    """Send one request every `interval` until `stop` is set (bounded by `max_seconds`), each
    whatever the ones before it are doing (an open-loop client)."""
    tasks = []
    start = time.monotonic()
    next_at = start
    limit = int(max_seconds / interval) + 1
    while not stop.is_set() and time.monotonic() - start < max_seconds and len(tasks) < limit:
        tasks.append(asyncio.ensure_future(_one_request(host, port, path, timeout, header, body)))
        next_at += interval
        delay = next_at - time.monotonic()
        await asyncio.sleep(max(delay, 0))
    return list(await asyncio.gather(*tasks))


def _client_worker(host: str, port: int, path: str, until: float, timeout: float,
                   pause: float, header: str, out: list) -> None:
    while time.monotonic() < until:
        sent = time.monotonic()
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            response = conn.getresponse()
            response.read()
            out.append(Answer(sent, time.monotonic(), response.status == 200, response.status,
                              response.getheader(header) or ""))
        except (OSError, http.client.HTTPException) as exc:
            out.append(Answer(sent, time.monotonic(), False, error=type(exc).__name__))
        finally:
            conn.close()  # an orderly close (FIN), like any client library
        time.sleep(pause)


def ordinary_client(host: str, port: int, path: str, seconds: float, *, workers: int = 4,
                    timeout: float = 5.0, pause: float = 0.01,
                    header: str = "X-Served-By-Balancer") -> list[Answer]:
    """Clients with the kernel's standard TCP behaviour (SYN retransmits, FIN close) and a
    5 s timeout: `workers` threads, each sending one request after another, pausing
    `pause` s in between, starting requests for `seconds` s; then the last ones finish."""
    until = time.monotonic() + seconds
    answers: list[Answer] = []
    threads = [threading.Thread(target=_client_worker, daemon=True,
                                args=(host, port, path, until, timeout, pause, header, answers))
               for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 5)
    return sorted(answers, key=lambda a: a.sent)


def _paced_worker(host: str, port: int, path: str, schedule: list[float], timeout: float, out: list) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        for due in schedule:
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                out.append(Answer(due, time.monotonic(), response.status == 200, response.status))
            except (OSError, http.client.HTTPException) as exc:
                out.append(Answer(due, time.monotonic(), False, error=type(exc).__name__))
                conn.close()  # the next request opens a new connection
    finally:
        conn.close()


def paced_keepalive(host: str, port: int, path: str, rate: float, seconds: float, *, connections: int = 4,
                    timeout: float = 2.0) -> list[Answer]:
    """A browser-like client: `connections` kept-alive HTTP/1.1 connections sharing a schedule
    of `rate` requests a second for `seconds`. A request's time counts from when it was due,
    so a slow answer that delays the next one is not hidden (no coordinated omission)."""
    start = time.monotonic() + 0.05
    due = [start + n / rate for n in range(int(rate * seconds))]
    answers: list[Answer] = []
    threads = [threading.Thread(target=_paced_worker, daemon=True,
                                args=(host, port, path, due[n::connections], timeout, answers))
               for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout * len(due) / connections + 5)
    return sorted(answers, key=lambda a: a.sent)


def as_dicts(answers: list, origin: float) -> list[dict]:
    """Records with `sent` and `done` times (an Answer here, a site_lib.Hit) relative to
    `origin` (the fault), for results.json and plots."""
    out = []
    for a in answers:
        item = asdict(a)
        item["sent"] = round(a.sent - origin, 4)
        item["done"] = round(a.done - origin, 4)
        out.append(item)
    return out


def _main(argv: list[str]) -> int:
    """`python -m hastack_lab.probe client HOST PORT PATH SECONDS`: run the ordinary client in its own
    process (so it does not slow the 1 ms probe) and print its answers as JSON; times
    are CLOCK_MONOTONIC, which all processes share."""
    if len(argv) != 5 or argv[0] != "client":
        print(_main.__doc__, file=sys.stderr)
        return 2
    answers = ordinary_client(argv[1], int(argv[2]), argv[3], float(argv[4]))
    json.dump([asdict(a) for a in answers], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
