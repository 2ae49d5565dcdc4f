"""The ProxySQL decisions, table by table: writer order, hostgroups, the read/write rules,
users, input checks, and the comparison of desired and runtime tables."""

import re

import pytest

from ansible_collections.hastack.web.plugins.module_utils import proxysql

HG = {"writer": 10, "backup_writer": 20, "reader": 30, "offline": 9999}
ADDRESSES = {"db1": "172.22.77.21", "db2": "172.22.77.22", "db3": "172.22.77.23", "db4": "172.22.77.24"}


@pytest.mark.parametrize("members, preference, expected", [
    (["db1", "db2", "db3"], None, ["db3", "db2", "db1"]),          # the paper: db3 writes, then db2, db1
    (["db1", "db2", "db3", "db4"], [], ["db4", "db3", "db2", "db1"]),
    (["db1", "db2", "db3"], ["db1"], ["db1", "db3", "db2"]),
    (["db1", "db2", "db3"], ["db2", "db1", "db3"], ["db2", "db1", "db3"]),
    (["db1"], None, ["db1"]),
])
def test_writer_order(members, preference, expected):
    assert proxysql.writer_order(members, preference) == expected


@pytest.mark.parametrize("preference, message", [
    (["db9"], "not in the database group: db9"),
    (["db1", "db1"], "a node is named twice"),
])
def test_writer_order_refuses(preference, message):
    with pytest.raises(ValueError, match=message):
        proxysql.writer_order(["db1", "db2", "db3"], preference)


def test_weights_are_distinct_highest_first_and_close():
    weights = proxysql.server_weights(["db3", "db2", "db1"])
    assert weights == {"db3": 1000, "db2": 999, "db1": 998}


def test_every_node_starts_in_the_writer_hostgroup_with_its_weight():
    rows = proxysql.mysql_servers(["db3", "db2", "db1"], ADDRESSES, HG)
    assert [(r["hostname"], r["hostgroup_id"], r["weight"]) for r in rows] == [
        ("172.22.77.23", "10", "1000"), ("172.22.77.22", "10", "999"), ("172.22.77.21", "10", "998")]
    assert all(r["port"] == "3306" for r in rows)


def test_the_galera_hostgroup_has_one_writer_and_readers_that_are_not_the_writer():
    row = proxysql.galera_hostgroup(HG)
    assert (row["writer_hostgroup"], row["backup_writer_hostgroup"], row["reader_hostgroup"],
            row["offline_hostgroup"]) == ("10", "20", "30", "9999")
    assert (row["max_writers"], row["writer_is_also_reader"], row["active"]) == ("1", "2", "1")


def route(rules, digest, default_hostgroup):
    """ProxySQL's routing for one statement: the first active rule whose match_digest
    matches (CASELESS, its default) decides; no match, the user's default hostgroup."""
    for rule in sorted(rules, key=lambda r: int(r["rule_id"])):
        if rule["active"] == "1" and re.search(rule["match_digest"], digest, re.IGNORECASE):
            if rule["apply"] == "1":
                return int(rule["destination_hostgroup"])
    return default_hostgroup


@pytest.mark.parametrize("digest, hostgroup", [
    ("SELECT name FROM users WHERE id=?", 30),
    ("select name from users where id=?", 30),
    ("SELECT @@hostname", 30),
    ("SELECT * FROM stock WHERE id=? FOR UPDATE", 10),
    ("select * from stock where id=? for update", 10),
    ("SELECT * FROM stock WHERE id=? LOCK IN SHARE MODE", 10),
    ("SELECT * FROM stock WHERE id=? FOR SHARE", 10),
    ("SELECT updated_for FROM t", 30),                      # a column name is not a lock
    ("INSERT INTO hits (server) VALUES (?)", 10),
    ("UPDATE t SET a=? WHERE id=?", 10),
    ("DELETE FROM t WHERE id=?", 10),
    ("BEGIN", 10),
    ("SET NAMES utf8mb4", 10),
    ("CALL refresh_totals()", 10),
])
def test_reads_go_to_the_readers_and_everything_else_to_the_writer(digest, hostgroup):
    assert route(proxysql.query_rules(HG), digest, default_hostgroup=10) == hostgroup


def test_extra_rules_are_ordered_by_id_and_come_before_the_split():
    rules = proxysql.query_rules(HG, [{"rule_id": 50, "active": 1, "match_digest": "^SELECT GET_LOCK",
                                       "destination_hostgroup": 10, "apply": 1}])
    assert [r["rule_id"] for r in rules] == ["50", "100", "200"]
    assert route(rules, "SELECT GET_LOCK(?, ?)", 10) == 10


def test_users_are_kept_as_native_hashes_with_transactions_on_one_backend():
    rows = proxysql.mysql_users([{"name": "app", "password": "app-secret-Lm29xq81"},
                                 {"name": "report", "password_hash": "*4DAAB97CE676143CAE867A4173B3E0F272710550"}], 10)
    assert rows[0]["password"] == proxysql.native_password_hash("app-secret-Lm29xq81")
    assert rows[1]["password"] == "*4DAAB97CE676143CAE867A4173B3E0F272710550"
    assert all(r["transaction_persistent"] == "1" and r["default_hostgroup"] == "10" for r in rows)


def test_native_hash_matches_mysql():
    # SELECT PASSWORD('password') on MariaDB
    assert proxysql.native_password_hash("password") == "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"


def test_monitor_notices_a_dead_node_within_about_three_seconds():
    values = proxysql.monitor_variables("monitor", "x")
    interval = int(values["mysql-monitor_galera_healthcheck_interval"])
    timeout = int(values["mysql-monitor_galera_healthcheck_timeout"])
    misses = int(values["mysql-monitor_galera_healthcheck_max_timeout_count"])
    # worst case: the node dies just after a check, then `misses` checks time out; a check
    # that connects anew waits whole seconds, at least 1 (ProxySQL passes the monitor's
    # connect timeout to the client library in seconds)
    connect = max(1000, timeout // 1000 * 1000)
    assert interval + misses * max(interval, timeout, connect) <= 3000


def test_naming_hostname_keeps_multiplexing_and_proxysqls_own_list():
    kept = proxysql.retry_variables()["mysql-keep_multiplexing_variables"].split(",")
    # ProxySQL 2.7's default, which the setting replaces, stays in it
    assert {"tx_isolation", "transaction_isolation", "version"} <= set(kept)
    assert "hostname" in kept


def test_reads_are_retried_and_nothing_else_is():
    # a write whose backend died may have committed: ProxySQL must not send it again
    assert proxysql.retry_variables()["mysql-query_retries_on_failure"] == "0"
    rules = proxysql.query_rules(HG, [{"rule_id": 50, "match_digest": "^UPDATE counters", "destination_hostgroup": 10}])
    assert {r["rule_id"]: r.get("retries") for r in rules} == {"50": None, "100": "1", "200": "1"}
    # and the rules that retry are the ones that route SELECTs only
    assert all(r["match_digest"].startswith("^SELECT") for r in rules if r.get("retries") == "1")


def test_admin_variables_with_and_without_a_cluster():
    alone = proxysql.admin_variables("radmin", "pw", ["127.0.0.1:6032"])
    assert alone == {"admin-admin_credentials": "radmin:pw", "admin-mysql_ifaces": "127.0.0.1:6032"}
    clustered = proxysql.admin_variables("radmin", "pw", ["127.0.0.1:6032", "172.22.77.16:6032"], "cluster", "cpw")
    assert clustered["admin-admin_credentials"] == "radmin:pw;cluster:cpw"
    assert clustered["admin-mysql_ifaces"] == "127.0.0.1:6032;172.22.77.16:6032"
    # per-host and monitor-managed settings are not synced; users, rules and peers are
    for kind in ("mysql_servers", "mysql_variables", "admin_variables"):
        assert clustered["admin-cluster_%s_diffs_before_sync" % kind] == "0"
    assert clustered["admin-cluster_mysql_users_diffs_before_sync"] == "3"


# ---------------------------------------------------------------- input checks

@pytest.mark.parametrize("user, password, cluster_user, cluster_password, expected", [
    ("admin", "admin", None, None, ["ProxySQL's default admin:admin"]),
    ("radmin", "", None, None, ["proxysql_admin_password is not set"]),
    ("radmin", "proxysql", None, None, ["proxysql_admin_password is a well-known"]),
    ("radmin", "short-1", None, None, ["proxysql_admin_password is 7 characters long"]),
    ("radmin", "good:secret-value-29", None, None, ["must not contain ':'"]),
    ("r-admin", "good-secret-value-29", None, None, ["letters, digits and _"]),
    ("radmin", "good-secret-value-29", "radmin", "other-secret-val-71", ["must differ"]),
    ("radmin", "good-secret-value-29", "cluster", "", ["proxysql_cluster_password is not set"]),
    ("radmin", "good-secret-value-29", "cluster", "other-secret-val-71", []),
    ("admin", "good-secret-value-29", None, None, []),
])
def test_admin_problems(user, password, cluster_user, cluster_password, expected):
    problems = proxysql.admin_problems(user, password, cluster_user, cluster_password)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected):
        assert fragment in problem


@pytest.mark.parametrize("hostgroups, fragment", [
    ({"writer": 10, "backup_writer": 20, "reader": 30}, "needs offline"),
    (dict(HG, reader=10), "four different ids"),
    (dict(HG, reader=0, writer=5), "refuses reader hostgroup 0"),
    (dict(HG, offline=-1), "whole number"),
    (dict(HG, offline="9"), "whole number"),
])
def test_hostgroup_problems(hostgroups, fragment):
    problems = proxysql.hostgroup_problems(hostgroups)
    assert len(problems) == 1 and fragment in problems[0], problems


def test_good_hostgroups_have_no_problem():
    assert proxysql.hostgroup_problems(HG) == []


@pytest.mark.parametrize("users, fragment", [
    ([{"name": "app"}], "needs exactly one of password or password_hash"),
    ([{"name": "app", "password": "x-good-secret-1", "password_hash": "*" + "A" * 40}], "exactly one"),
    ([{"name": "app", "password_hash": "secret"}], "mysql_native_password hash"),
    ([{"name": "app", "password": "app"}], "well-known or guessable"),
    ([{"password": "x-good-secret-1"}], "has no name"),
    ([{"name": "app", "password": "x-good-secret-1"}, {"name": "app", "password": "x-good-secret-2"}],
     "names a user twice: app"),
])
def test_user_problems(users, fragment):
    problems = proxysql.user_problems(users)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("rules, fragment", [
    ([{"match_digest": "^SELECT"}], "needs a rule_id"),
    ([{"rule_id": 100, "match_digest": "^X", "destination_hostgroup": 10}], "the role's own read/write rule"),
    ([{"rule_id": 5, "destination_hostgroup": 77}], "hostgroup 77, which is none of proxysql_hostgroups"),
    ([{"rule_id": 5, "match_digest": "^(SELECT"}], "not a regular expression"),
    ([{"rule_id": 5}, {"rule_id": 5}], "rule_id used twice: 5"),
])
def test_rule_problems(rules, fragment):
    problems = proxysql.rule_problems(rules, HG)
    assert any(fragment in p for p in problems), problems


# ---------------------------------------------------------------- comparing

KEYS = ("rule_id",)


@pytest.mark.parametrize("desired, current, expected", [
    ([], [], (0, 0, 0)),
    ([{"rule_id": "1", "apply": "1"}], [], (1, 0, 0)),
    ([], [{"rule_id": "1", "apply": "1"}], (0, 1, 0)),
    ([{"rule_id": "1", "apply": "1"}], [{"rule_id": "1", "apply": "0"}], (0, 0, 1)),
    # only the columns asked for are compared; ProxySQL's other columns keep their defaults
    ([{"rule_id": "1", "apply": "1"}], [{"rule_id": "1", "apply": "1", "cache_ttl": None}], (0, 0, 0)),
    # values compare as ProxySQL returns them: text
    ([{"rule_id": 1, "apply": 1}], [{"rule_id": "1", "apply": "1"}], (0, 0, 0)),
    ([{"rule_id": "1", "comment": None}], [{"rule_id": "1", "comment": ""}], (0, 0, 1)),
])
def test_table_changes(desired, current, expected):
    changes = proxysql.table_changes(desired, current, KEYS)
    assert (len(changes["add"]), len(changes["remove"]), len(changes["change"])) == expected
    assert proxysql.has_changes(changes) == any(expected)


def test_variable_changes_and_unknown_names():
    current = {"mysql-a": "1", "mysql-b": "x"}
    assert proxysql.variable_changes({"mysql-a": 1, "mysql-b": "y"}, current) == {"mysql-b": ("x", "y")}
    assert proxysql.unknown_variables({"mysql-a": 1, "mysql-c": 2}, current) == ["mysql-c"]


def test_restart_pending_lists_only_start_time_variables():
    desired = {"mysql-interfaces": "127.0.0.1:6033", "mysql-monitor_username": "m"}
    runtime = {"mysql-interfaces": "0.0.0.0:6033", "mysql-monitor_username": "other"}
    assert proxysql.restart_pending(desired, runtime) == ["mysql-interfaces"]


def desired_tables():
    return {"mysql_servers": proxysql.mysql_servers(["db3", "db2", "db1"], ADDRESSES, HG),
            "mysql_users": proxysql.mysql_users([{"name": "app", "password": "app-secret-Lm29xq81"}], 10),
            "global_variables": {"mysql-monitor_username": "monitor", "mysql-monitor_password": "s3cret-value",
                                 "mysql-interfaces": "127.0.0.1:6033"}}


def runtime_like(desired, moves=None):
    servers = [dict(row, status="ONLINE", hostgroup_id=str((moves or {}).get(row["hostname"], row["hostgroup_id"])))
               for row in desired["mysql_servers"]]
    return {"mysql_servers": servers, "mysql_users": proxysql.expand_users(desired["mysql_users"]),
            "global_variables": dict(desired["global_variables"], **{"mysql-interfaces": "0.0.0.0:6033"})}


def test_runtime_as_loaded_has_no_problem_wherever_the_monitor_put_the_servers():
    desired = desired_tables()
    assert proxysql.runtime_problems(desired, runtime_like(desired), HG) == []
    moved = runtime_like(desired, {"172.22.77.21": 30, "172.22.77.22": 20, "172.22.77.23": 10})
    assert proxysql.runtime_problems(desired, moved, HG) == []


@pytest.mark.parametrize("spoil, fragment", [
    (lambda r: r["mysql_servers"].pop(), "mysql_servers: 172.22.77.21:3306 is in no hostgroup of runtime"),
    (lambda r: r["mysql_servers"][0].update(hostgroup_id="77"), "172.22.77.23:3306 is in no hostgroup"),
    (lambda r: r["mysql_servers"][1].update(weight="5"), "172.22.77.22:3306 has weight=5 in runtime, not 999"),
    (lambda r: r["mysql_servers"].append(dict(r["mysql_servers"][0], hostname="10.9.9.9")),
     "10.9.9.9:3306 is in runtime but was not asked for"),
    (lambda r: r["mysql_users"].pop(), "mysql_users: username=app, frontend=0, backend=1 is missing"),
    (lambda r: r["mysql_users"][0].update(transaction_persistent="0"), "differs in runtime (transaction_persistent)"),
    (lambda r: r["global_variables"].update({"mysql-monitor_username": "x"}),
     "mysql-monitor_username is x in runtime, not monitor"),
    (lambda r: r["global_variables"].update({"mysql-monitor_password": "x"}),
     "global_variables: mysql-monitor_password differs in runtime"),
])
def test_runtime_problems_name_what_differs(spoil, fragment):
    desired = desired_tables()
    runtime = runtime_like(desired)
    spoil(runtime)
    problems = proxysql.runtime_problems(desired, runtime, HG)
    assert any(fragment in p for p in problems), problems
    assert not any("s3cret-value" in p for p in problems)
