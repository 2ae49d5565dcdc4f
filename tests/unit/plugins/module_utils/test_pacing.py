"""The failover test's clients keep their rate, stop after their duration, and never send more."""

import pytest

from ansible_collections.hastack.web.plugins.module_utils import pacing


class Clock(object):
    """A fake clock: sleep moves it, and each call takes `cost` seconds."""

    def __init__(self, cost):
        self.now, self.cost, self.sleeps = 100.0, cost, []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def call(self, n):
        due = self.now
        self.now += self.cost
        return (n, round(due - 100.0, 6))


@pytest.mark.parametrize("rate, duration, cost, calls, first_due", [
    (10, 1, 0.01, 10, [0.0, 0.1, 0.2]),     # on schedule
    (10, 1, 0.25, 10, [0.0, 0.25, 0.5]),    # each call late: the next goes at once, none is dropped
    (2, 3, 0.0, 6, [0.0, 0.5, 1.0]),
    (100, 0.5, 0.0, 50, [0.0, 0.01, 0.02]),
])
def test_paced(rate, duration, cost, calls, first_due):
    clock = Clock(cost)
    results = pacing.paced(rate, duration, clock.call, clock=clock.time, sleep=clock.sleep)
    assert [n for n, _due in results] == list(range(calls))
    assert [due for _n, due in results[:3]] == first_due


@pytest.mark.parametrize("rate, duration, timeout, problem", [
    (20, 60, 2, ""),
    (0.5, 60, 2, "rate must be 1-100 per second, duration 1-3600 s and timeout above 0"),
    (20, 7200, 2, "rate must be 1-100 per second, duration 1-3600 s and timeout above 0"),
    (20, 60, 0, "rate must be 1-100 per second, duration 1-3600 s and timeout above 0"),
])
def test_rate_problem(rate, duration, timeout, problem):
    assert pacing.rate_problem(rate, duration, timeout) == problem
