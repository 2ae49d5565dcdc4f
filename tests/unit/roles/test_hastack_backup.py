"""hastack-backup, the program the galera_backup role installs on the backup node, against a
fake host: what it runs, in what order, and what it refuses or reports."""

import importlib.util
import json
import struct
import sys
from pathlib import Path

import pytest

from ansible_collections.hastack.web.plugins.module_utils import galera_backup

ROOT = Path(__file__).resolve().parents[3]
sys.modules.setdefault("galera_backup", galera_backup)   # on the host it is copied beside the program
_spec = importlib.util.spec_from_file_location("hastack_backup", ROOT / "roles/galera_backup/files/hastack_backup.py")
program = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(program)

DAY = 86400
T0 = 1796630400  # 2026-12-07T00:00:00Z


def binlog_bytes(stamp, gtids):
    """A binary log's start: the magic, a format description event, a Gtid_list event."""
    header = struct.Struct("<IBIIIH")
    fde = header.pack(stamp, 15, 1, header.size + 8, 0, 0) + b"\0" * 8
    body = struct.pack("<I", len(gtids)) + b"".join(struct.pack("<IIQ", *g) for g in gtids)
    gtid_list = header.pack(stamp, 163, 1, header.size + len(body), 0, 0) + body
    return b"\xfebin" + fde + gtid_list


class FakeHost(program.Host):
    """mariabackup writes a set; restic keeps snapshots in memory; MariaDB answers SQL."""

    def __init__(self, conf, free=10 ** 12):
        super().__init__(conf)
        self.clock = T0
        self.calls = []
        self.snapshots = []
        self.repository = "missing"      # missing | ok | unreachable
        self.mariabackup_fails = None
        self.restic_backup_fails = False
        self.free = free
        self.binlogs = []

    def now(self):
        return self.clock

    def free_bytes(self, path):
        return self.free

    def tree_bytes(self, path):
        return 5 * 2 ** 20

    def sql(self, statement):
        self.calls.append(("sql", statement))
        if statement == "SHOW BINARY LOGS":
            return [[name, "100"] for name in self.binlogs]
        return []

    def run(self, argv, env=None, timeout=None):
        self.calls.append((argv[0], [a for a in argv[1:] if a != "--quiet"]))
        if argv[0] == "mariabackup":
            return self._mariabackup(argv)
        if argv[0] == "restic":
            return self._restic([a for a in argv[1:] if a != "--quiet"])
        raise AssertionError(argv)

    def _mariabackup(self, argv):
        target = Path(next(a for a in argv if a.startswith("--target-dir="))[len("--target-dir="):])
        lsn = Path(next(a for a in argv if a.startswith("--extra-lsndir="))[len("--extra-lsndir="):])
        self.clock += 30
        target.mkdir(parents=True)
        if self.mariabackup_fails:
            (target / "ibdata1").write_text("half")
            return 1, "", "[00] 2026-12-07 00:00:30 " + self.mariabackup_fails
        kind = "incremental" if any(a.startswith("--incremental-basedir=") for a in argv) else "full-backuped"
        for directory in (target, lsn):
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "xtrabackup_checkpoints").write_text("backup_type = %s\nfrom_lsn = 0\nto_lsn = 99\n" % kind)
        (target / "xtrabackup_binlog_info").write_text("mysql-bin.000002\t385\t0-1-%d\n" % (100 + len(self.snapshots)))
        return 0, "", "completed OK!"

    def _restic(self, args):
        if self.repository == "unreachable":
            return 1, "", "Fatal: unable to open repository at sftp:backup@lb1:/srv: ssh: connect: No route to host"
        if args[:2] == ["cat", "config"]:
            if self.repository == "missing":
                return 1, "", "Fatal: unable to open config file: stat /srv/restic/config: no such file or directory"
            return 0, "{}", ""
        if args[0] == "init":
            self.repository = "ok"
            return 0, "created restic repository", ""
        if args[0] == "snapshots":
            return 0, json.dumps(self.snapshots), ""
        if args[0] == "backup":
            if self.restic_backup_fails:
                return 1, "", "Fatal: unable to save snapshot: disk quota exceeded"
            tags = [args[i + 1] for i, a in enumerate(args) if a == "--tag"]
            self.snapshots.append({"id": "snap%d" % len(self.snapshots), "tags": tags, "paths": [args[-1]]})
            return 0, "", ""
        if args[0] == "forget":
            ids = [a for a in args[1:] if not a.startswith("--")]
            self.snapshots = [s for s in self.snapshots if s["id"] not in ids]
            return 0, "", ""
        raise AssertionError(args)

    def runs(self, tool):
        return [args for name, args in self.calls if name == tool]


@pytest.fixture
def host(tmp_path):
    (tmp_path / "staging").mkdir()
    (tmp_path / "binlogs").mkdir()
    conf = {"host": "db1", "staging": str(tmp_path / "staging"), "datadir": str(tmp_path / "datadir"),
            "binlog_dir": str(tmp_path / "binlogs"), "repository": "sftp:backup@lb1:/srv/restic",
            "password_file": "/etc/hastack/backup/restic-password", "defaults_file": "/etc/hastack/backup/client.cnf",
            "status_file": str(tmp_path / "status.json"), "full_every": 7 * DAY, "incrementals_max": 6,
            "keep_chains": 2, "keep_seconds": 0, "max_age": DAY + 3600, "binlogs": False}
    return FakeHost(conf)


def status(host):
    return json.loads(Path(host.conf["status_file"]).read_text())


def test_the_first_run_creates_the_repository_and_takes_a_full_backup_desynced(host):
    assert program.main(["run"], host) == 0
    assert [a[0] for a in host.runs("restic")][:2] == ["cat", "init"]
    assert host.calls.index(("sql", "SET GLOBAL wsrep_desync=ON")) < \
        [i for i, c in enumerate(host.calls) if c[0] == "mariabackup"][0] < \
        host.calls.index(("sql", "SET GLOBAL wsrep_desync=OFF"))
    assert "--galera-info" in host.runs("mariabackup")[0]
    (snapshot,) = host.snapshots
    assert "kind=full" in snapshot["tags"] and "binlog=mysql-bin.000002:385" in snapshot["tags"]
    staging = Path(host.conf["staging"])
    assert [p.name for p in staging.iterdir() if p.name != ".lock"] == ["lsn"]  # the data went; the LSN stays
    assert status(host)["last_good"]["kind"] == "full"


def test_the_next_run_is_an_incremental_on_the_last_set(host):
    program.main(["run"], host)
    host.clock += 3600
    assert program.main(["run"], host) == 0
    first, second = [galera_backup_name(s) for s in host.snapshots]
    assert "--incremental-basedir=%s/lsn/%s" % (host.conf["staging"], first) in host.runs("mariabackup")[1]
    assert "base=%s" % first in host.snapshots[1]["tags"] and "kind=incremental" in host.snapshots[1]["tags"]
    assert second.endswith("-incremental-db1")


def galera_backup_name(snapshot):
    return next(t for t in snapshot["tags"] if t.startswith("set="))[4:]


def test_an_incremental_whose_base_was_taken_elsewhere_becomes_a_full(host):
    program.main(["run"], host)
    for lsn in (Path(host.conf["staging"]) / "lsn").iterdir():
        lsn.rename(lsn.with_name("gone"))
    host.clock += 3600
    assert program.main(["run"], host) == 0
    assert "kind=full" in host.snapshots[1]["tags"]


def test_a_failed_mariabackup_is_never_taken_for_a_good_backup(host):
    host.mariabackup_fails = "Error writing file: No space left on device (errno 28)"
    assert program.main(["run"], host) == 1
    assert host.snapshots == []                                          # nothing reached the repository
    assert ("sql", "SET GLOBAL wsrep_desync=OFF") in host.calls           # the node is back in flow control
    assert [p.name for p in Path(host.conf["staging"]).iterdir() if p.name != ".lock"] == ["lsn"]
    failed = status(host)["last_failed"]
    assert "No space left on device" in failed["error"]
    assert program.main(["status"], host) == 1


def test_an_unreachable_repository_fails_before_the_node_is_touched(host):
    host.repository = "unreachable"
    assert program.main(["run"], host) == 1
    assert host.runs("mariabackup") == [] and not any(c[0] == "sql" for c in host.calls)
    assert "No route to host" in status(host)["last_failed"]["error"]


def test_a_full_backup_that_would_fill_the_disk_is_refused_before_desync(tmp_path, host):
    host.free = 2 ** 20
    assert program.main(["run"], host) == 1
    assert host.runs("mariabackup") == [] and ("sql", "SET GLOBAL wsrep_desync=ON") not in host.calls
    assert "would fill the disk" in status(host)["last_failed"]["error"]


def test_a_failed_copy_is_not_a_good_backup(host):
    host.restic_backup_fails = True
    assert program.main(["run"], host) == 1
    assert "disk quota exceeded" in status(host)["last_failed"]["error"]
    assert "last_good" not in status(host)


def test_retention_forgets_the_oldest_chain_and_its_lsn(host):
    host.conf["incrementals_max"] = 0     # a full every run: each run is a chain of its own
    for dummy in range(3):
        assert program.main(["run"], host) == 0
        host.clock += DAY
    assert len(host.snapshots) == 2 and host.runs("restic")[-1][0] == "forget"
    assert len(list((Path(host.conf["staging"]) / "lsn").iterdir())) == 2


def test_closed_binary_logs_are_copied_with_their_times_and_gtids(host):
    host.conf["binlogs"] = True
    logs = Path(host.conf["binlog_dir"])
    (logs / "mysql-bin.000002").write_bytes(binlog_bytes(T0 - 600, [(0, 1, 90)]))
    (logs / "mysql-bin.000003").write_bytes(binlog_bytes(T0 + 10, [(0, 1, 140), (1, 2, 7)]))
    host.binlogs = ["mysql-bin.000002", "mysql-bin.000003"]
    assert program.main(["run"], host) == 0
    assert ("sql", "FLUSH NO_WRITE_TO_BINLOG BINARY LOGS") in host.calls
    (log,) = [s for s in host.snapshots if program.BINLOG_TAG in s["tags"]]
    assert {"file=mysql-bin.000002", "start=%d" % (T0 - 600), "end=%d" % (T0 + 10), "gtid_end=0-1-140+1-2-7"} <= \
        set(log["tags"])
    sets, binlogs = program.catalogue(host)
    assert binlogs[0]["gtid_end"] == "0-1-140,1-2-7" and binlogs[0]["end"] == T0 + 10
    assert status(host)["binlogs_copied"] == ["mysql-bin.000002"]


def test_binary_logs_purged_before_they_were_copied_are_reported(host):
    host.conf["binlogs"] = True
    logs = Path(host.conf["binlog_dir"])
    for index, stamp in ((2, T0 - 600), (3, T0 - 300)):
        (logs / ("mysql-bin.%06d" % index)).write_bytes(binlog_bytes(stamp, [(0, 1, index * 10)]))
    host.binlogs = ["mysql-bin.000002", "mysql-bin.000003"]
    program.main(["run"], host)
    for index, stamp in ((6, T0 + 100), (7, T0 + 200)):
        (logs / ("mysql-bin.%06d" % index)).write_bytes(binlog_bytes(stamp, [(0, 1, index * 10)]))
    host.binlogs = ["mysql-bin.000006", "mysql-bin.000007"]
    host.clock += 3600
    assert program.main(["run"], host) == 0
    assert "binary logs after mysql-bin.000002 were purged before they were copied" in status(host)["problems"][0]
    assert program.main(["status"], host) == 1


def test_status_is_healthy_after_a_good_run_and_alerts_when_it_is_old(host, capsys):
    assert program.main(["status"], host) == 1          # nothing yet
    program.main(["run"], host)
    assert program.main(["status"], host) == 0
    host.clock += 2 * DAY
    assert program.main(["status"], host) == 1
    assert "is %d s old" % (2 * DAY) in capsys.readouterr().out


def test_status_as_json_says_the_same_for_a_monitor_and_the_role(host, capsys):
    assert program.main(["status", "--json"], host) == 1
    nothing = json.loads(capsys.readouterr().out)
    assert nothing["last_good"] is None and nothing["problems"]
    program.main(["run"], host)
    capsys.readouterr()
    host.clock += 60
    assert program.main(["status", "--json"], host) == 0
    good = json.loads(capsys.readouterr().out)
    assert good["last_good"]["kind"] == "full" and good["last_good"]["age"] == pytest.approx(60, abs=5)
    assert good["problems"] == [] and good["last_failed"] is None
    host.clock += 2 * DAY
    assert program.main(["status", "--json"], host) == 1
    assert any("is %d s old" % (2 * DAY + 60) in p for p in json.loads(capsys.readouterr().out)["problems"])


def test_a_second_run_while_one_holds_the_lock_refuses(host):
    import fcntl
    Path(host.conf["staging"], "lsn").mkdir(exist_ok=True)
    with open(Path(host.conf["staging"]) / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert program.main(["run"], host) == 1
    assert host.runs("mariabackup") == []


def test_binlog_head_refuses_a_file_that_is_not_a_binary_log(tmp_path):
    (tmp_path / "x").write_bytes(b"not a binlog")
    with pytest.raises(program.Failure, match="is not a binary log"):
        program.binlog_head(str(tmp_path / "x"))


def test_the_node_is_put_back_in_flow_control_whatever_stops_mariabackup(host):
    def interrupted(argv, env=None, timeout=None):
        host.calls.append((argv[0], argv[1:]))
        if argv[0] == "mariabackup":
            raise KeyboardInterrupt
        return FakeHost.run(host, argv, env, timeout)
    host.run = interrupted
    with pytest.raises(KeyboardInterrupt):
        program.main(["run"], host)
    assert host.calls[-1] == ("sql", "SET GLOBAL wsrep_desync=OFF")


def test_a_command_that_hangs_or_is_missing_is_a_failure_not_a_crash():
    real = program.Host({})
    assert real.run(["sleep", "5"], timeout=0.2) == (124, "", "sleep did not finish within 0.2 s")
    rc, dummy, err = real.run(["hastack-no-such-command"])
    assert rc == 127 and "cannot run" in err
