"""What the maintenance playbooks refuse, on the deployed lab, as a user would meet it: each
refusal names the host, the variable or the state and the fix, and leaves every server in
the traffic (HAProxy's and ProxySQL's runtime state read back afterwards); and a rolling
restart of one database node, drained in ProxySQL and back by IST. Run by
`make maintenance-check` (part of `make test`) on a deployed lab with ProxySQL."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "inventory" / "lab"
BIN = Path(sys.executable).parent
SECRETS = yaml.safe_load((LAB / "group_vars" / "all" / "secrets.yml").read_text())
# HAProxy's servers as the admin socket reports them: {server: status}, backend "web"
HAPROXY_STATES = (
    "import csv, socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/haproxy/admin.sock'); "
    "s.sendall(b'show stat\\n'); data = b''\n"
    "while True:\n    chunk = s.recv(65536)\n    if not chunk: break\n    data += chunk\n"
    "rows = csv.DictReader(data.decode().lstrip('# ').splitlines())\n"
    "print({r['svname']: r['status'] for r in rows if r['pxname'] == 'web' and r['svname'] not in ('FRONTEND', 'BACKEND')})")


def proxysql_installed():
    proc = subprocess.run(["docker", "exec", "hastack-web1", "cat", "/etc/hastack/proxysql.json"], capture_output=True,
                          text=True, timeout=60, check=False)
    return proc.returncode == 0 and json.loads(proc.stdout).get("installed") is True


pytestmark = pytest.mark.skipif(not proxysql_installed(), reason="the lab runs without ProxySQL (no PROXYSQL_DEB): "
                                "the drain of a database node is ProxySQL's")


def docker(container, *argv, check=True):
    proc = subprocess.run(["docker", "exec", container, *argv], capture_output=True, text=True, timeout=120,
                          check=False)
    if check and proc.returncode != 0:
        pytest.fail("%s %s: %s" % (container, " ".join(argv), proc.stderr[-500:]))
    return proc.stdout


def playbook(name, *args):
    proc = subprocess.run([str(BIN / "ansible-playbook"), "playbooks/%s.yml" % name, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def haproxy_states():
    return {lb: docker("hastack-%s" % lb, "python3", "-c", HAPROXY_STATES) for lb in ("lb1", "lb2")}


def proxysql_weights():
    rows = docker("hastack-web1", "mariadb", "-h127.0.0.1", "-P6032", "-uradmin",
                  "-p%s" % SECRETS["lab_proxysql_admin_password"], "-N", "-e",
                  "SELECT hostgroup_id, hostname, weight FROM runtime_mysql_servers ORDER BY 1, 2")
    return sorted(line.split("\t")[1:] for line in rows.splitlines() if line.split("\t")[0] != "10")


def galera_size(node="db3"):
    return docker("hastack-%s" % node, "galera-health", check=False).strip()


@pytest.fixture
def untouched():
    """The traffic as it was: every web server UP on both balancers, every database node weighted
    on ProxySQL; the same afterwards."""
    before = haproxy_states(), proxysql_weights()
    assert "MAINT" not in json.dumps(before[0]) and "DRAIN" not in json.dumps(before[0]), before
    yield
    deadline = time.monotonic() + 30  # a node that was stopped: the Galera monitor places it again
    while (haproxy_states(), proxysql_weights()) != before and time.monotonic() < deadline:
        time.sleep(1)
    assert (haproxy_states(), proxysql_weights()) == before


def wait_synced(size=3, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if galera_size().endswith("cluster size %d" % size) and galera_size().startswith("Synced"):
            return
        time.sleep(2)
    pytest.fail("the cluster did not come back to %d Synced nodes: %s" % (size, galera_size()))


def test_drain_without_limit_is_refused(untouched):
    rc, out = playbook("drain")
    assert rc != 0
    assert "Name the hosts to drain with --limit" in out


def test_retire_without_confirmation_is_refused(untouched):
    rc, out = playbook("retire", "--limit", "db1")
    assert rc != 0
    assert "confirm with -e retire_confirm=true" in out


def test_a_missing_task_file_is_refused_before_anything_is_drained(untouched):
    rc, out = playbook("rolling_maintenance", "--limit", "web1", "-e", "maintenance_action=tasks",
                       "-e", "maintenance_tasks=/nonexistent/fix.yml")
    assert rc != 0
    assert "web1: maintenance_action=tasks needs maintenance_tasks" in out and "/nonexistent/fix.yml" in out


def test_an_unhealthy_cluster_is_refused_before_anything_is_drained(untouched):
    docker("hastack-db1", "systemctl", "stop", "mariadb")
    try:
        rc, out = playbook("rolling_maintenance", "--limit", "web1", "-e", "maintenance_action=none")
    finally:
        docker("hastack-db1", "systemctl", "start", "mariadb")
        wait_synced()
    assert rc != 0
    assert "Refuse to start unless the whole cluster is healthy" in out
    assert "Drain the web server" not in out


def test_a_database_node_the_quorum_needs_is_refused(untouched):
    docker("hastack-db2", "systemctl", "stop", "mariadb")
    try:
        wait_synced(size=2)
        rc, out = playbook("drain", "--limit", "db1")
        # retiring checks the cluster's health first: it is refused before the quorum is asked
        retire_rc, retire_out = playbook("retire", "--limit", "db1", "-e", "retire_confirm=true")
    finally:
        docker("hastack-db2", "systemctl", "start", "mariadb")
        wait_synced()
    assert rc != 0
    assert "Not taking db1 out" in out and "not a majority" in out and "arbitrator" in out
    assert retire_rc != 0 and "Refuse to start unless the whole cluster is healthy" in retire_out
    assert docker("hastack-db1", "systemctl", "is-enabled", "mariadb", check=False).strip() == "enabled"


def test_a_rolling_restart_drains_the_node_in_proxysql_and_it_comes_back_by_ist(untouched):
    started = docker("hastack-db1", "systemctl", "show", "-p", "ExecMainStartTimestampMonotonic", "mariadb")
    rc, out = playbook("rolling_restart", "-e", "galera_restart_order=db1")
    assert rc == 0, out[-3000:]
    assert "Stop every ProxySQL starting new statements on the node" in out
    assert "db1 rejoined by IST" in out
    assert docker("hastack-db1", "systemctl", "show", "-p", "ExecMainStartTimestampMonotonic", "mariadb") != started
    # only db1: the order names the hosts, and nothing else was restarted
    assert "[db2]" not in out and "[db3]" not in out
