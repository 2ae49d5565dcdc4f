"""What a user relies on from hastack.web.galera_backup, on the scenario's two members and the
third host (garbd's), which also holds the restic repository over sftp.

Runs before the arbitrator's fault tests (file order): the first converge took a full backup;
a run after writes takes an incremental on it and copies the closed binary logs; the copies
are encrypted; the account holds mariabackup's privileges and nothing more; and a run while
the repository is unreachable fails loudly, stores nothing, and leaves the cluster Synced and
in flow control.
"""

import json
import sys
from pathlib import Path

import pymysql

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule" / "shared"))
from testlib import docker_exec  # noqa: E402

BACKUP, OTHER, SFTP = "ga-db1", "ga-db2", "ga-arb"
REPOSITORY = "/srv/hastack-backup"
APP = ("hastack", "molecule-app-Jd48tLp2")
MARKER = "backup-marker-Qz81"


def catalogue():
    return json.loads(docker_exec(BACKUP, "hastack-backup", "list").stdout)


def variable(node, name):
    out = docker_exec(node, "mariadb", "-N", "-B", "-e", "SHOW GLOBAL VARIABLES LIKE '%s'" % name).stdout
    return out.split("\t")[1].strip()


def state(node, name):
    out = docker_exec(node, "mariadb", "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE '%s'" % name).stdout
    return out.split("\t")[1].strip()


def test_the_first_converge_took_a_full_backup():
    sets = catalogue()["sets"]
    assert [s["kind"] for s in sets] == ["full"]
    assert sets[0]["binlog"]["file"].startswith("mysql-bin.")
    assert docker_exec(BACKUP, "hastack-backup", "status", check=False).returncode == 0
    status = json.loads(docker_exec(BACKUP, "hastack-backup", "status", "--json").stdout)
    assert status["last_good"]["name"] == sets[0]["name"] and status["problems"] == [], status


def test_the_timer_runs_on_the_backup_node_only():
    assert docker_exec(BACKUP, "systemctl", "is-enabled", "hastack-backup.timer").stdout.strip() == "enabled"
    assert docker_exec(OTHER, "systemctl", "is-enabled", "hastack-backup.timer", check=False).returncode != 0


def test_the_account_holds_mariabackups_privileges_only():
    grants = docker_exec(BACKUP, "mariadb", "-N", "-B", "-e", "SHOW GRANTS FOR hastack_backup@localhost").stdout
    granted = grants.split("GRANT ", 1)[1].split(" ON *.*")[0]
    assert sorted(p.strip() for p in granted.split(",")) == \
        ["BINLOG MONITOR", "LOCK TABLES", "PROCESS", "RELOAD", "SLAVE MONITOR"]


def test_a_run_after_writes_takes_an_incremental_and_copies_the_binary_logs():
    with pymysql.connect(host="172.22.88.22", user=APP[0], password=APP[1], database="hastack",
                         autocommit=True, connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS backup_check (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(64))")
        for dummy in range(20):
            cur.execute("INSERT INTO backup_check (note) VALUES (%s)", (MARKER,))
    docker_exec(BACKUP, "systemctl", "start", "hastack-backup.service", timeout=300)
    found = catalogue()
    full, incremental = found["sets"]
    assert incremental["kind"] == "incremental" and incremental["base"] == full["name"]
    assert incremental["finished"] > full["finished"]
    assert found["binlogs"], "no binary log was copied"
    assert found["binlogs"][-1]["gtid_end"]   # where it ends, for a GTID restore: after the inserts
    assert variable(BACKUP, "wsrep_desync") == "OFF"
    assert docker_exec(BACKUP, "hastack-backup", "status", check=False).returncode == 0


def test_the_copies_are_encrypted():
    # the rows' text is in the binary log and the data files copied; none of it is readable there
    found = docker_exec(SFTP, "grep", "-rl", MARKER, REPOSITORY, check=False)
    assert found.returncode == 1, found.stdout
    assert docker_exec(SFTP, "test", "-f", REPOSITORY + "/config").returncode == 0   # a restic repository


def test_a_run_while_the_repository_is_unreachable_fails_loudly_and_leaves_the_cluster_alone():
    sets_before = len(catalogue()["sets"])
    docker_exec(SFTP, "systemctl", "stop", "ssh.socket", "ssh.service", check=False)
    try:
        run = docker_exec(BACKUP, "systemctl", "start", "hastack-backup.service", check=False, timeout=300)
        assert run.returncode != 0
        assert docker_exec(BACKUP, "systemctl", "is-failed", "hastack-backup.service", check=False).stdout.strip() == \
            "failed"
        journal = docker_exec(BACKUP, "journalctl", "-u", "hastack-backup.service", "-p", "err", "-n", "5",
                              "--no-pager").stdout
        assert "backup failed: the repository" in journal, journal
        status = docker_exec(BACKUP, "hastack-backup", "status", check=False)
        assert status.returncode == 1 and "failed" in status.stdout, status.stdout
        monitor = json.loads(docker_exec(BACKUP, "hastack-backup", "status", "--json", check=False).stdout)
        assert "the repository" in monitor["last_failed"]["error"] and monitor["problems"], monitor
        for node in (BACKUP, OTHER):
            assert state(node, "wsrep_local_state_comment") == "Synced"
        assert variable(BACKUP, "wsrep_desync") == "OFF"
    finally:
        docker_exec(SFTP, "systemctl", "start", "ssh.service")
    assert len(catalogue()["sets"]) == sets_before   # nothing was stored while it was down
