"""proxysql_config against a SQLite stand-in of ProxySQL's admin interface (see
fake_proxysql_admin.py for what it does and does not imitate): the real module, its real
statements, ProxySQL's table constraints."""

import json

import pytest

from ansible_collections.hastack.web.plugins.module_utils import proxysql
from ansible_collections.hastack.web.plugins.modules import proxysql_config

from fake_proxysql_admin import FakeAdmin, module_runner

HOSTGROUPS = {"writer": 10, "backup_writer": 20, "reader": 30, "offline": 9999}
ADDRESSES = {"db1": "172.22.77.21", "db2": "172.22.77.22", "db3": "172.22.77.23"}
PASSWORD = "admin-secret-Jq83kd0"


def desired(**changes):
    order = proxysql.writer_order(["db1", "db2", "db3"])
    args = {
        "login_user": "radmin", "login_password": PASSWORD,
        "mysql_servers": proxysql.mysql_servers(order, ADDRESSES, HOSTGROUPS),
        "mysql_galera_hostgroups": [proxysql.galera_hostgroup(HOSTGROUPS)],
        "mysql_users": proxysql.mysql_users([{"name": "hastack", "password": "app-secret-Lm29xq81"}], 10),
        "mysql_query_rules": proxysql.query_rules(HOSTGROUPS),
        "proxysql_servers": proxysql.proxysql_servers([("web1", "172.22.77.16"), ("web2", "172.22.77.17")]),
        "global_variables": dict(proxysql.monitor_variables("monitor", "monitor-secret-Pz71"),
                                 **proxysql.admin_variables("radmin", PASSWORD, ["127.0.0.1:6032"])),
    }
    args.update(changes)
    return args


@pytest.fixture
def run(monkeypatch):
    return module_runner(monkeypatch, proxysql_config)


def test_first_run_writes_every_table_loads_it_and_saves_it(run):
    admin = FakeAdmin()
    result, failed = run(admin, desired())
    assert not failed, result
    assert result["changed"] is True
    assert result["changed_tables"] == ["global_variables", "mysql_galera_hostgroups", "mysql_query_rules",
                                        "mysql_servers", "mysql_users", "proxysql_servers"]
    assert result["commands"] == [
        "LOAD MYSQL SERVERS TO RUNTIME", "SAVE MYSQL SERVERS TO DISK",
        "LOAD MYSQL USERS TO RUNTIME", "SAVE MYSQL USERS TO DISK",
        "LOAD MYSQL QUERY RULES TO RUNTIME", "SAVE MYSQL QUERY RULES TO DISK",
        "LOAD PROXYSQL SERVERS TO RUNTIME", "SAVE PROXYSQL SERVERS TO DISK",
        "LOAD MYSQL VARIABLES TO RUNTIME", "SAVE MYSQL VARIABLES TO DISK",
        "LOAD ADMIN VARIABLES TO RUNTIME", "SAVE ADMIN VARIABLES TO DISK"]
    servers = sorted((r["hostname"], r["weight"]) for r in admin.rows("disk_mysql_servers"))
    assert servers == [("172.22.77.21", 998), ("172.22.77.22", 999), ("172.22.77.23", 1000)]
    assert [r["username"] for r in admin.rows("runtime_mysql_users")] == ["hastack", "hastack"]
    rules = admin.rows("runtime_mysql_query_rules")
    assert [(r["rule_id"], r["destination_hostgroup"]) for r in rules] == [(100, 10), (200, 30)]


def test_second_run_changes_and_writes_nothing(run):
    admin = FakeAdmin()
    run(admin, desired())
    result, failed = run(admin, desired())
    assert not failed, result
    assert result["changed"] is False
    assert admin.writes() == []


def test_check_mode_reports_the_change_and_writes_nothing(run):
    admin = FakeAdmin()
    result, failed = run(admin, desired(), check=True)
    assert not failed, result
    assert result["changed"] is True and result["commands"] == []
    assert admin.writes() == []
    assert admin.rows("mysql_servers") == []


def test_one_changed_rule_writes_and_loads_only_the_rules(run):
    admin = FakeAdmin()
    run(admin, desired())
    extra = proxysql.query_rules(HOSTGROUPS, [{"rule_id": 50, "active": 1, "match_digest": "^SELECT GET_LOCK",
                                               "destination_hostgroup": 10, "apply": 1}])
    result, failed = run(admin, desired(mysql_query_rules=extra))
    assert not failed, result
    assert result["changed_tables"] == ["mysql_query_rules"]
    assert result["commands"] == ["LOAD MYSQL QUERY RULES TO RUNTIME", "SAVE MYSQL QUERY RULES TO DISK"]
    assert [r["rule_id"] for r in admin.rows("runtime_mysql_query_rules")] == [50, 100, 200]


def test_a_row_that_is_not_asked_for_is_removed(run):
    admin = FakeAdmin()
    run(admin, desired())
    admin.db.execute("INSERT INTO mysql_users (username, password) VALUES ('stray', 'x')")
    result, failed = run(admin, desired())
    assert not failed and result["changed_tables"] == ["mysql_users"]
    assert [r["username"] for r in admin.rows("mysql_users")] == ["hastack"]


def test_a_user_split_in_two_rows_by_a_cluster_peer_is_not_a_change(run):
    admin = FakeAdmin()
    run(admin, desired())
    # a ProxySQL Cluster peer copies users from its runtime: one row per side
    admin.db.execute("DELETE FROM mysql_users")
    admin.db.execute("INSERT INTO mysql_users SELECT * FROM runtime_mysql_users")
    assert len(admin.rows("mysql_users")) == 2
    result, failed = run(admin, desired())
    assert not failed, result
    assert result["changed"] is False and admin.writes() == []


def test_the_galera_monitor_moving_servers_is_not_a_change(run):
    admin = FakeAdmin()
    run(admin, desired())
    # db3 writes; the monitor puts db1 and db2 in the backup-writer and reader hostgroups
    admin.move_server("172.22.77.21", 30)
    admin.move_server("172.22.77.22", 20)
    result, failed = run(admin, desired())
    assert not failed, result
    assert result["changed"] is False and admin.writes() == []


def test_runtime_that_drifted_from_memory_is_loaded_again(run):
    admin = FakeAdmin()
    run(admin, desired())
    admin.db.execute("DELETE FROM runtime_mysql_query_rules WHERE rule_id = 200")
    result, failed = run(admin, desired())
    assert not failed, result
    assert result["changed"] is True and result["changed_tables"] == []
    assert result["commands"] == ["LOAD MYSQL QUERY RULES TO RUNTIME", "SAVE MYSQL QUERY RULES TO DISK"]
    assert len(admin.rows("runtime_mysql_query_rules")) == 2


def test_runtime_that_does_not_take_the_load_fails_the_task(run):
    admin = FakeAdmin(ignore_load=("MYSQL QUERY RULES",))
    result, failed = run(admin, desired())
    assert failed
    assert "runtime does not hold what was loaded" in result["msg"]
    assert "mysql_query_rules: rule_id=100 is missing from runtime" in result["problems"]


def test_an_unknown_variable_fails_before_anything_is_written(run):
    admin = FakeAdmin()
    variables = dict(desired()["global_variables"], **{"mysql-monitor_galera_healthcheck_intreval": "500"})
    result, failed = run(admin, desired(global_variables=variables))
    assert failed and "mysql-monitor_galera_healthcheck_intreval" in result["msg"]
    assert admin.writes() == []


def test_a_start_time_variable_is_saved_and_reported_not_expected_in_runtime(run):
    admin = FakeAdmin()
    run(admin, desired())
    variables = dict(desired()["global_variables"], **{"mysql-interfaces": "127.0.0.1:6033"})
    result, failed = run(admin, desired(global_variables=variables))
    assert not failed, result
    assert result["changed"] is True and result["restart_required"] == ["mysql-interfaces"]
    disk = dict((r["variable_name"], r["variable_value"]) for r in admin.rows("disk_global_variables"))
    assert disk["mysql-interfaces"] == "127.0.0.1:6033"
    again, failed = run(admin, desired(global_variables=variables))
    assert not failed and again["changed"] is False
    assert again["restart_required"] == ["mysql-interfaces"]


def test_the_diff_masks_credentials(run):
    admin = FakeAdmin()
    result, failed = run(admin, desired(), diff=True)
    assert not failed
    after = result["diff"]["after"]["global_variables"]
    assert after["admin-admin_credentials"] == "********"
    assert after["mysql-monitor_password"] == "********"
    assert after["mysql-monitor_galera_healthcheck_interval"] == "500"
    assert PASSWORD not in json.dumps(result["diff"])
    hashed = proxysql.native_password_hash("app-secret-Lm29xq81")
    assert hashed not in json.dumps(result["diff"])
    assert result["diff"]["after"]["mysql_users"][0]["password"] == "********"


def test_a_hashed_password_stays_idempotent(run):
    admin = FakeAdmin()
    users = proxysql.mysql_users([{"name": "report", "password_hash": "*4DAAB97CE676143CAE867A4173B3E0F272710550"}], 10)
    run(admin, desired(mysql_users=users))
    result, failed = run(admin, desired(mysql_users=users))
    assert not failed and result["changed"] is False


def test_after_a_password_change_the_previous_one_logs_in(run):
    admin = FakeAdmin(password="the-old-one-Uw82n3k")
    result, failed = run(admin, desired(login_password_previous="the-old-one-Uw82n3k"))
    assert not failed, result
    assert result["changed"] is True


def test_a_refused_login_says_where_and_as_whom(run):
    result, failed = run(FakeAdmin(password="something-else-8"), desired())
    assert failed
    assert "cannot log in to ProxySQL's admin interface at 127.0.0.1:6032 as radmin" in result["msg"]


def test_a_row_proxysql_rejects_fails_with_its_message(run):
    admin = FakeAdmin()
    bad = [dict(proxysql.galera_hostgroup(HOSTGROUPS), reader_hostgroup="10")]
    result, failed = run(admin, desired(mysql_galera_hostgroups=bad))
    assert failed and "refused a statement" in result["msg"]
