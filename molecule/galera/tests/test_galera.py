"""What a user relies on from hastack.web.galera, on three nodes.

The controller drives the tests as a client (galera_client_addresses); the scenario's web
servers, ProxySQL's hosts, are the others (tests/test_proxysql.py, which runs after this
file). The faults come last in this file: one node power-cut under write load, then every
node, and the recovery playbook.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymysql
import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule" / "shared"))
sys.path.insert(0, str(ROOT / "tools"))
from hastack_lab import galera as galera_lib  # noqa: E402  (the experiments' writer: records every acknowledged insert)
from testlib import boot, docker_exec, wait_for  # noqa: E402

NODES = {"gl-db1": "172.22.87.21", "gl-db2": "172.22.87.22", "gl-db3": "172.22.87.23"}
APP = ("hastack", "molecule-app-Vb61rQs4")
REPORT = ("report", "molecule-report-Zq73nB")


def sql(node, statement):
    """Run SQL as root through the node's unix socket; the rows, tab-separated."""
    return docker_exec(node, "mariadb", "-N", "-B", "-e", statement).stdout.strip()


def status(node, name):
    return sql(node, "SHOW GLOBAL STATUS LIKE '%s'" % name).split("\t")[-1]


def health(node):
    proc = docker_exec(node, "galera-health", check=False)
    return proc.returncode == 0, proc.stdout.strip()


def whole():
    return all(health(n)[0] and health(n)[1].endswith("cluster size 3") for n in NODES)


def connect(node, user=APP):
    return pymysql.connect(host=NODES[node], user=user[0], password=user[1], database="hastack",
                           autocommit=True, connect_timeout=3)


def ansible_playbook(*args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"),
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    return subprocess.run([str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i",
                           os.environ["MOLECULE_INVENTORY_FILE"], *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1200, check=False)


def write_load(nodes, run):
    writers = [galera_lib.Writer(name=n, host=NODES[n], user=APP[0], password=APP[1], run=run) for n in nodes]
    stop = threading.Event()
    threads = [w.start(stop) for w in writers]
    return writers, stop, threads


def stop_load(stop, threads):
    stop.set()
    for t in threads:
        t.join(30)


def rows(node, run):
    with connect(node) as conn:
        return galera_lib.stored(conn, run)


@pytest.fixture(scope="module", autouse=True)
def table():
    with connect("gl-db1") as conn, conn.cursor() as cur:
        cur.execute(galera_lib.SCHEMA)


def test_the_cluster_forms_with_every_member_synced():
    for node in NODES:
        assert status(node, "wsrep_cluster_size") == "3", node
        assert status(node, "wsrep_cluster_status") == "Primary", node
        assert status(node, "wsrep_local_state_comment") == "Synced", node
        incoming = status(node, "wsrep_incoming_addresses")
        for address in NODES.values():
            assert address + ":3306" in incoming, (node, incoming)


def test_a_database_created_on_each_node_appears_on_the_other_two():
    """The paper's replication table."""
    try:
        for node in NODES:
            sql(node, "CREATE DATABASE paper_from_%s" % node.replace("-", "_"))
        for node in NODES:
            seen = sql(node, "SHOW DATABASES LIKE 'paper_from_%'").split()
            assert sorted(seen) == sorted("paper_from_%s" % n.replace("-", "_") for n in NODES), node
    finally:
        for node in NODES:
            sql("gl-db1", "DROP DATABASE IF EXISTS paper_from_%s" % node.replace("-", "_"))


def test_a_row_written_on_one_node_is_read_on_every_other():
    run = "replicate-%d" % time.time()
    with connect("gl-db2") as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO " + galera_lib.TABLE + " (run, writer, n) VALUES (%s, 'gl-db2', 1)", (run,))
    for node in NODES:
        assert rows(node, run) == {"gl-db2": {1}}, node


def test_durable_settings_are_live():
    for node in NODES:
        assert sql(node, "SELECT @@innodb_flush_log_at_trx_commit") == "1"
        assert sql(node, "SELECT @@bind_address") == NODES[node]
        options = sql(node, "SELECT @@wsrep_provider_options")
        assert "evs.suspect_timeout = PT0.5S" in options
        assert "evs.join_retrans_period = PT0.15S" in options
        assert "gcache.recover = yes" in options


def test_replication_is_encrypted_with_the_sites_certificate():
    for node in NODES:
        assert "socket.ssl = yes" in sql(node, "SELECT @@wsrep_provider_options").lower()
    # a member's TLS handshake on the replication port presents the certificate the CA signed
    out = docker_exec("gl-db2", "sh", "-c", "openssl s_client -connect %s:4567 -CAfile /etc/mysql/hastack-tls/ca.pem "
                      "</dev/null 2>&1" % NODES["gl-db1"], check=False).stdout
    assert "subject=CN = gl-db" in out and "Verify return code: 0 (ok)" in out, out[-2000:]


def test_no_account_logs_in_without_a_password_and_root_only_through_the_socket():
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(host=NODES["gl-db1"], user="root", password="", connect_timeout=3)
    assert sql("gl-db1", "SELECT COUNT(*) FROM mysql.user WHERE User = ''") == "0"
    plugins = sql("gl-db1", "SELECT JSON_VALUE(Priv, '$.auth_or[1].plugin') FROM mysql.global_priv "
                            "WHERE User = 'root' AND Host = 'localhost'")
    assert plugins == "unix_socket"


def test_a_user_kept_only_as_a_hash_logs_in_and_may_only_read():
    with connect("gl-db3", REPORT) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM " + galera_lib.TABLE)
        with pytest.raises(pymysql.err.OperationalError):
            cur.execute("INSERT INTO " + galera_lib.TABLE + " (run, writer, n) VALUES ('x', 'report', 1)")


def test_the_sst_user_has_only_what_mariabackup_needs():
    grants = sql("gl-db1", "SHOW GRANTS FOR 'mariabackup'@'localhost'")
    assert "GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.*" in grants
    assert "ALL PRIVILEGES" not in grants


def test_replication_ports_are_closed_to_a_client_and_open_to_members():
    # the controller is a client: 3306 yes, the cluster's own ports no (dropped)
    socket.create_connection((NODES["gl-db1"], 3306), timeout=3).close()
    for port in (4567, 4568, 4444):
        with pytest.raises(OSError):
            socket.create_connection((NODES["gl-db1"], port), timeout=2).close()
    # a member reaches the replication port
    docker_exec("gl-db2", "bash", "-c", "exec 3<>/dev/tcp/%s/4567" % NODES["gl-db1"])


def test_the_health_check_says_503_when_the_node_is_down_and_200_when_it_is_back():
    import http.client

    def http_status(node):
        conn = http.client.HTTPConnection(NODES[node], 9200, timeout=3)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    assert http_status("gl-db2") == (200, "gl-db2: Synced, Primary, cluster size 3\n")
    docker_exec("gl-db2", "systemctl", "stop", "mariadb")
    try:
        code, body = http_status("gl-db2")
        assert code == 503 and "not running" in body
        code, body = http_status("gl-db1")
        assert code == 200 and "cluster size 2" in body
    finally:
        docker_exec("gl-db2", "systemctl", "start", "mariadb", timeout=300)
    wait_for(whole, 120, what="gl-db2 back in a cluster of 3")
    assert http_status("gl-db2")[0] == 200


def test_check_mode_with_diff_reports_no_change():
    proc = ansible_playbook(str(ROOT / "molecule" / "galera" / "converge.yml"), "--check", "--diff")
    assert proc.returncode == 0, proc.stdout[-3000:]
    recap = [line for line in proc.stdout.splitlines() if line.startswith("gl-db")]
    assert len(recap) == 3 and all("changed=0" in line for line in recap), "\n".join(recap) or proc.stdout[-3000:]


def test_survivors_keep_writing_when_a_node_dies_and_it_rejoins_by_ist():
    run = "kill-one-%d" % time.time()
    writers, stop, threads = write_load(list(NODES), run)
    time.sleep(2)
    since = int(time.time())
    killed = time.monotonic()
    subprocess.run(["docker", "kill", "gl-db3"], check=True, capture_output=True, timeout=60)
    time.sleep(5)
    stop_load(stop, threads)
    for writer in writers[:2]:
        after = [o for o in writer.outcomes if o.ok and o.done > killed + 2]
        assert len(after) > 50, "%s stopped accepting writes after gl-db3 died" % writer.name
        stall = galera_lib.stall_ms(writer.outcomes, killed)
        print("%s: write stall %s ms after gl-db3 died" % (writer.name, stall))
        assert stall is not None and stall < 3000
    subprocess.run(["docker", "start", "gl-db3"], check=True, capture_output=True, timeout=60)
    wait_for(whole, 180, what="gl-db3 back (MariaDB starts at boot and rejoins)")
    journal = docker_exec("gl-db3", "journalctl", "-u", "mariadb", "--no-pager", "-o", "cat",
                          "--since", "@%d" % since).stdout
    # (the SST script runs, and Galera logs "SST received", for an IST too; only a full copy
    # makes the script log "Proceeding with SST")
    assert "IST received" in journal, "gl-db3 did not rejoin by IST"
    assert "Proceeding with SST" not in journal, "gl-db3 needed a full copy (SST)"
    acknowledged = {w.name: w.acknowledged() for w in writers}
    assert galera_lib.lost(acknowledged, rows("gl-db3", run)) == {}


def power_cut_under_load(run):
    """Every node loses power under write load; the writes the cluster acknowledged."""
    writers, stop, threads = write_load(list(NODES), run)
    time.sleep(3)
    subprocess.run(["docker", "kill", *NODES], check=True, capture_output=True, timeout=60)
    stop_load(stop, threads)
    acknowledged = {w.name: w.acknowledged() for w in writers}
    assert sum(len(a) for a in acknowledged.values()) > 100
    return acknowledged


def service_state(node):
    return docker_exec(node, "systemctl", "is-active", "mariadb", check=False).stdout.strip()


def words(text):
    """Output with its line wrapping undone, to look for a phrase in it."""
    return " ".join(text.split())


def test_after_every_node_loses_power_the_recovery_playbook_loses_no_acknowledged_write():
    run = "kill-all-%d" % time.time()
    acknowledged = power_cut_under_load(run)
    boot(*NODES)
    proc = ansible_playbook(str(ROOT / "playbooks" / "galera_recover.yml"))
    assert proc.returncode == 0, proc.stdout[-4000:]
    wait_for(whole, 120, what="the cluster whole and Synced after the recovery")
    for node in NODES:
        assert galera_lib.lost(acknowledged, rows(node, run)) == {}, node
    # a second run finds the cluster whole and changes nothing
    again = ansible_playbook(str(ROOT / "playbooks" / "galera_recover.yml"))
    assert again.returncode == 0 and "changed=1" not in again.stdout, again.stdout[-3000:]


def test_while_a_member_is_still_down_the_recovery_refuses_and_the_rest_keep_waiting_for_it():
    """The waiting nodes are left alone: Galera restores the component once the member is back."""
    run = "one-missing-%d" % time.time()
    acknowledged = power_cut_under_load(run)
    boot("gl-db1", "gl-db2")
    proc = ansible_playbook(str(ROOT / "playbooks" / "galera_recover.yml"), "-e", "galera_recover_settle_timeout=10")
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "Not bootstrapping the Galera cluster: no primary component runs and gl-db3 cannot be reached" \
        in words(proc.stdout), proc.stdout[-3000:]
    assert [service_state(n) for n in ("gl-db1", "gl-db2")] == ["activating", "activating"]
    boot("gl-db3")
    wait_for(whole, 180, what="the last primary component restored once gl-db3 is back")
    for node in NODES:
        assert galera_lib.lost(acknowledged, rows(node, run)) == {}, node
    again = ansible_playbook(str(ROOT / "playbooks" / "galera_recover.yml"))
    assert again.returncode == 0 and "changed=1" not in again.stdout, again.stdout[-3000:]


def test_nodes_waiting_for_a_primary_nobody_restores_are_stopped_and_the_most_advanced_bootstraps(tmp_path):
    """The path CI once broke: the playbook stops the waiting nodes, plans, bootstraps, joins.

    Whether Galera restores a component by itself after a power cut depends on which views
    the nodes saved in their last second (gvwstate.dat); this test removes them, so that
    nothing restores itself, and starts two nodes that then wait for a primary.
    """
    run = "no-restore-%d" % time.time()
    acknowledged = power_cut_under_load(run)
    mask = tmp_path / "mariadb.service"
    mask.symlink_to("/dev/null")
    for node in NODES:  # boot without MariaDB
        subprocess.run(["docker", "cp", str(mask), node + ":/etc/systemd/system/mariadb.service"], check=True,
                       capture_output=True, timeout=60)
    boot(*NODES)
    for node in NODES:
        docker_exec(node, "rm", "-f", "/etc/systemd/system/mariadb.service", "/var/lib/mysql/gvwstate.dat")
        docker_exec(node, "systemctl", "daemon-reload")
    for node in ("gl-db1", "gl-db2"):
        docker_exec(node, "systemctl", "start", "--no-block", "mariadb")
    assert wait_for(lambda: [service_state(n) for n in NODES] == ["activating", "activating", "inactive"], 30,
                    interval=0.5, what="gl-db1 and gl-db2 waiting for a primary, gl-db3 stopped")
    proc = ansible_playbook(str(ROOT / "playbooks" / "galera_recover.yml"), "-e", "galera_recover_settle_timeout=6")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "bootstrap: crash recovery:" in words(proc.stdout), proc.stdout[-4000:]
    wait_for(whole, 120, what="the cluster whole and Synced after the bootstrap")
    for node in NODES:
        assert galera_lib.lost(acknowledged, rows(node, run)) == {}, node
