"""A lab container gets a real-time budget only where the kernel wants one and Docker's
cgroup has it to give (hastack_lab.lab.realtime_budget)."""

import pytest

from hastack_lab.lab import realtime_budget, realtime_wanted


@pytest.mark.parametrize("case, parent, used, wanted, ok, says", [
    ("no per-cgroup budget in this kernel: the capability is enough", None, 0, 50000, False, ""),
    ("nothing asked for", 900000, 0, 0, False, ""),
    ("room for it", 900000, 850000, 50000, True, ""),
    ("Docker's cgroup was never given a budget", 0, 0, 50000, False, "0 us of real-time runtime left"),
    ("the other containers hold it all", 900000, 880000, 50000, False, "20000 us of real-time runtime left"),
])
def test_realtime_budget(case, parent, used, wanted, ok, says):
    got, why = realtime_budget(parent, used, wanted)
    assert got is ok, case
    assert (says in why) if says else why == "", case


BY_GROUP = {"balancers": 50000, "databases": 200000, "default": 50000}


@pytest.mark.parametrize("setting, groups, wanted", [
    (BY_GROUP, ["balancers"], 50000),
    (BY_GROUP, ["databases"], 200000),
    (BY_GROUP, ["webservers"], 50000),              # no budget of its own: the default
    (BY_GROUP, [], 50000),                          # a Molecule container
    (BY_GROUP, ["balancers", "databases"], 200000),  # a host in two groups gets the larger
    ({"databases": 200000}, ["webservers"], 0),
    (50000, ["databases"], 50000),                  # one number for every container
    (None, ["databases"], 0),
])
def test_each_container_gets_the_budget_of_its_groups(setting, groups, wanted):
    assert realtime_wanted(setting, groups) == wanted
