"""What a user relies on from hastack.web.proxysql: two web servers, three Galera nodes.

It runs after tests/test_galera.py, on the cluster that file's power cuts left whole again:
each ProxySQL must first have followed it back (every node where its Galera monitor places
a Synced one, db3 the writer), then the tests begin.

No registry this project reaches carries ProxySQL. With PROXYSQL_DEB pointing at a
package file the role installs it and every test here runs. Without it, the tests that
need a running ProxySQL skip, each saying so; the rest check what does not need the
binary: the role's honest report, apt left as it was, and the database side ProxySQL
depends on, from the web servers' own addresses.

The live faults come last: a reader killed under reads, then the writer killed under writes.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymysql
import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule" / "shared"))
from testlib import docker_exec, wait_for  # noqa: E402

WEBS = {"gl-web1": "172.22.87.16", "gl-web2": "172.22.87.17"}
DBS = {"gl-db1": "172.22.87.21", "gl-db2": "172.22.87.22", "gl-db3": "172.22.87.23"}
APP = ("hastack", "molecule-app-Vb61rQs4")
MONITOR = ("monitor", "molecule-monitor-Tw58kPz3")
ADMIN = ("radmin", "molecule-admin-Rk29vBn4")
HOSTGROUPS = {"writer": 10, "backup_writer": 20, "reader": 30, "offline": 9999}
PACKAGE = os.environ.get("PROXYSQL_DEB", "")

live = pytest.mark.skipif(
    not PACKAGE,
    reason="needs a running ProxySQL: no package source reachable here, and PROXYSQL_DEB "
           "(a proxysql_<version>-debian12_amd64.deb) is not set")


def status(web):
    return json.loads(docker_exec(web, "cat", "/etc/hastack/proxysql.json").stdout)


def db_sql(web, db, user, statement):
    """Run SQL on a Galera node from a web server, as ProxySQL would connect."""
    return docker_exec(web, "mariadb", "-h", DBS[db], "-u", user[0], "-p" + user[1], "-N", "-B",
                       "--connect-timeout=5", "-e", statement).stdout.strip()


def admin(web):
    """ProxySQL's admin interface of one web server (the scenario binds it to the private address too)."""
    return pymysql.connect(host=WEBS[web], port=6032, user=ADMIN[0], password=ADMIN[1], autocommit=True,
                           connect_timeout=3)


def admin_rows(web, statement):
    with admin(web) as connection, connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchall()


def app(web="gl-web1"):
    """An application connection through one web server's ProxySQL."""
    return pymysql.connect(host=WEBS[web], port=6033, user=APP[0], password=APP[1], database="hastack",
                           autocommit=True, connect_timeout=3, read_timeout=5, write_timeout=5)


def hostgroup_members(web, hostgroup):
    rows = admin_rows(web, "SELECT hostname FROM runtime_mysql_servers WHERE hostgroup_id = %d "
                           "AND status = 'ONLINE'" % hostgroup)
    return sorted(row[0] for row in rows)


def synced(db):
    proc = docker_exec(db, "galera-health", check=False)
    return proc.returncode == 0 and proc.stdout.strip().endswith("cluster size 3")


def followed_back(web):
    """This ProxySQL has db3 as its one writer and every node as a writer or a reader."""
    writers = hostgroup_members(web, HOSTGROUPS["writer"])
    readers = hostgroup_members(web, HOSTGROUPS["reader"])
    return writers == [DBS["gl-db3"]] and set(writers + readers) == set(DBS.values())


def wait_whole(after):
    """Until the cluster is three Synced nodes and each ProxySQL has followed it back."""
    wait_for(lambda: all(synced(d) for d in DBS), 300, what="a Synced cluster of 3 after %s" % after)
    if PACKAGE:
        for web in sorted(WEBS):
            wait_for(lambda web=web: followed_back(web), 60, what="%s's ProxySQL with every node back after %s"
                     % (web, after))


def restore(db):
    """Start a killed node again; wait until Galera and both ProxySQLs have it back."""
    subprocess.run(["docker", "start", db], check=True, capture_output=True, timeout=120)
    wait_whole("%s's restart" % db)


@pytest.fixture(scope="module", autouse=True)
def proxysql_followed_the_cluster_back():
    wait_whole("test_galera.py's power cuts")


# ---------------------------------------------------------------- always: no binary needed

@pytest.mark.parametrize("web", sorted(WEBS))
def test_the_role_reports_honestly_whether_proxysql_runs(web):
    state = status(web)
    installed = docker_exec(web, "dpkg-query", "-W", "-f=${Status}", "proxysql", check=False).stdout
    if PACKAGE:
        assert state["installed"] is True and state["reason"] == ""
        assert "install ok installed" in installed
        assert state["version"], "the version ProxySQL reports"
    else:
        assert state["installed"] is False
        assert "no ProxySQL package was supplied" in state["reason"] and "PROXYSQL_DEB" in state["reason"]
        assert "install ok installed" not in installed, "no ProxySQL is reported that is not there"
        assert docker_exec(web, "systemctl", "cat", "proxysql", check=False).returncode != 0
    # the writer order the role configured: the paper's db3, then db2, then db1
    assert state["writer_order"] == [DBS["gl-db3"], DBS["gl-db2"], DBS["gl-db1"]]


@pytest.mark.parametrize("web", sorted(WEBS))
def test_the_failed_repository_left_apt_as_it_was(web):
    for path in ("/etc/apt/sources.list.d/hastack-proxysql.sources", "/etc/apt/keyrings/proxysql.gpg"):
        assert docker_exec(web, "test", "-e", path, check=False).returncode != 0, "%s was left behind" % path
    listed = docker_exec(web, "apt-get", "--print-uris", "-qq", "update").stdout
    assert "127.0.0.1:9" not in listed


@pytest.mark.parametrize("web", sorted(WEBS))
@pytest.mark.parametrize("db", sorted(DBS))
def test_the_monitor_user_reads_what_proxysqls_galera_check_reads(web, db):
    # the variables ProxySQL's Galera monitor decides on, read from the web server's address
    row = db_sql(web, db, MONITOR, "SELECT @@read_only, @@wsrep_desync, @@wsrep_reject_queries, "
                 "@@wsrep_sst_donor_rejects_queries, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                 "WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE'), (SELECT VARIABLE_VALUE FROM "
                 "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS')").split("\t")
    assert row == ["0", "0", "NONE", "0", "4", "Primary"], row


def test_the_application_user_writes_through_one_node_and_reads_on_every_other():
    marker = "px-%d" % time.time_ns()
    db_sql("gl-web1", "gl-db3", APP, "CREATE TABLE IF NOT EXISTS hastack.proxysql_check "
           "(id INT AUTO_INCREMENT PRIMARY KEY, marker VARCHAR(64))")
    db_sql("gl-web1", "gl-db3", APP, "INSERT INTO hastack.proxysql_check (marker) VALUES ('%s')" % marker)
    for web in WEBS:
        for db in ("gl-db1", "gl-db2"):
            assert db_sql(web, db, APP, "SELECT COUNT(*) FROM hastack.proxysql_check WHERE marker = '%s'"
                          % marker) == "1"


def test_the_galera_ports_stay_closed_to_the_web_servers():
    probe = docker_exec("gl-web1", "timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/%s/4567" % DBS["gl-db1"],
                        check=False)
    assert probe.returncode != 0, "4567 (replication) answers a web server"


# ---------------------------------------------------------------- live: a running ProxySQL

@live
@pytest.mark.parametrize("web", sorted(WEBS))
def test_runtime_holds_the_inventory(web):
    (galera,) = admin_rows(web, "SELECT writer_hostgroup, backup_writer_hostgroup, reader_hostgroup, "
                                "offline_hostgroup, max_writers, writer_is_also_reader "
                                "FROM runtime_mysql_galera_hostgroups")
    assert [int(v) for v in galera] == [10, 20, 30, 9999, 1, 2]
    wait_for(lambda: hostgroup_members(web, 10) == [DBS["gl-db3"]], 30, what="db3 the only writer")
    wait_for(lambda: hostgroup_members(web, 30) == sorted([DBS["gl-db1"], DBS["gl-db2"]]), 30,
             what="db1 and db2 the readers")
    rules = admin_rows(web, "SELECT rule_id, destination_hostgroup FROM runtime_mysql_query_rules ORDER BY rule_id")
    assert [(int(a), int(b)) for a, b in rules] == [(100, 10), (200, 30)]
    users = admin_rows(web, "SELECT DISTINCT username, default_hostgroup, transaction_persistent "
                            "FROM runtime_mysql_users")
    assert [(u, int(h), int(t)) for u, h, t in users] == [("hastack", 10, 1)]
    assert admin_rows(web, "SELECT variable_value FROM runtime_global_variables "
                           "WHERE variable_name = 'admin-admin_credentials'")[0][0].startswith("radmin:")


@live
def test_a_select_goes_to_a_reader_and_an_insert_to_the_writer():
    admin_rows("gl-web1", "SELECT * FROM stats_mysql_query_digest_reset")
    with app() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS route_check (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        cursor.execute("INSERT INTO route_check (v) VALUES (1)")

        # A reader applies the writer's CREATE TABLE a moment after the writer answers it (Galera
        # applies asynchronously); under CI's load the first SELECT once found no table yet. The
        # route is the subject here, not the replication, so the SELECT is asked again until the
        # reader has the table: every attempt goes to the same hostgroup.
        def selected():
            try:
                cursor.execute("SELECT COUNT(*) FROM route_check WHERE v = 1")
            except pymysql.err.ProgrammingError as error:
                if error.args[0] != 1146:  # no such table
                    raise
                return False
            return True

        wait_for(selected, 10, interval=0.2, what="a reader with the table route_check")
    digests = admin_rows("gl-web1", "SELECT hostgroup, digest_text FROM stats_mysql_query_digest")
    where = dict((text.split()[0].upper(), int(hostgroup)) for hostgroup, text in digests
                 if text.upper().startswith(("INSERT INTO ROUTE_CHECK", "SELECT COUNT(*) FROM ROUTE_CHECK")))
    assert where == {"INSERT": 10, "SELECT": 30}, digests


@live
def test_select_for_update_and_a_transaction_stay_on_the_writer():
    with app() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS route_check (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        cursor.execute("INSERT INTO route_check (v) VALUES (2)")
        cursor.execute("SELECT @@hostname FROM route_check WHERE v = 2 LIMIT 1 FOR UPDATE")
        assert cursor.fetchone()[0] == "gl-db3", "SELECT ... FOR UPDATE left the writer"
        cursor.execute("SELECT @@hostname")
        assert cursor.fetchone()[0] in ("gl-db1", "gl-db2"), "a plain SELECT should go to a reader"
        # a transaction's reads stay where it started (transaction_persistent), also after a write
        cursor.execute("START TRANSACTION")
        cursor.execute("SELECT @@hostname")
        first = cursor.fetchone()[0]
        cursor.execute("INSERT INTO route_check (v) VALUES (3)")
        cursor.execute("SELECT @@hostname")
        last = cursor.fetchone()[0]
        cursor.execute("COMMIT")
        assert (first, last) == ("gl-db3", "gl-db3"), "the transaction ran on %s, then %s" % (first, last)


@live
@pytest.mark.parametrize("web", sorted(WEBS))
def test_the_packages_default_credentials_never_work(web):
    # admin:admin from inside the web server, where the package's default lets it in
    login = docker_exec(web, "mariadb", "-h127.0.0.1", "-P6032", "-uadmin", "-padmin", "-N", "-e", "SELECT 1",
                        check=False)
    assert login.returncode != 0 and "Access denied" in login.stderr, login.stdout + login.stderr
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        pymysql.connect(host=WEBS[web], port=6032, user="admin", password="admin", connect_timeout=3)
    settings = dict(admin_rows(web, "SELECT variable_name, variable_value FROM runtime_global_variables "
                                    "WHERE variable_name IN ('admin-admin_credentials', 'mysql-monitor_username', "
                                    "'mysql-monitor_password', 'admin-cluster_password')"))
    assert "admin:admin" not in settings["admin-admin_credentials"].split(";")
    assert (settings["mysql-monitor_username"], settings["mysql-monitor_password"]) == MONITOR
    assert settings["admin-cluster_password"] not in ("", "admin")


def listeners(web, port):
    """The addresses listening on a port (ProxySQL opens one socket per worker thread on
    each address, with SO_REUSEPORT)."""
    out = docker_exec(web, "ss", "-Hltn", "sport = :%d" % port).stdout
    return sorted(set(line.split()[3] for line in out.splitlines()))


@live
@pytest.mark.parametrize("web", sorted(WEBS))
def test_proxysql_listens_only_on_loopback_and_the_private_address(web):
    # the admin port: loopback, plus the private address because ProxySQL Cluster needs it;
    # the application port: where proxysql_mysql_bind_addresses says (loopback and, in this
    # scenario, the private address, for the controller's load)
    expected = sorted(["127.0.0.1:%d", WEBS[web] + ":%d"])
    assert listeners(web, 6032) == [e % 6032 for e in expected]
    assert listeners(web, 6033) == [e % 6033 for e in expected]


@pytest.mark.parametrize("db", sorted(DBS))
def test_the_monitor_user_has_no_privilege_beyond_usage(db):
    grants = docker_exec(db, "mariadb", "-N", "-B", "-e", "SHOW GRANTS FOR 'monitor'@'%s'" % WEBS["gl-web1"]).stdout
    granted = [line.split(" ON ")[0] for line in grants.splitlines()]
    assert granted == ["GRANT USAGE"], grants


@live
def test_a_change_on_one_proxysql_reaches_the_other():
    # an active rule: ProxySQL loads only active rules to runtime, and the checksum its peers
    # compare is runtime's, so an inactive one never travels (the SQLite stand-in let it)
    with admin("gl-web1") as connection, connection.cursor() as cursor:
        cursor.execute("INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, apply, "
                       "comment) VALUES (900, 1, '^SELECT hastack_cluster_sync_check', 10, 1, 'molecule sync check')")
        cursor.execute("LOAD MYSQL QUERY RULES TO RUNTIME")
    try:
        wait_for(lambda: admin_rows("gl-web2", "SELECT COUNT(*) FROM runtime_mysql_query_rules "
                                               "WHERE rule_id = 900")[0][0] in (1, "1"),
                 15, what="the rule synced to gl-web2")
    finally:
        with admin("gl-web1") as connection, connection.cursor() as cursor:
            cursor.execute("DELETE FROM mysql_query_rules WHERE rule_id = 900")
            cursor.execute("LOAD MYSQL QUERY RULES TO RUNTIME")
            cursor.execute("SAVE MYSQL QUERY RULES TO DISK")
        wait_for(lambda: admin_rows("gl-web2", "SELECT COUNT(*) FROM runtime_mysql_query_rules "
                                               "WHERE rule_id = 900")[0][0] in (0, "0"),
                 15, what="the removal synced to gl-web2")


class Load(threading.Thread):
    """Statements through ProxySQL in a loop until stopped: counts, failures, and when
    each succeeded and on which node."""

    def __init__(self, statement):
        super().__init__(daemon=True)
        self.statement, self.stop, self.ok, self.failed = statement, threading.Event(), [], []

    def run(self):
        connection = None
        deadline = time.monotonic() + 300
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                connection = connection or app()
                with connection.cursor() as cursor:
                    cursor.execute(self.statement)
                    row = cursor.fetchone()
                self.ok.append((time.monotonic(), row[0] if row else None))
            except pymysql.MySQLError as exc:
                self.failed.append((time.monotonic(), str(exc)))
                connection = None
            time.sleep(0.02)


@live
def test_a_killed_reader_costs_no_failed_read():
    reads = Load("SELECT @@hostname")
    reads.start()
    time.sleep(2)
    subprocess.run(["docker", "kill", "gl-db1"], check=True, capture_output=True, timeout=60)
    time.sleep(5)
    reads.stop.set()
    reads.join(10)
    try:
        assert reads.failed == [], reads.failed[:5]
        after = set(host for t, host in reads.ok[-50:])
        assert after == {"gl-db2"}, "reads after the kill went to %s" % after
    finally:
        restore("gl-db1")


@live
def test_a_killed_writer_moves_writes_to_the_next_node_within_3_s():
    with app() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS failover_check (id INT AUTO_INCREMENT PRIMARY KEY, node VARCHAR(64))")
    writes = Load("INSERT INTO failover_check (node) VALUES (@@hostname)")
    writes.start()
    time.sleep(2)
    killed = time.monotonic()
    subprocess.run(["docker", "kill", "gl-db3"], check=True, capture_output=True, timeout=60)
    time.sleep(6)
    writes.stop.set()
    writes.join(10)
    try:
        first_after = min(t for t, _ in writes.ok if t > killed)
        assert first_after - killed <= 3.0, "writes resumed %.2f s after the kill" % (first_after - killed)
        nodes = [row[0] for row in admin_rows("gl-web1", "SELECT hostname FROM runtime_mysql_servers "
                                                         "WHERE hostgroup_id = 10 AND status = 'ONLINE'")]
        assert nodes == [DBS["gl-db2"]], "the next writer by weight is db2, not %s" % nodes
    finally:
        restore("gl-db3")
