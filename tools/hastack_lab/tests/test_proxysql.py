"""The ProxySQL experiment's pure part: what one writer power cut's writes say."""

import json

import pytest

from hastack_lab import proxysql as pl

CUT = 100.0


def write(n, sent, done=None, ok=True, error=""):
    return {"n": n, "sent": sent, "done": sent + 0.005 if done is None else done, "ok": ok, "error": error}


def test_parse_writes_reads_what_the_writer_prints():
    printed = json.dumps([[1, 99.0, 99.01, True, ""], [2, 99.5, 100.7, False, "OperationalError: (2013, 'Lost')"]])
    lost = write(2, 99.5, 100.7, False, "OperationalError: (2013, 'Lost')")
    assert pl.parse_writes(printed) == [write(1, 99.0, 99.01), lost]


LOST_CONNECTION = "OperationalError: (2013, 'Lost connection to MySQL server during query')"
DUPLICATE = "IntegrityError: (1062, \"Duplicate entry 'pxw-retry-2-1796542294-web2-167' for key 'run'\")"


@pytest.mark.parametrize("case, writes, nodes, expected", [
    ("both web servers move to db2; the slower one sets the resume time",
     {"web1": [write(1, 99.9), write(2, 100.2, 100.70)], "web2": [write(1, 99.9), write(2, 100.1, 100.90)]},
     {("web1", 1): "db3", ("web1", 2): "db2", ("web2", 1): "db3", ("web2", 2): "db2"},
     {"first_on_next_ms": {"web1": 700.0, "web2": 900.0}, "writes_resume_ms": 900.0, "failed": 0, "lost": 0,
      "acknowledged": 4, "in_flight_at_cut": 0}),
    ("a write sent after the cut fails once the dead backend's connection breaks",
     {"web1": [write(1, 100.01, 100.02, False, LOST_CONNECTION), write(2, 100.3, 100.8)]},
     {("web1", 2): "db2"},
     {"first_on_next_ms": {"web1": 800.0}, "writes_resume_ms": 800.0, "failed": 1, "lost": 0, "acknowledged": 1,
      "in_flight_at_cut": 0}),
    ("a write in flight at the cut, retried by ProxySQL, is acknowledged on db2 and not failed",
     {"web1": [write(1, 99.99, 100.75)]}, {("web1", 1): "db2"},
     {"first_on_next_ms": {"web1": 750.0}, "writes_resume_ms": 750.0, "failed": 0, "lost": 0, "acknowledged": 1,
      "in_flight_at_cut": 1}),
    ("an acknowledged write missing from the database is lost",
     {"web1": [write(1, 99.0), write(2, 100.5)]}, {("web1", 2): "db2"},
     {"first_on_next_ms": {"web1": 505.0}, "writes_resume_ms": 505.0, "failed": 0, "lost": 1, "acknowledged": 2,
      "in_flight_at_cut": 0}),
    ("writes that stay on db3 after the cut (it was not the writer that died) do not count as resumed",
     {"web1": [write(1, 100.5)]}, {("web1", 1): "db3"},
     {"first_on_next_ms": {"web1": None}, "writes_resume_ms": None, "failed": 0, "lost": 0, "acknowledged": 1,
      "in_flight_at_cut": 0}),
    ("one web server never resumed: no resume time for the application",
     {"web1": [write(1, 100.5)], "web2": [write(1, 100.5, 101.0, False, LOST_CONNECTION)]}, {("web1", 1): "db2"},
     {"first_on_next_ms": {"web1": 505.0, "web2": None}, "writes_resume_ms": None, "failed": 1, "lost": 0,
      "acknowledged": 1, "in_flight_at_cut": 0}),
])
def test_writer_trial(case, writes, nodes, expected):
    result = pl.writer_trial(writes, nodes, CUT, "db2")
    assert {k: result[k] for k in expected} == expected, case


def test_failed_writes_are_counted_by_error_and_a_second_copy_is_named():
    result = pl.writer_trial({"web1": [write(1, 100.1, 100.2, False, LOST_CONNECTION)] * 2
                              + [write(2, 100.3, 100.9, False, DUPLICATE)]}, {}, CUT, "db2")
    assert result["failed_errors"] == {LOST_CONNECTION: 2, DUPLICATE[:100]: 1}
    assert result["applied_twice"] == 1


def trial(resume, stall, failed=0, lost=0, twice=0):
    errors = {LOST_CONNECTION: failed - twice} if failed > twice else {}
    if twice:
        errors[DUPLICATE[:100]] = twice
    return {"writes_resume_ms": resume, "galera_stall_ms": stall, "failed": failed, "lost": lost,
            "acknowledged": 100, "failed_errors": errors}


@pytest.mark.parametrize("resume, stall, added", [(725.2, 659.9, 65.3), (None, 600.0, None), (700.0, None, None)])
def test_added_ms_is_what_proxysql_adds_to_galeras_stall(resume, stall, added):
    assert pl.added_ms(trial(resume, stall)) == added


def test_arm_summary():
    s = pl.arm_summary([trial(700.0, 650.0, failed=1), trial(800.0, 700.0), trial(None, 600.0, failed=2)])
    assert (s["trials"], s["never_resumed"], s["failed"], s["trials_with_failures"], s["lost"]) == (3, 1, 3, 2, 0)
    assert (s["resume_ms"]["min"], s["resume_ms"]["max"]) == (700.0, 800.0)
    assert (s["added_ms"]["min"], s["added_ms"]["max"]) == (50.0, 100.0)


def arms(**kw):
    base = {"tuned": pl.arm_summary([trial(720.0, 660.0, failed=1), trial(2540.0, 690.0, failed=2)]),
            "retry": pl.arm_summary([trial(800.0, 700.0, failed=1)] * 4)}
    base.update(kw)
    return base


@pytest.mark.parametrize("case, summaries, broken", [
    ("the measured run: both of ProxySQL's modes within the bound, nothing lost", arms(), []),
    ("a lost write in any arm", arms(defaults=pl.arm_summary([trial(3000.0, 700.0, lost=2)])),
     ["defaults: 2 acknowledged writes lost"]),
    ("the tuned monitor as slow as ProxySQL's defaults",
     arms(tuned=pl.arm_summary([trial(720.0, 650.0), trial(3900.0, 650.0)])),
     ["tuned: writes resumed on the next writer 3900.0 ms after the cut (at most 3000 ms)"]),
    ("writes never came back on the next writer",
     arms(tuned=pl.arm_summary([trial(None, 650.0), trial(700.0, 650.0)])),
     ["tuned: writes did not resume on the next writer in 1 of 2 trials"]),
    ("failed writes are reported, not promised: one per connection pinned at the cut",
     arms(tuned=pl.arm_summary([trial(750.0, 650.0, failed=2)] * 3)), []),
    ("ProxySQL's defaults are reported, not promised", arms(defaults=pl.arm_summary([trial(3900.0, 700.0)])), []),
    ("the role's settings sent a committed write again",
     arms(tuned=pl.arm_summary([trial(750.0, 650.0, failed=1, twice=1)])),
     ["tuned: ProxySQL sent 1 writes again after they had committed"]),
    ("retrying writes is an arm to compare, not the role's promise",
     arms(retry=pl.arm_summary([trial(750.0, 650.0, failed=1, twice=1)])), []),
])
def test_broken_promises(case, summaries, broken):
    assert pl.broken_promises(summaries) == broken, case


KILL_OK = {"web": "web1", "failed": 0, "trials": [{"drained_by": ["lb1", "lb2"]}]}


@pytest.mark.parametrize("part, value, broken", [
    ("kill", KILL_OK, []),
    ("kill", dict(KILL_OK, failed=3), ["kill: 3 GETs through the VIP failed while ProxySQL restarted"]),
    ("kill", dict(KILL_OK, trials=[{"drained_by": ["lb1"]}, {"drained_by": []}]),
     ["kill: no balancer's health check took web1 out in trial 2"]),
    ("isolate", {"lost": 0}, []),
    ("isolate", {"lost": 2}, ["isolate: 2 acknowledged writes lost"]),
    ("lag", {"reader": "db1", "out_of_readers_at_s": 1.5, "back_at_s": 30.0}, []),
    ("lag", {"reader": "db1", "out_of_readers_at_s": None, "back_at_s": None},
     ["lag: db1 was never taken out of the readers"]),
    ("lag", {"reader": "db1", "out_of_readers_at_s": 1.5, "back_at_s": None},
     ["lag: db1 was not back among the readers after catching up"]),
])
def test_run_promises_of_the_parts_beside_the_writers(part, value, broken):
    assert pl.run_promises({part: value}) == broken
