"""The galera experiment's bookkeeping: stalls, lost rows, restart windows."""

import pytest

from hastack_lab import galera as gl
from hastack_lab.galera import Outcome, failures_outside, lost, restart_windows, stall_ms


def outcomes(spec):
    """spec: list of (done_s, ok)."""
    return [Outcome(n=i, sent=d - 0.001, done=d, ok=ok, at=d) for i, (d, ok) in enumerate(spec)]


@pytest.mark.parametrize("spec, fault, expected", [
    # steady writes every 10 ms, a 0.57 s pause starting at the fault
    ([(0.99, True), (1.00, True), (1.57, True), (1.58, True)], 1.005, 570.0),
    # the fault takes effect a little after it was injected: the longest gap after it counts
    ([(1.00, True), (1.01, True), (1.02, True), (1.62, True), (1.63, True)], 1.005, 600.0),
    # a longer gap before the fault does not count
    ([(0.00, True), (0.90, True), (1.00, True), (1.10, True)], 1.0, 100.0),
    # a failure in the gap does not end the stall
    ([(1.00, True), (1.20, False), (1.90, True)], 1.01, 900.0),
    # nothing acknowledged after the fault: the node died
    ([(1.00, True), (2.00, False)], 1.5, None),
    # nothing before the fault: measured from the fault
    ([(2.00, True)], 1.5, 500.0),
])
def test_stall_ms(spec, fault, expected):
    assert stall_ms(outcomes(spec), fault) == expected


def test_lost_lists_only_missing_acknowledged_rows():
    assert lost({"db1": {1, 2, 3}, "db2": {1}}, {"db1": {1, 3, 4}, "db2": {1}}) == {"db1": [2]}
    assert lost({"db1": {1}}, {}) == {"db1": [1]}
    assert lost({"db1": set()}, {}) == {}


def test_failures_outside_restart_windows():
    failures = outcomes([(10.0, False), (20.5, False), (30.0, False)])
    assert [f.at for f in failures_outside(failures, [(20.0, 21.0)])] == [10.0, 30.0]
    assert failures_outside(failures, [(9.5, 30.0)]) == []
    # the margin widens each window
    assert [f.at for f in failures_outside(failures, [(11.0, 19.0)], margin=1.0)] == [20.5, 30.0]


def test_restart_windows_from_the_journal():
    journal = "\n".join([
        "100.0 db1 mariadbd[1]: something",
        "101.0 db1 systemd[1]: Stopping mariadb.service - MariaDB 10.11.19 database server...",
        "101.5 db1 mariadbd[1]: Normal shutdown",
        "104.0 db1 mariadbd[2]: WSREP: Synchronized with group, ready for connections",
        "200.0 db1 systemd[1]: Stopping mariadb.service - MariaDB 10.11.19 database server...",
        "garbage line",
    ])
    assert restart_windows(journal) == [(101.0, 104.0), (200.0, float("inf"))]


@pytest.mark.parametrize("journal, kind", [
    ("WSREP: SST received\nWSREP_SST: [INFO] Proceeding with SST.........", "SST"),
    ("WSREP: SST received: 1b2c:120\nWSREP: IST received: 1b2c:131", "IST"),
    ("WSREP: Synchronized with group, ready for connections", "none"),
])
def test_rejoin_kind_tells_a_full_copy_from_an_increment(journal, kind):
    assert gl.rejoin_kind(journal) == kind


def test_soak_events_count_what_the_journal_says():
    journal = "\n".join([
        "evs::proto(...) suspecting node: 1b2c",
        "evs::proto(...) suspecting node: 1b2c",
        "evs::proto(...) declaring inactive node 1b2c",
        "New COMPONENT: primary = yes, bootstrap = no, my_idx = 0, memb_num = 3",
        "last inactive check more than PT1.5S (3*evs.inactive_check_period) ago",
    ])
    assert gl.soak_events(journal) == {"suspicions": 2, "inactive": 1, "view_changes": 1, "late_checks": 1}
    assert gl.soak_events("") == {"suspicions": 0, "inactive": 0, "view_changes": 0, "late_checks": 0}


@pytest.mark.parametrize("output, reason", [
    ("ok: [db1] => {\n    \"msg\": \"x\"\n}\nmsg: 'bootstrap: db2 has the highest seqno (41)'", "bootstrap: db2 has the highest seqno (41)"),
    ("msg: refuse: db3 is\n   unreachable", "refuse: db3 is unreachable"),
    ("PLAY RECAP", "?"),
])
def test_plan_reason_is_the_recovery_playbooks_decision(output, reason):
    assert gl.plan_reason(output) == reason


@pytest.mark.parametrize("journal, policy", [
    ("", "?"),
    ("Dec 06 19:57:24 db1 mariadbd[2708]: 2026-12-06 19:57:24 0 [Note] WSREP: gcomm thread scheduling priority "
     "set to other:0 ", "other:0"),
    ("... priority set to other:0 \n... WSREP: gcomm thread scheduling priority set to rr:2 \n", "rr:2"),
])
def test_gcomm_policy_is_the_last_one_galera_logged(journal, policy):
    assert gl.gcomm_policy(journal) == policy
