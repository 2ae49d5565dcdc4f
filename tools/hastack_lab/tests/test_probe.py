"""The failover analysis: downtime is the longest answer-less gap that ends after the fault."""

import http.server
import socket
import threading

import pytest

from hastack_lab import probe as fl
from hastack_lab.probe import Answer, broken_promises, client_failures, downtime, ordinary_client


def answers(spec):
    """spec: list of (done_ms, ok, balancer); sent 1 ms before done."""
    return [Answer(sent=(d - 1) / 1000, done=d / 1000, ok=ok, status=200 if ok else 0, balancer=b)
            for d, ok, b in spec]


def test_the_gap_across_the_fault_is_the_downtime():
    spec = [(t, True, "lb1") for t in range(0, 500, 1)]                 # steady before
    spec += [(t, False, "") for t in range(500, 560, 1)]                 # timeouts
    spec += [(t, True, "lb2") for t in range(561, 900, 1)]               # lb2 answers
    result = downtime(answers(spec), fault_at=0.5)
    assert result["downtime_ms"] == pytest.approx(62.0)
    assert (result["before"], result["after"]) == ("lb1", "lb2")
    assert result["failed"] == 60
    assert result["failed_after_fault"] == 59


def test_a_later_longer_gap_counts_not_the_first_one():
    spec = [(0, True, "lb1"), (100, True, "lb1"), (130, True, "lb2"), (400, True, "lb2"), (401, True, "lb2")]
    result = downtime(answers(spec), fault_at=0.1)
    assert result["downtime_ms"] == pytest.approx(270.0)


def test_gaps_before_the_fault_do_not_count():
    spec = [(0, True, "lb1"), (300, True, "lb1"), (301, True, "lb1"), (302, True, "lb2")]
    assert downtime(answers(spec), fault_at=0.3005)["downtime_ms"] == pytest.approx(1.0)


@pytest.mark.parametrize("spec", [
    [(t, True, "lb1") for t in range(0, 100)],                          # nothing after the fault
    [(t, True, "lb2") for t in range(200, 300)],                        # nothing before it
    [],
])
def test_a_trial_without_answers_on_both_sides_has_no_downtime(spec):
    assert downtime(answers(spec), fault_at=0.15)["downtime_ms"] is None


def request(sent_ms, done_ms, ok):
    return Answer(sent=sent_ms / 1000, done=done_ms / 1000, ok=ok)


@pytest.mark.parametrize("spec, expected", [
    # (sent, done, ok) ..., fault at 1000 ms -> (before, in flight, after)
    ([(0, 5, True), (990, 1003, True), (1010, 2015, True)], (0, 0, 0)),
    ([(990, 1200, False)], (0, 1, 0)),                        # broken while in flight
    ([(1000, 1001, False), (1500, 1600, False)], (0, 0, 2)),  # started at or after the fault
    ([(100, 200, False), (900, 999, False)], (2, 0, 0)),      # failed before: not the fault's
    ([(990, 6000, False), (1001, 6001, False), (1200, 1300, True)], (0, 1, 1)),
])
def test_client_failures_are_grouped_by_when_the_request_started(spec, expected):
    result = client_failures([request(*r) for r in spec], fault_at=1.0)
    assert (result["failed_before"], result["failed_in_flight"], result["failed_after"]) == expected
    assert result["requests"] == len(spec)


def test_requests_sent_while_the_fault_is_being_injected_are_in_flight():
    # the kill command ran from 1000 to 1040 ms: a request sent at 1020 ms met it half-way
    spec = [request(1020, 1030, False), request(1041, 1042, False), request(1050, 1060, True)]
    spec[0].error, spec[1].error = "ConnectionResetError", "ConnectionRefusedError"
    result = client_failures(spec, fault_at=1.0, fault_done=1.04)
    assert (result["failed_in_flight"], result["failed_after"]) == (1, 1)
    assert result["errors"] == {"ConnectionResetError": 1, "ConnectionRefusedError": 1}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.send_header("X-Served-By-Balancer", "loopback")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_ordinary_client_records_answers_and_refusals_on_loopback():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answered = ordinary_client("127.0.0.1", port, "/", 0.2, workers=2, timeout=1.0)
    finally:
        server.shutdown()
        server.server_close()
    assert len(answered) >= 4
    assert all(a.ok and a.balancer == "loopback" for a in answered)
    # nothing listens any more: each request is refused at once, and counted as failed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    refused = ordinary_client("127.0.0.1", closed_port, "/", 0.1, workers=1, timeout=1.0)
    assert refused and not any(a.ok for a in refused)
    assert {a.error for a in refused} == {"ConnectionRefusedError"}


def trial_row(arm, ms, after="lb2", lost=0, fault="hard-kill"):
    """One trial as results.json keeps it: lb1 held the VIP and was faulted."""
    return {"fault": fault, "arm": arm, "faulted": "lb1", "before": "lb1", "after": after if ms is not None else None,
            "downtime_ms": ms, "client": {"failed_after": lost, "failed_in_flight": 2}}


GOOD = [trial_row("tuned", ms) for ms in (80, 95, 120)] + [trial_row("default", ms) for ms in (2700, 2900, 3300)]


@pytest.mark.parametrize("rows, arms, expected", [
    pytest.param(GOOD, ["tuned", "default"], [], id="both arms as measured: every promise kept"),
    pytest.param(GOOD[:3], ["tuned"], [], id="the tuned arm alone"),
    pytest.param(GOOD[:3], ["tuned", "default"], ["hard-kill, default: no trial ran"], id="an arm that did not run"),
    pytest.param(GOOD[:2] + [trial_row("tuned", 400)] + GOOD[3:], ["tuned", "default"],
                 ["hard-kill, tuned, trial 3: 400 ms without an answer (at most 400 ms)"],
                 id="a tuned trial at the bound"),
    pytest.param(GOOD[:2] + [trial_row("tuned", 399)] + GOOD[3:], ["tuned", "default"], [],
                 id="a tuned trial just under the bound"),
    pytest.param([trial_row("default", 1500)], ["default"], [], id="the bound is for the tuned settings only"),
    pytest.param([trial_row("tuned", None)] + GOOD[1:3], ["tuned"],
                 ["hard-kill, tuned, trial 1: the probe saw no answer on one side of the fault"],
                 id="a trial that measured nothing"),
    pytest.param([trial_row("tuned", 90, after="lb1")], ["tuned"],
                 ["hard-kill, tuned, trial 1: lb1 still answered after its fault"], id="the VIP did not move"),
    pytest.param([trial_row("tuned", 90), trial_row("default", 3000, lost=1)], ["tuned", "default"],
                 ["hard-kill, default, trial 1: the ordinary client lost 1 requests started after the fault"],
                 id="a request started after the fault failed, in either arm"),
    pytest.param([trial_row("tuned", 300), trial_row("default", 250)], ["tuned", "default"],
                 ["hard-kill: the tuned median (300 ms) is not below advert_int 1's (250 ms)"],
                 id="the tuning must beat keepalived's default"),
    pytest.param(GOOD + [trial_row("tuned", 200, fault="network-cut")], ["tuned"], [],
                 id="faults not asked for are not judged"),
])
def test_broken_promises(rows, arms, expected):
    assert broken_promises(rows, ["hard-kill"], arms) == expected


def soak(transitions=()):
    return {"seconds": 600, "transitions": list(transitions)}


@pytest.mark.parametrize("soaks, expected", [
    ({"tuned": soak()}, []),
    ({"tuned": soak(["lb2: 2026-12-06T17:00:01 is now MASTER"])},
     ["soak, tuned: 1 VRRP transitions in 600 s with nothing failed"]),
    ({"normal-priority": soak(["lb2: is now MASTER"] * 3)}, []),
    (None, []),
])
def test_a_soak_with_the_tuned_settings_must_not_move_the_vip(soaks, expected):
    """Only the collection's own settings make the promise; the other arms are evidence."""
    assert broken_promises(GOOD[:3], ["hard-kill"], ["tuned"], soaks=soaks) == expected


def test_broken_promises_judges_each_fault_asked_for():
    assert broken_promises(GOOD, ["hard-kill", "graceful-stop"], ["tuned"]) == ["graceful-stop, tuned: no trial ran"]


def test_median_trial_is_the_one_whose_timeline_the_report_draws():
    runs = [({"downtime_ms": d}, [d]) for d in (300.0, None, 100.0, 200.0)]
    assert fl.median_trial(runs) == ({"downtime_ms": 200.0}, [200.0])
    assert fl.median_trial([({"downtime_ms": None}, [])]) is None
    assert fl.median_trial([]) is None


def test_trial_line():
    assert fl.trial_line({"before": "lb1", "after": "lb2", "downtime_ms": 212.5, "failed_after_fault": 0}) == \
        "lb1->lb2 212.5 ms, 0 failed after fault"


def test_sched_policies_reads_chrt_for_each_process():
    chrt = ("pid 792's current scheduling policy: SCHED_OTHER\npid 792's current scheduling priority: 0\n"
            "pid 793's current scheduling policy: SCHED_RR\npid 793's current scheduling priority: 50\n")
    assert fl.sched_policies(chrt) == ["SCHED_OTHER 0", "SCHED_RR 50"]
    assert fl.sched_policies("chrt: failed to get pid 5's policy: No such process") == []
