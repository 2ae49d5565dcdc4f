"""One definition of the statistics every report gives."""

import pytest

from hastack_lab.stats import percentile, summary


@pytest.mark.parametrize("values, fraction, expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10),
    ([3], 0.95, 3),
    ([None, 2, 1], 0.5, 1),
    ([], 0.5, None),
])
def test_percentile(values, fraction, expected):
    assert percentile(values, fraction) == expected


def test_summary():
    values = [float(v) for v in range(1, 101)]
    s = summary(values)
    assert (s["n"], s["min"], s["median"], s["p95"], s["max"], s["mean"]) == (100, 1.0, 50.5, 95.0, 100.0, 50.5)
    assert summary([70.0]) == {"n": 1, "min": 70.0, "median": 70.0, "p95": 70.0, "max": 70.0, "mean": 70.0}
    assert summary([]) == {"n": 0}


def test_a_summary_without_the_mean():
    assert summary([3.0, 1.0, 2.0], mean=False) == {"n": 3, "min": 1.0, "median": 2.0, "p95": 3.0, "max": 3.0}
