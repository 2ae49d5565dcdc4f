"""The balancer-cost arithmetic: latency percentiles, what the VIP adds, CPU per request by
tier with idle subtracted, and which goals a run missed."""

import pytest

from hastack_lab import cost
from hastack_lab.probe import Answer

KINDS = {"lb1": "balancer", "lb2": "balancer", "web1": "web", "db1": "database"}


def answers(*ms, failed=0):
    return [Answer(10.0, 10.0 + m / 1000, True, 200) for m in ms] + [Answer(10.0, 12.0, False, error="x")] * failed


def test_latency_of_the_answered_requests_only():
    assert cost.latency(answers(*range(1, 101), failed=2)) == {
        "requests": 102, "failed": 2, "p50_ms": 50.0, "p99_ms": 99.0, "max_ms": 100.0}
    assert cost.latency([]) == {"requests": 0, "failed": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}


@pytest.mark.parametrize("vip, direct, expected", [
    ({"p50_ms": 5.3, "p99_ms": 10.0}, {"p50_ms": 5.0, "p99_ms": 9.5}, {"p50_ms": 0.3, "p99_ms": 0.5}),
    ({"p50_ms": 4.5, "p99_ms": 9.2}, {"p50_ms": 4.6, "p99_ms": 9.7}, {"p50_ms": -0.1, "p99_ms": -0.5}),
    ({"p50_ms": None, "p99_ms": None}, {"p50_ms": 1.0, "p99_ms": 2.0}, {"p50_ms": None, "p99_ms": None}),
])
def test_added_latency(vip, direct, expected):
    assert cost.added(vip, direct) == expected


@pytest.mark.parametrize("case, before, after, idle, seconds, requests, expected", [
    ("idle subtracted per server, summed by tier",
     {"lb1": 1.0, "lb2": 5.0, "web1": 10.0, "db1": 0.0}, {"lb1": 1.3, "lb2": 5.01, "web1": 12.0, "db1": 0.5},
     {"lb1": 0.0, "lb2": 0.001, "web1": 0.01, "db1": 0.0}, 10.0, 1000,
     {"balancer": 300.0, "web": 1900.0, "database": 500.0}),
    ("a tier that used less than idle counts 0, not less",
     {"lb1": 0.0, "lb2": 0.0, "web1": 0.0, "db1": 0.0}, {"lb1": 0.0, "lb2": 0.0, "web1": 1.0, "db1": 0.001},
     {"lb1": 0.0, "lb2": 0.0, "web1": 0.0, "db1": 0.01}, 10.0, 500,
     {"balancer": 0.0, "web": 2000.0, "database": 0.0}),
    ("no answered request: nothing per request",
     {"lb1": 0.0, "lb2": 0.0, "web1": 0.0, "db1": 0.0}, {"lb1": 1.0, "lb2": 0.0, "web1": 1.0, "db1": 0.0},
     {}, 1.0, 0, {"balancer": None, "web": None, "database": None}),
])
def test_cpu_per_request(case, before, after, idle, seconds, requests, expected):
    assert cost.cpu_per_request(before, after, idle, seconds, requests, KINDS) == expected, case


def test_idle_rates_and_share():
    assert cost.idle_rates({"lb1": 1.0, "web1": 2.0}, {"lb1": 1.5, "web1": 2.0}, 10.0) == {"lb1": 0.05, "web1": 0.0}
    assert cost.share({"balancer": 150.0, "web": 2000.0}) == 0.075
    assert cost.share({"balancer": 150.0, "web": 0.0}) is None


def page(share, p50, p99, failed=0):
    lat = {"requests": 100, "failed": failed, "p50_ms": 1.0, "p99_ms": 2.0, "max_ms": 3.0}
    return {"latency": {"vip": lat, "direct": dict(lat, failed=0)}, "added": {"p50_ms": p50, "p99_ms": p99},
            "cpu_share": share}


@pytest.mark.parametrize("pages, missed", [
    ({"dynamic, keep-alive": page(0.07, 0.12, 0.4), "static, keep-alive": page(1.3, 0.2, 0.5)}, []),
    ({"dynamic, new connection": page(0.17, 0.26, 0.02)},
     ["dynamic, new connection: HAProxy's CPU per request is 17.0 % of the web tier's (goal <= 10 %)"]),
    ({"static, new connection": page(1.4, 0.31, 2.5)},
     ["static, new connection: the VIP adds 0.31 ms at p50 (goal <= 0.3 ms)",
      "static, new connection: the VIP adds 2.5 ms at p99 (goal <= 2.0 ms)"]),
    ({"dynamic, keep-alive": page(0.05, 0.1, 0.2, failed=3)}, ["dynamic, keep-alive: 3 requests failed"]),
    ({"dynamic, keep-alive": page(None, None, 0.2)},
     ["dynamic, keep-alive: HAProxy's CPU per request is - of the web tier's (goal <= 10 %)",
      "dynamic, keep-alive: the VIP adds None ms at p50 (goal <= 0.3 ms)"]),
])
def test_goals_missed(pages, missed):
    assert cost.goals_missed(pages) == missed


@pytest.mark.parametrize("text, seconds", [
    ("31722329088963\n", 31722.329088963),                           # cgroup v1 cpuacct.usage, ns
    ("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n", 1.5),  # cgroup v2 cpu.stat
])
def test_a_containers_cpu_time_from_either_cgroup_version(text, seconds):
    from hastack_lab.labenv import cgroup_cpu_seconds
    assert cgroup_cpu_seconds(text) == pytest.approx(seconds)
