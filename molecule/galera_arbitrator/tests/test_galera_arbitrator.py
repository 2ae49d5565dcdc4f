"""What a user relies on from hastack.web.galera_arbitrator: two database nodes and garbd.

The controller is the cluster's only client. The faults come last: a database node loses
power under write load and the other goes on writing because garbd's vote keeps it a
majority; garbd crashes and comes back by itself; and, as the control that shows the vote
is what matters, the same power cut with garbd stopped leaves the survivor unable to write.
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
sys.path.insert(0, str(ROOT / "tools"))
from hastack_lab import galera as galera_lib  # noqa: E402  (the experiments' writer: records every acknowledged insert)
from testlib import docker_exec, wait_for  # noqa: E402

NODES = {"ga-db1": "172.22.88.21", "ga-db2": "172.22.88.22"}
ARBITRATOR = ("ga-arb", "172.22.88.14")
APP = ("hastack", "molecule-app-Jd48tLp2")


def status(node):
    """wsrep status of a node through its unix socket, or {} when MariaDB does not answer."""
    proc = docker_exec(node, "mariadb", "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE 'wsrep%'", check=False)
    return dict(line.split("\t", 1) for line in proc.stdout.splitlines() if "\t" in line) if proc.returncode == 0 else {}


def in_cluster_of(node, size):
    state = status(node)
    return (state.get("wsrep_cluster_status") == "Primary" and state.get("wsrep_local_state_comment") == "Synced"
            and state.get("wsrep_cluster_size") == str(size))


def whole():
    """Both nodes Synced in a primary component of three votes: garbd's is counted."""
    return all(in_cluster_of(node, 3) for node in NODES)


def connect(node):
    return pymysql.connect(host=NODES[node], user=APP[0], password=APP[1], database="hastack", autocommit=True,
                           connect_timeout=3)


def rows(node, run):
    with connect(node) as conn:
        return galera_lib.stored(conn, run)


def cut_power_under_writes(victim, survivor, run, seconds=6.0):
    """A writer on the survivor; the victim's container killed; the writer's outcomes and the
    monotonic time of the cut."""
    writer = galera_lib.Writer(name=survivor, host=NODES[survivor], user=APP[0], password=APP[1], run=run)
    stop = threading.Event()
    thread = writer.start(stop)
    time.sleep(2)
    cut = time.monotonic()
    subprocess.run(["docker", "kill", victim], check=True, capture_output=True, timeout=60)
    time.sleep(seconds)
    stop.set()
    thread.join(30)
    return writer, cut


def bring_back(victim):
    subprocess.run(["docker", "start", victim], check=True, capture_output=True, timeout=60)
    wait_for(whole, 240, what="%s back in a cluster of three votes (MariaDB starts at boot and rejoins)" % victim)


@pytest.fixture(scope="module", autouse=True)
def table():
    with connect("ga-db1") as conn, conn.cursor() as cur:
        cur.execute(galera_lib.SCHEMA)


def test_the_members_count_garbds_vote():
    assert whole(), {node: status(node).get("wsrep_cluster_size") for node in NODES}
    garbd = docker_exec(ARBITRATOR[0], "ps", "-C", "garbd", "-o", "user=").stdout.split()
    assert garbd == ["garbd"], "garbd should run once, as its own user: %s" % garbd


def test_garbd_speaks_tls_with_the_sites_certificate():
    out = docker_exec("ga-db1", "sh", "-c", "openssl s_client -connect %s:4567 -CAfile /etc/mysql/hastack-tls/ca.pem "
                      "</dev/null 2>&1" % ARBITRATOR[1], check=False).stdout
    assert "Verify return code: 0 (ok)" in out, out[-2000:]


# The trials of the power cut (HASTACK_ARBITRATOR_TRIALS, 1 by default) and where their
# figures go (HASTACK_ARBITRATOR_OUT, default build/molecule/galera_arbitrator/): results.json
# and report.md, rewritten after each trial.
TRIALS = int(os.environ.get("HASTACK_ARBITRATOR_TRIALS") or 1)
OUT = Path(os.environ.get("HASTACK_ARBITRATOR_OUT") or ROOT / "build" / "molecule" / "galera_arbitrator")
LAYOUT = "two MariaDB Galera nodes and garbd, replication over TLS, galera_evs_suspect_timeout 0.5"
FAULT = "ga-db2's container killed (a power cut) 2 s into a client's inserts on ga-db1, which go on 6 s more"


def report(trials):
    stalls = sorted(t["stall_ms"] for t in trials if t["stall_ms"] is not None)
    lines = ["# Two database nodes and garbd: a power cut of one node, %d trial%s" % (len(trials), "s"[len(trials) == 1:]),
             "", "Written by `molecule/galera_arbitrator/tests/test_galera_arbitrator.py` (`make molecule-galera_arbitrator`, "
             "HASTACK_ARBITRATOR_TRIALS=%d): %s; %s. Then ga-db2 starts again (MariaDB at boot) and every row ga-db1 "
             "acknowledged is looked for on it. Every trial in results.json." % (len(trials), LAYOUT, FAULT), "",
             "| trial | write stall (ms) | acknowledged | failed statements | ga-db1 Primary with garbd | ga-db2 back in (s) "
             "| acknowledged rows lost |", "|---|---|---|---|---|---|---|"]
    for number, t in enumerate(trials, 1):
        lines.append("| %d | %s | %s | %d | %s | %s | %d |" % (
            number, "%.0f" % t["stall_ms"] if t["stall_ms"] is not None else "none after the cut",
            "{:,}".format(t["acknowledged"]), t["failed"], "yes" if t["survivor_primary_of_2"] else "**no**",
            t["rejoined_s"], sum(len(rows_) for rows_ in t["lost"].values())))
    if stalls:
        lines += ["", "Write stall: median %.0f ms, max %.0f ms. Failed statements: %d; lost acknowledged rows: %d of %s." % (
            stalls[len(stalls) // 2], stalls[-1], sum(t["failed"] for t in trials),
            sum(len(rows_) for t in trials for rows_ in t["lost"].values()), "{:,}".format(sum(t["acknowledged"] for t in trials)))]
    return "\n".join(lines) + "\n"


def test_the_survivor_goes_on_writing_when_the_other_node_loses_power():
    trials = []
    for trial in range(TRIALS):
        run = "arb-cut-%d-%d" % (time.time(), trial)
        writer, cut = cut_power_under_writes("ga-db2", "ga-db1", run)
        after = [o for o in writer.outcomes if o.ok and o.done > cut + 2]
        result = {"stall_ms": galera_lib.stall_ms(writer.outcomes, cut), "acknowledged": len(writer.acknowledged()),
                  "failed": len(writer.failed()), "acknowledged_after_cut": len(after),
                  "survivor_primary_of_2": in_cluster_of("ga-db1", 2)}
        back = time.monotonic()
        bring_back("ga-db2")
        result["rejoined_s"] = round(time.monotonic() - back, 1)
        result["lost"] = galera_lib.lost({"ga-db1": writer.acknowledged()}, rows("ga-db2", run))
        trials.append(result)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.json").write_text(json.dumps({"layout": LAYOUT, "fault": FAULT, "trials": trials}, indent=1) + "\n")
        (OUT / "report.md").write_text(report(trials))
        assert len(after) > 50, "ga-db1 stopped taking writes after ga-db2 lost power: %s" % result
        # one suspect timeout (0.5 s) and the view change; garbd on Galera's 5 s default would hold it 5 s
        assert result["stall_ms"] is not None and result["stall_ms"] < 3000, result
        assert result["survivor_primary_of_2"], result
        assert result["lost"] == {}, result


def test_garbd_comes_back_by_itself_after_a_crash():
    docker_exec(ARBITRATOR[0], "systemctl", "kill", "--signal", "KILL", "garb")
    wait_for(lambda: in_cluster_of("ga-db1", 2), 30, interval=0.2, what="the members without garbd")
    wait_for(whole, 60, what="garbd back in the cluster (Restart=always)")


def test_without_garbd_the_survivor_of_a_power_cut_stops_writing():
    """The control: the same cut with garbd stopped (it leaves cleanly) leaves one node of two,
    not a majority, and it refuses writes until the other comes back."""
    docker_exec(ARBITRATOR[0], "systemctl", "stop", "garb")
    wait_for(lambda: in_cluster_of("ga-db1", 2), 30, interval=0.2, what="the members without garbd")
    try:
        run = "no-arb-cut-%d" % time.time()
        writer, cut = cut_power_under_writes("ga-db2", "ga-db1", run, seconds=4.0)
        after = [o for o in writer.outcomes if o.ok and o.done > cut + 2]
        assert after == [], "ga-db1 alone took writes: it should have lost quorum"
        assert status("ga-db1").get("wsrep_cluster_status") == "non-Primary"
    finally:
        docker_exec(ARBITRATOR[0], "systemctl", "start", "garb")
        bring_back("ga-db2")
