import pytest

from ansible_collections.hastack.web.plugins.module_utils import galera_backup as backup

H = 3600
DAY = 24 * H


def full(name, finished, binlog=("mysql-bin.000001", 4), gtid="0-1-100", ok=True):
    return {"name": name, "kind": "full", "base": None, "started": finished - 60, "finished": finished,
            "binlog": {"file": binlog[0], "position": binlog[1]}, "gtid": gtid, "ok": ok}


def inc(name, base, finished, binlog=("mysql-bin.000001", 4), gtid="0-1-100", ok=True):
    return dict(full(name, finished, binlog, gtid, ok), kind="incremental", base=base)


def log(index, start, end, gtid_end="", copied=None):
    item = {"name": "mysql-bin.%06d" % index, "start": start, "end": end, "gtid_end": gtid_end}
    if copied is not None:
        item["copied"] = copied
    return item


# ---------------------------------------------------------------- what mariabackup writes

def test_checkpoints_are_read_for_both_kinds():
    assert backup.parse_checkpoints("backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 51234\n") == \
        {"kind": "full", "prepared": False, "from_lsn": 0, "to_lsn": 51234}
    assert backup.parse_checkpoints("backup_type = incremental\nfrom_lsn = 51234\nto_lsn = 60000\n")["kind"] == \
        "incremental"
    assert backup.parse_checkpoints("backup_type = full-prepared\nto_lsn = 9\n")["prepared"] is True
    assert backup.parse_checkpoints("") is None
    assert backup.parse_checkpoints("backup_type = full-backuped\nto_lsn = lots\n") is None


@pytest.mark.parametrize("text, expected", [
    ("mysql-bin.000012\t385\t0-1-1234\n", {"file": "mysql-bin.000012", "position": 385, "gtid": "0-1-1234"}),
    ("mysql-bin.000012\t385\n", {"file": "mysql-bin.000012", "position": 385, "gtid": ""}),
    ("", None),
    ("mysql-bin.000012\tsoon\n", None),
])
def test_binlog_info(text, expected):
    assert backup.parse_binlog_info(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("6c1d4f2a-1111-11ef-8000-0242ac164d15:42\n", {"uuid": "6c1d4f2a-1111-11ef-8000-0242ac164d15", "seqno": 42}),
    ("6c1d4f2a-1111-11ef-8000-0242ac164d15:42,0-1-40\n", {"uuid": "6c1d4f2a-1111-11ef-8000-0242ac164d15", "seqno": 42}),
    ("6c1d4f2a-1111-11ef-8000-0242ac164d15\n", None),
    ("", None),
])
def test_galera_info(text, expected):
    assert backup.parse_galera_info(text) == expected


@pytest.mark.parametrize("position, target, reached", [
    ("0-1-100", "0-1-100", True),
    ("0-1-100", "0-1-101", False),
    ("0-1-100,1-2-7", "1-2-7", True),
    ("0-1-100", "1-2-7", False),      # another domain: not reached
    ("", "0-1-1", False),
    ("0-2-150", "0-1-120", True),     # the seqno counts within a domain, whichever server wrote it
])
def test_gtid_reached(position, target, reached):
    assert backup.gtid_reached(position, target) is reached


def test_a_malformed_gtid_is_an_error_that_names_it():
    with pytest.raises(ValueError, match="'0-1' is not a GTID"):
        backup.parse_gtids("0-1")


# ---------------------------------------------------------------- chains, the next backup, retention

F1, I11, I12 = full("f1", 1 * DAY), inc("i11", "f1", 1 * DAY + H), inc("i12", "i11", 1 * DAY + 2 * H)
F2, I21 = full("f2", 2 * DAY), inc("i21", "f2", 2 * DAY + H)


def test_chains_follow_bases_and_leave_out_what_cannot_be_restored():
    orphan = inc("lost", "gone", 1 * DAY + 3 * H)
    broken = inc("i13", "i12", 1 * DAY + 4 * H, ok=False)
    after_broken = inc("i14", "i13", 1 * DAY + 5 * H)
    found = backup.chains([I12, F2, I11, F1, orphan, broken, after_broken, I21])
    assert [[s["name"] for s in c] for c in found] == [["f1", "i11", "i12"], ["f2", "i21"]]


NEXT = [
    ("nothing yet", [], 0, "full", None, "no good full backup"),
    ("only a failed full", [full("f0", 0, ok=False)], H, "full", None, "no good full backup"),
    ("an incremental on the newest set", [F2, I21], 2 * DAY + 2 * H, "incremental", "i21", "1 of 6"),
    ("a full when the last is a week old", [F2, I21], 9 * DAY, "full", None, "full every"),
    ("a full after the most incrementals", [F1, I11, I12], 1 * DAY + 3 * H, "full", None, "2 incrementals"),
]


@pytest.mark.parametrize("case, sets, now, kind, base, words", NEXT, ids=[c[0] for c in NEXT])
def test_next_backup(case, sets, now, kind, base, words):
    incrementals_max = 2 if "most" in case else 6
    decision = backup.next_backup(sets, now, 7 * DAY, incrementals_max)
    assert decision["kind"] == kind
    assert decision.get("base") == base
    assert words in decision["reason"]


RETENTION = [
    ("keeps the newest chains", [F1, I11, I12, F2, I21], 10 * DAY, 1, 0, ["f1", "i11", "i12"]),
    ("keeps chains younger than the age", [F1, I11, I12, F2, I21], 2 * DAY, 1, 3 * DAY, []),
    ("never forgets the only chain", [F1, I11], 100 * DAY, 0, 0, []),
    ("forgets a failed set once a newer chain exists", [full("f0", 0, ok=False), F1], 100 * DAY, 1, 0, ["f0"]),
    ("keeps a failed set newer than every full", [F1, inc("i19", "f1", 1 * DAY + 9 * H, ok=False)], 100 * DAY, 1, 0,
     []),
]


@pytest.mark.parametrize("case, sets, now, keep_chains, keep_seconds, forgotten", RETENTION,
                         ids=[c[0] for c in RETENTION])
def test_retention(case, sets, now, keep_chains, keep_seconds, forgotten):
    assert backup.retention(sets, now, keep_chains, keep_seconds) == forgotten


def test_binary_logs_are_kept_from_the_oldest_kept_set():
    old = full("f1", 1 * DAY, binlog=("mysql-bin.000003", 4))
    new = full("f2", 2 * DAY, binlog=("mysql-bin.000009", 4))
    assert backup.binlogs_needed_from([old, new], 10 * DAY, 1, 0) == "mysql-bin.000009"
    assert backup.binlogs_needed_from([old, new], 10 * DAY, 2, 0) == "mysql-bin.000003"
    assert backup.binlogs_needed_from([], 10 * DAY, 2, 0) is None


# ---------------------------------------------------------------- restore

B1 = full("b1", 1000, binlog=("mysql-bin.000002", 500), gtid="0-1-100")
B2 = inc("b2", "b1", 2000, binlog=("mysql-bin.000003", 700), gtid="0-1-200")
LOGS = [log(2, 900, 1500, "0-1-150"), log(3, 1500, 2500, "0-1-250"), log(4, 2500, None, "0-1-300", copied=3500)]

RESTORES = [
    ("the newest backup as it is", None, LOGS, {"chain": ["b1", "b2"], "replay": [], "start": None, "stop": None}),
    ("a chosen backup", {"set": "b1"}, LOGS, {"chain": ["b1"], "replay": [], "start": None, "stop": None}),
    ("a time between the two sets: the full, then its binary logs", {"time": 1800}, LOGS,
     {"chain": ["b1"], "replay": ["mysql-bin.000002", "mysql-bin.000003"],
      "start": {"file": "mysql-bin.000002", "position": 500}, "stop": {"datetime": 1800}}),
    ("a time after the last set, into the open binary log", {"time": 3000}, LOGS,
     {"chain": ["b1", "b2"], "replay": ["mysql-bin.000003", "mysql-bin.000004"],
      "start": {"file": "mysql-bin.000003", "position": 700}, "stop": {"datetime": 3000}}),
    ("a GTID between the sets", {"gtid": "0-1-180"}, LOGS,
     {"chain": ["b1"], "replay": ["mysql-bin.000002", "mysql-bin.000003"],
      "start": {"file": "mysql-bin.000002", "position": 500}, "stop": {"gtid": "0-1-180"}}),
]


@pytest.mark.parametrize("case, target, logs, expected", RESTORES, ids=[c[0] for c in RESTORES])
def test_restore_plan(case, target, logs, expected):
    assert backup.restore_plan([B1, B2], logs, target) == expected


REFUSALS = [
    ("no backup at all", [], {"time": 3000}, LOGS, "no good backup"),
    ("an unknown set", [B1, B2], {"set": "b9"}, LOGS, "backup b9 is not a good backup"),
    ("a time before every backup", [B1, B2], {"time": 10}, LOGS, "no backup ends before 1970-01-01 00:00:10 UTC"),
    ("a time after the copied binary logs", [B1, B2], {"time": 4000}, LOGS,
     "copied off-host end with mysql-bin.000004 (1970-01-01 00:58:20 UTC)"),
    ("a binary log missing in the middle", [B1, B2], {"time": 1800}, [LOGS[0], LOGS[2]],
     "binary log mysql-bin.000003 was not copied off-host: nothing covers 1970-01-01 00:25:00 UTC onwards"),
    ("the first binary log purged before it was copied", [B1, B2], {"time": 1800}, LOGS[1:],
     "binary log mysql-bin.000002, where replay starts after the backup, was not copied"),
    ("a GTID beyond the copies", [B1, B2], {"gtid": "0-1-999"}, LOGS, "end with mysql-bin.000004 (0-1-300)"),
    ("a GTID every backup holds", [B1, B2], {"gtid": "0-1-50"}, LOGS, "every good backup already holds 0-1-50"),
    ("a malformed GTID", [B1, B2], {"gtid": "0-1"}, LOGS, "'0-1' is not a GTID"),
]


@pytest.mark.parametrize("case, sets, target, logs, words", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_a_restore_that_would_lose_data_is_refused_naming_the_gap(case, sets, target, logs, words):
    plan = backup.restore_plan(sets, logs, target)
    assert set(plan) == {"problem"}
    assert words in plan["problem"]


# ---------------------------------------------------------------- status

GOOD = {"name": "f2", "finished": 10000}


@pytest.mark.parametrize("status, now, problems", [
    ({"last_good": GOOD}, 10500, []),
    (None, 10500, ["no backup has succeeded on this host"]),
    ({"last_good": GOOD}, 10000 + 2 * DAY, ["the last good backup (f2) is 172800 s old, more than 90000 s"]),
    ({"last_good": GOOD, "last_failed": {"name": "i3", "finished": 10400, "error": "repository unreachable"}}, 10500,
     ["the last backup, i3, failed: repository unreachable"]),
    ({"last_good": GOOD, "last_failed": {"name": "i0", "finished": 9000}}, 10500, []),   # failed before the good one
])
def test_status_problems(status, now, problems):
    assert backup.status_problems(status, now, 25 * H) == problems


# ---------------------------------------------------------------- where the copies go

@pytest.mark.parametrize("text, kind, user, host, path", [
    ("sftp:backup@ga-arb:/srv/backup/db", "sftp", "backup", "ga-arb", "/srv/backup/db"),
    ("sftp:b@10.0.0.5:/b", "sftp", "b", "10.0.0.5", "/b"),
    ("  sftp:backup@store.example.org:/srv/x/  ", "sftp", "backup", "store.example.org", "/srv/x/"),
    ("/mnt/backup/db", "local", "", "", "/mnt/backup/db"),
])
def test_a_supported_repository_is_split_into_its_parts(text, kind, user, host, path):
    assert backup.repository(text) == {"kind": kind, "user": user, "host": host, "path": path, "problems": []}


@pytest.mark.parametrize("text, expected", [
    (None, ["galera_backup_repository is not set", "there is no default for where backups live"]),
    ("", ["is not set", "sftp:USER@HOST:/PATH"]),
    ("sftp:ga-arb:/srv/backup", ["does not name the account (USER@)", "write sftp:USER@HOST:/PATH"]),
    ("sftp:backup@:/srv/backup", ["does not name the host"]),
    ("sftp:backup@ga-arb", ["the path on ga-arb must be an absolute directory"]),
    ("sftp:backup@ga-arb:backups", ["the path on ga-arb must be an absolute directory",
                                    "sftp:backup@ga-arb:/srv/backup/db"]),
    ("sftp:backup@ga-arb:/", ["must be an absolute directory"]),
    ("sftp://backup@ga-arb:2222//srv", ["restic's sftp:// form", "write sftp:USER@HOST:/PATH (the host's SSH port"]),
    ("s3:s3.amazonaws.com/bucket", ["restic's s3 backend", "the role supports"]),
    ("backups/db", ["a relative path", "an absolute path on the backed-up node"]),
    ("/", ["the root directory"]),
])
def test_a_repository_the_role_cannot_use_is_refused_with_the_fix(text, expected):
    problems = backup.repository(text)["problems"]
    assert problems, text
    for words in expected:
        assert any(words in problem for problem in problems), (words, problems)


def test_the_variable_named_is_the_one_given():
    assert backup.repository("", "galera_restore_repository")["problems"][0].startswith(
        "galera_restore_repository is not set")
