"""The rolling maintenance experiment's pure part: each node's window from the playbook's
output, which failed writes are excused, and the promises."""

from datetime import datetime, timezone

import pytest

from hastack_lab import maintenance as mt

OUTPUT = """
PLAY [Maintain the database nodes, one at a time] ******************************

TASK [hastack.web.maintenance : Refuse to start unless the whole cluster is healthy] ***
Sunday 06 December 2026  22:39:07 +0000 (0:00:00.017)       0:00:00.143 *******
included: /x/roles/maintenance/tasks/healthy.yml for db1

TASK [hastack.web.maintenance : Desync the node] *******************************
Sunday 06 December 2026  22:39:10 +0000 (0:00:00.400)       0:00:03.100 *******
changed: [db1]

TASK [hastack.web.maintenance : Wait until no statement is under way] **********
Sunday 06 December 2026  22:39:12 +0000 (0:00:00.400)       0:00:05.100 *******
ok: [db1 -> web1(hastack-web1)] => (item=web1)
FAILED - RETRYING: [db1]: Wait until the node is Synced (3 retries left).

PLAY [Maintain the web servers, one at a time] *********************************

TASK [hastack.web.maintenance : Drain web1 on every balancer] ******************
Sunday 06 December 2026  22:39:20 +0000 (0:00:00.400)       0:00:13.100 *******
changed: [web1 -> lb1(hastack-lb1)] => (item=lb1)

TASK [hastack.web.maintenance : Restart the services] **************************
Sunday 06 December 2026  22:39:25 +0000 (0:00:00.400)       0:00:18.100 *******
fatal: [web1]: FAILED! => {"changed": false, "msg": "Unable to restart service apache2"}

PLAY RECAP *********************************************************************
db1                        : ok=3    changed=1    unreachable=0    failed=0
web1                       : ok=1    changed=1    unreachable=0    failed=1

TASKS RECAP ********************************************************************
Sunday 06 December 2026  22:39:26 +0000 (0:00:00.593)       0:00:19.000 *******
"""


def at(clock):
    return datetime.strptime("2026-12-06 " + clock, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


def test_host_windows_run_from_the_first_task_to_the_end_of_the_last():
    windows = mt.host_windows(OUTPUT)
    assert list(windows) == ["db1", "web1"]
    # db1's last task started 22:39:12; the next task (web1's) started 22:39:20
    assert windows["db1"] == [at("22:39:07"), at("22:39:20") + 1]
    assert windows["web1"] == [at("22:39:20"), at("22:39:26") + 1]


def test_host_windows_of_no_output_is_empty():
    assert mt.host_windows("") == {}


def test_failure_line_names_the_task_and_its_message():
    assert mt.failure_line(OUTPUT) == "hastack.web.maintenance : Restart the services: Unable to restart service apache2"
    assert mt.failure_line("PLAY RECAP") == ""


def write(n, sent, ok=True, error=""):
    return {"n": n, "sent": sent, "done": sent + 0.01, "ok": ok, "error": error}


WINDOWS = {"web1": [100.0, 110.0], "db1": [80.0, 95.0]}


@pytest.mark.parametrize("web, sent, excused", [
    ("web1", 105.0, True),    # its own web server was being maintained
    ("web1", 110.9, True),    # within the stamp's margin
    ("web1", 112.0, False),
    ("web2", 105.0, False),   # another web server's writer must not fail then
    ("web1", 85.0, False),    # a database's maintenance excuses nothing
])
def test_a_failed_write_is_excused_only_by_its_own_web_servers_maintenance(web, sent, excused):
    assert mt.excused(write(1, sent, ok=False), web, WINDOWS) is excused


def test_writes_summary_counts_failures_excused_and_lost_rows():
    writes = {"web1": [write(1, 99.0), write(2, 105.0, False, "OperationalError: (2013, 'Lost')"), write(3, 111.5)],
              "web2": [write(1, 90.0), write(2, 90.5, False, "OperationalError: (9001, 'Max connect timeout')")]}
    stored = {("web1", 1), ("web2", 1)}  # web1's row 3 was acknowledged and is missing
    summary = mt.writes_summary(writes, stored, WINDOWS)
    assert summary == {"statements": 5, "acknowledged": 3, "failed": 1, "failed_on_own_web_server": 1,
                       "errors": {"OperationalError: (9001, 'Max connect timeout')": 1}, "lost": 1,
                       "failures": [["web2", 90.5, "OperationalError: (9001, 'Max connect timeout')"]]}


def data(**changes):
    run = {"nodes": ["db3", "web1"], "balancers": ["lb1", "lb2"], "windows": {"db3": [1, 9], "web1": [9, 15]},
           "playbook": {"rc": 0, "seconds": 14.0, "failure": ""},
           "stream": {"requests": 900, "failed": 0}, "writes": {"failed": 0, "lost": 0, "errors": {}},
           "transitions": []}
    run.update(changes)
    return run


@pytest.mark.parametrize("changes, broken", [
    ({}, []),
    ({"playbook": {"rc": 2, "seconds": 3.0, "failure": "TASK x: refused"}}, ["exited 2: TASK x: refused"]),
    ({"stream": {"requests": 900, "failed": 1}}, ["1 of 900 requests through the VIP failed (at most 0"]),
    # a balancer's handover: one request per client in flight may fail
    ({"nodes": ["lb1"], "windows": {"lb1": [1, 5]}, "stream": {"requests": 900, "failed": 4}}, []),
    ({"nodes": ["lb1"], "windows": {"lb1": [1, 5]}, "stream": {"requests": 900, "failed": 5}},
     ["5 of 900 requests through the VIP failed (at most 4"]),
    ({"stream": {"requests": 3, "failed": 3}}, ["3 of 3 requests", "no request through the VIP was answered"]),
    ({"writes": {"failed": 2, "lost": 0, "errors": {"e": 2}}}, ["2 statements through ProxySQL failed"]),
    ({"writes": {"failed": 0, "lost": 3, "errors": {}}}, ["3 acknowledged rows lost"]),
    ({"windows": {"db3": [1, 9]}}, ["the playbook did nothing on web1"]),
    ({"transitions": ["lb2 1.0: INSTANCE public is now MASTER"]}, ["1 VRRP transitions while no balancer"]),
    ({"nodes": ["lb1"], "windows": {"lb1": [1, 5]}, "transitions": ["lb2 1.0: now MASTER"]}, []),
])
def test_broken_promises(changes, broken):
    found = mt.broken_promises(data(**changes))
    assert len(found) == len(broken), found
    for sentence, expected in zip(found, broken):
        assert expected in sentence
