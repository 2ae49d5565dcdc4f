"""The failover test's report from a trial's samples: report.md's row, a valid SVG timeline
per trial, results.json, and a failed play when a promise was broken."""

import json
from xml.etree import ElementTree

import pytest
from playbook import run_playbook

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: hastack.web.failover_test
        tasks_from: report.yml
      vars:
        failover_test_out: "{{ playbook_dir }}/out"
        failover_test_url: http://192.0.2.10/?format=json
        __failover_test_results: %s
"""


def result(failed_during):
    samples = [{"t": 1000.0 + i * 0.05, "ok": not (100 <= i < 100 + failed_during), "status": 200, "ms": 3}
               for i in range(300)]
    return {"host": "db3", "kind": "isolate", "backend": "systemd", "tier": "databases", "services": ["mariadb"],
            "effect": "web1 could not reach 172.22.77.23:3306",
            "cut_at": 1005.0, "restored_at": 1012.0, "samples": samples,
            "summary": {"requests": 300, "failed": failed_during, "before_failed": 0, "during_failed": failed_during,
                        "after_failed": 0, "longest_outage_ms": failed_during * 50, "slowest_ms": 1030,
                        "first_failure_ms": 0 if failed_during else None},
            "broken": ["isolate db3 (systemd): %d requests failed, more than the 0 promised" % failed_during]
            if failed_during else []}


@pytest.mark.parametrize("failed", [0, 4])
def test_the_report_holds_every_trial_and_fails_on_a_broken_promise(tmp_path, failed):
    rc, out = run_playbook(tmp_path, PLAY % json.dumps([result(failed)]), {"": {"localhost": {}}})
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| 1 | isolate | db3 | systemd | web1 could not reach 172.22.77.23:3306 | 300 | %d (0 / %d / 0) | %d ms | 1030 ms |" % (
        failed, failed, failed * 50) in report
    svg = ElementTree.parse(tmp_path / "out" / "trial-1.svg").getroot()
    ticks = list(svg.iter("{http://www.w3.org/2000/svg}line"))
    assert len(ticks) == 300 and sum(1 for line in ticks if line.get("stroke") == "#c62828") == failed
    assert len(json.loads((tmp_path / "out" / "results.json").read_text())["trials"][0]["samples"]) == 300
    if failed:
        assert rc != 0 and "Broken promises: isolate db3 (systemd): 4 requests failed" in out, out[-2000:]
    else:
        assert rc == 0 and "Every promise was kept (1 trials)" in out, out[-2000:]


def test_the_writers_rows_are_reported_and_a_lost_one_breaks_the_run(tmp_path):
    trial = result(0)
    writes = [{"t": 1000.0 + i * 0.1, "ok": i != 60, "ms": 4, "n": i} for i in range(150)]
    trial["writes"] = {"host": "web1", "acknowledged": 149, "lost": [42], "in_doubt": 1, "read_back": True,
                       "samples": writes, "summary": {"requests": 150, "failed": 1, "before_failed": 0,
                                                      "during_failed": 1, "after_failed": 0, "longest_outage_ms": 100}}
    trial["broken"] = ["isolate db3 (systemd): 1 acknowledged writes were lost (rows 42)"]
    rc, out = run_playbook(tmp_path, PLAY % json.dumps([trial]), {"": {"localhost": {}}})
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| 1 | isolate | db3 | web1 | 150 | 1 (0 / 1 / 0) | 100 ms | 149 | 1 | 1 |" in report
    assert rc != 0 and "1 acknowledged writes were lost" in out, out[-2000:]


def test_without_a_writer_the_report_says_how_to_have_one(tmp_path):
    rc, out = run_playbook(tmp_path, PLAY % json.dumps([result(0)]), {"": {"localhost": {}}})
    assert "No database writer ran (set failover_test_db_user" in (tmp_path / "out" / "report.md").read_text()
    assert rc == 0, out[-2000:]
