"""proxysql_backend against the SQLite stand-in of ProxySQL's admin interface
(fake_proxysql_admin.py): the module's real statements; the fake's on_read hooks play the
connections that finish and the Galera monitor that puts a node back."""

import re

import pytest

from ansible_collections.hastack.web.plugins.module_utils import proxysql
from ansible_collections.hastack.web.plugins.modules import proxysql_backend

from fake_proxysql_admin import FakeAdmin, module_runner

HOSTGROUPS = {"writer": 10, "backup_writer": 20, "reader": 30, "offline": 9999}
ADDRESSES = {"db1": "172.22.77.21", "db2": "172.22.77.22", "db3": "172.22.77.23"}
PASSWORD = "admin-secret-Jq83kd0"
DB1 = ADDRESSES["db1"]


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setattr(proxysql_backend, "POLL_SECONDS", 0.001)
    runner = module_runner(monkeypatch, proxysql_backend)

    def drain(admin, state, check=False, timeout=2, hostname=DB1, writer_hostgroup=None):
        return runner(admin, {"login_user": "radmin", "login_password": PASSWORD, "hostname": hostname,
                              "state": state, "serving_hostgroups": [10, 30], "timeout": timeout,
                              "writer_hostgroup": writer_hostgroup}, check=check)
    return drain


def deployed():
    """Three nodes as the role loads them, db1 a reader after the monitor placed it."""
    admin = FakeAdmin()
    order = proxysql.writer_order(["db1", "db2", "db3"])
    admin.db.executemany("INSERT INTO mysql_servers (hostgroup_id, hostname, port, weight) VALUES (?, ?, ?, ?)",
                         [(r["hostgroup_id"], r["hostname"], r["port"], r["weight"])
                          for r in proxysql.mysql_servers(order, ADDRESSES, HOSTGROUPS)])
    admin.execute("LOAD MYSQL SERVERS TO RUNTIME", None)
    admin.execute("SAVE MYSQL SERVERS TO DISK", None)
    admin.move_server(DB1, 30)
    admin.set_runtime_status(ADDRESSES["db2"], "SHUNNED")
    return admin


def weights(admin, host, table="runtime_mysql_servers"):
    return sorted((r["hostgroup_id"], r["status"], r["weight"]) for r in admin.rows(table) if r["hostname"] == host)


def test_drain_gives_weight_0_loads_it_and_waits_for_the_connections(run):
    admin = deployed()
    admin.set_used(DB1, 3)
    # the connections under way finish after a few polls
    admin.on_read = [lambda a: None] * 4 + [lambda a: a.set_used(DB1, 0)]
    result, failed = run(admin, "drained")
    assert not failed, result
    assert result["changed"] is True and result["connections_used"] == 0 and result["online_in"] == []
    assert result["writes_to"] is None
    assert admin.writes()[-2:] == ["LOAD MYSQL SERVERS TO RUNTIME", "LOAD MYSQL SERVERS FROM DISK"]
    # only db1's weight changed in runtime; the monitor's placement and statuses are kept
    assert weights(admin, DB1) == [(30, "ONLINE", 0)]
    assert weights(admin, ADDRESSES["db2"]) == [(10, "SHUNNED", 999)]
    assert weights(admin, ADDRESSES["db3"]) == [(10, "ONLINE", 1000)]
    # memory and disk hold the configuration as it was; nothing is saved to disk
    assert admin.rows("mysql_servers") == admin.rows("disk_mysql_servers")
    assert weights(admin, DB1, "mysql_servers") == [(10, "ONLINE", 998)]
    assert not any(re.match("SAVE .* TO DISK", s) for s in admin.statements)


def test_drain_again_changes_nothing(run):
    admin = deployed()
    run(admin, "drained")
    result, failed = run(admin, "drained")
    assert not failed and result["changed"] is False
    assert admin.writes() == []


def test_connections_that_never_finish_fail_the_task_with_the_count(run):
    admin = deployed()
    admin.set_used(DB1, 2)
    result, failed = run(admin, "drained", timeout=0.05)
    assert failed
    assert "172.22.77.21:3306 is not drained" in result["msg"]
    assert "2 backend connections are still in use" in result["msg"]


def test_a_weight_put_back_by_someone_else_fails_the_drain_and_says_why(run):
    admin = deployed()
    admin.on_read = [lambda a: a.db.execute("UPDATE runtime_mysql_servers SET weight = 5")] * 1000
    result, failed = run(admin, "drained", timeout=0.05)
    assert failed and "still takes new statements in hostgroup 30" in result["msg"]


def test_check_mode_says_it_would_drain_and_writes_nothing(run):
    admin = deployed()
    result, failed = run(admin, "drained", check=True)
    assert not failed and result["changed"] is True
    assert admin.writes() == []


def test_online_gives_the_configured_weight_back_and_waits_until_the_node_serves(run):
    admin = deployed()
    run(admin, "drained")
    result, failed = run(admin, "online")
    assert not failed, result
    assert result["changed"] is True and result["online_in"] == [30]
    assert weights(admin, DB1) == [(30, "ONLINE", 998)]


def test_online_when_served_already_changes_nothing(run):
    admin = deployed()
    result, failed = run(admin, "online")
    assert not failed and result["changed"] is False
    assert admin.writes() == []


def test_online_that_never_serves_fails_the_task(run):
    admin = deployed()
    run(admin, "drained")
    admin.on_read = [lambda a: a.move_server(DB1, 9999)] * 1000
    result, failed = run(admin, "online", timeout=0.05)
    assert failed and "in none of the serving hostgroups" in result["msg"]


def test_an_address_that_is_not_a_server_fails_before_anything_changes(run):
    admin = deployed()
    result, failed = run(admin, "drained", hostname="172.22.77.99")
    assert failed
    assert "172.22.77.99:3306 is not a server of this ProxySQL" in result["msg"]
    assert "172.22.77.21:3306" in result["msg"]
    assert admin.writes() == []


def test_timeout_zero_does_not_wait(run):
    admin = deployed()
    admin.set_used(DB1, 5)
    result, failed = run(admin, "drained", timeout=0)
    assert not failed and result["connections_used"] == 5 and result["waited"] == 0.0


DB2 = ADDRESSES["db2"]
DB3 = ADDRESSES["db3"]


def test_draining_the_writer_hands_the_writes_to_the_standby_in_the_same_load(run):
    admin = deployed()
    result, failed = run(admin, "drained", hostname=DB3, writer_hostgroup=10)
    assert not failed, result
    assert result["writes_to"] == DB2
    # db3 stays in the writer hostgroup (its writes under way finish), db2 takes the writes
    assert weights(admin, DB3) == [(10, "ONLINE", 0)]
    assert weights(admin, DB2) == [(10, "ONLINE", 999)]
    assert admin.writes().count("LOAD MYSQL SERVERS TO RUNTIME") == 1


def test_draining_the_only_writer_fails_before_anything_changes(run):
    admin = deployed()
    admin.db.execute("DELETE FROM runtime_mysql_servers WHERE hostname != ?", (DB3,))
    result, failed = run(admin, "drained", hostname=DB3, writer_hostgroup=10)
    assert failed and "the only writer of hostgroup 10" in result["msg"]
    assert admin.writes() == []
