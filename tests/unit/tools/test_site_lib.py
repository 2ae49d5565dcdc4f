"""The whole-system experiment's pure analysis: what the demo page said, and what clients saw."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
import site_lib as sl  # noqa: E402


def hit(sent, done=None, ok=True, server="web1", **kw):
    return sl.Hit(sent, sent + 0.01 if done is None else done, ok, 200 if ok else 0, server if ok else "", **kw)


@pytest.mark.parametrize("status, body, expected", [
    (200, json.dumps({"server": "web2", "database": {"status": "ok", "read_by": "db1", "write_by": "db3"}}),
     {"ok": True, "server": "web2", "read_by": "db1", "write_by": "db3", "database": "ok"}),
    (200, json.dumps({"server": "web1", "database": {"status": "ProxySQL not installed: no package"}}),
     {"ok": True, "server": "web1", "read_by": "", "write_by": "", "database": "ProxySQL not installed: no package"}),
    (503, "<html>no server is available</html>", {"ok": False, "error": "HTTP 503"}),
    (200, "<html>not json</html>", {"ok": False, "error": "not the demo's JSON"}),
    (200, json.dumps(["a list"]), {"ok": False, "error": "not the demo's JSON"}),
    (200, json.dumps({"server": ""}), {"ok": False, "server": "", "read_by": "", "write_by": "", "database": ""}),
])
def test_parse_demo(status, body, expected):
    assert sl.parse_demo(status, body.encode()) == expected


def test_distribution_counts_good_answers_per_server():
    hits = [hit(i, server="web1" if i % 2 else "web2") for i in range(10)] + [hit(11, ok=False)]
    result = sl.distribution(hits)
    assert result["per_server"] == {"web1": 5, "web2": 5}
    assert result["share"] == {"web1": 0.5, "web2": 0.5}
    assert (result["requests"], result["failed"]) == (11, 1)
    assert sl.distribution([])["share"] == {}


@pytest.mark.parametrize("case, hits, start, end, gap_ms, failed, servers", [
    ("steady answers: the gap is the spacing",
     [hit(t / 10) for t in range(10)], 0.0, 1.0, 100.0, 0, {"web1": 10}),
    ("a hole in the answers is the gap, failed requests in it counted",
     [hit(0.0), hit(0.1), hit(0.2, done=2.0, ok=False), hit(2.1), hit(2.2)], 0.0, 2.3, 2000.0, 1,
     {"web1": 4}),
    ("a slow good answer does not end the gap before it arrives",
     [hit(0.0), hit(0.1, done=1.5), hit(1.6)], 0.0, 1.7, 1490.0, 0, {"web1": 3}),
    ("no answer at all: the whole window",
     [hit(0.5, ok=False)], 0.0, 3.0, 3000.0, 1, {}),
    ("requests sent outside the window do not count",
     [hit(-1.0, ok=False), hit(0.0), hit(0.5), hit(1.0), hit(5.0, ok=False)], 0.0, 1.0, 500.0, 0,
     {"web1": 2}),
])
def test_window(case, hits, start, end, gap_ms, failed, servers):
    result = sl.window(hits, start, end)
    assert result["longest_gap_ms"] == pytest.approx(gap_ms, abs=11), case
    assert result["failed"] == failed, case
    assert result["servers"] == servers, case


def test_window_counts_reads_writes_and_errors():
    hits = [hit(0.0, read_by="db1", write_by="db3", database="ok"),
            hit(0.1, server="web2", read_by="db2", write_by="db3", database="ok"),
            sl.Hit(0.2, 0.3, False, 503, error="HTTP 503"), sl.Hit(0.3, 5.3, False, error="TimeoutError")]
    result = sl.window(hits, 0.0, 1.0)
    assert result["reads"] == {"db1": 1, "db2": 1}
    assert result["writes"] == {"db3": 2}
    assert result["errors"] == {"HTTP 503": 1, "TimeoutError": 1}
    assert result["database"] == "ok"


@pytest.mark.parametrize("fault_failed, recovery_failed, answered, expected", [
    (0, 0, True, True),
    (1, 0, True, False),
    (0, 2, True, False),
    (0, 0, False, False),
])
def test_kept_working(fault_failed, recovery_failed, answered, expected):
    fault = {"requests": 10, "failed": fault_failed}
    recovery = {"requests": 10, "failed": recovery_failed}
    assert sl.kept_working(fault, recovery, answered) is expected


def test_kept_working_needs_requests_in_both_phases():
    assert sl.kept_working({"requests": 0, "failed": 0}, {"requests": 5, "failed": 0}, True) is False


def test_delay_summary():
    assert sl.delay_summary([]) == {"n": 0}
    result = sl.delay_summary([float(v) for v in range(1, 21)])
    assert (result["min"], result["median"], result["p95"], result["max"]) == (1.0, 10.5, 19.0, 20.0)


def test_as_dicts_are_relative_to_the_fault():
    item = sl.as_dicts([hit(10.0, done=10.25)], 10.0)[0]
    assert (item["sent"], item["done"], item["server"]) == (0.0, 0.25, "web1")


PLAYBOOK_OUTPUT = """
PLAY [Balancers] ***************************************************************

TASK [hastack.web.common : Apply kernel settings] ******************************
ok: [lb2] => (item=net.core.somaxconn=4096)
changed: [lb1] => (item=net.ipv4.ip_nonlocal_bind=1)
changed: [lb1] => (item=net.core.somaxconn=4096)

TASK [hastack.web.haproxy : Write haproxy.cfg] *********************************
ok: [lb1]
changed: [lb2]

RUNNING HANDLER [hastack.web.haproxy : Reload haproxy] *************************
changed: [lb2]

TASK [hastack.web.common : Write /etc/hosts [cluster]] *************************
changed: [db1]

PLAY RECAP *********************************************************************
lb1                        : ok=2    changed=1    unreachable=0    failed=0
"""


def test_changed_tasks_names_each_task_once_per_host_with_handlers():
    assert sl.changed_tasks(PLAYBOOK_OUTPUT) == {
        "db1": ["hastack.web.common : Write /etc/hosts [cluster]"],
        "lb1": ["hastack.web.common : Apply kernel settings"],
        "lb2": ["hastack.web.haproxy : Write haproxy.cfg", "hastack.web.haproxy : Reload haproxy"],
    }


def test_changed_tasks_of_an_idempotent_run_is_empty():
    assert sl.changed_tasks("TASK [x : y] ***\nok: [lb1]\nskipping: [lb2]\n") == {}
