"""A lab container gets a real-time budget only where the kernel wants one and Docker's
cgroup has it to give (hastack_lab.lab.realtime_budget)."""

import pytest

from hastack_lab.lab import realtime_budget


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
