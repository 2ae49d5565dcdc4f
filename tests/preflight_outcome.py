"""How a site.yml run that the preflight stopped must look, for the tests that break an
inventory on purpose (tests/integration on fake hosts, tests/lab on the deployed lab)."""

import re


def assert_stopped_in_preflight(rc, out, *expected):
    """The run failed, no play but the preflight's started, nothing reported a change, and the
    message holds each expected part (whitespace-normalised)."""
    assert rc != 0, out[-3000:]
    plays = re.findall(r"^PLAY \[(.*?)\]", out, re.M)
    started = [play for play in plays if play.startswith("Preflight - ")]
    assert started and plays[plays.index(started[0]):] == started, plays  # no play after the preflight's
    assert not re.search(r"^changed: ", out, re.M) and "changed=0" in out, out[-3000:]
    flat = " ".join(out.split())
    for part in expected:
        assert part in flat, (part, out[-3000:])
