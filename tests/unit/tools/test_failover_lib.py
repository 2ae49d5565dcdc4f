"""The failover analysis: downtime is the longest answer-less gap that ends after the fault."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
from failover_lib import Answer, downtime, summary  # noqa: E402


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


def test_summary():
    values = [float(v) for v in range(1, 101)]
    s = summary(values)
    assert (s["n"], s["min"], s["median"], s["p95"], s["max"], s["mean"]) == (100, 1.0, 50.5, 95.0, 100.0, 50.5)
    assert summary([70.0]) == {"n": 1, "min": 70.0, "median": 70.0, "p95": 70.0, "max": 70.0, "mean": 70.0}
    assert summary([]) == {"n": 0}
