"""The failover test on the deployed lab, after make failover-test-check's run: a vip-holder
trial cuts the balancer that holds the VIP when it starts, and the isolation heals itself
when the controller is killed while db1 is cut off by nftables (no repair task runs; the
transient timer on db1 must remove the rule after failover_test_isolation_heal seconds, and
db1 must answer and rejoin)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HEAL = 12  # seconds: long enough to see the rule outlive the controller, short for CI


def nft_table(container):
    return subprocess.run(["docker", "exec", container, "nft", "list", "table", "inet", "hastack_isolate"],
                          capture_output=True, text=True, timeout=30, check=False).returncode == 0


def answers(address, port=3306):
    try:
        socket.create_connection((address, port), timeout=2).close()
        return True
    except OSError:
        return False


def synced(container):
    out = subprocess.run(["docker", "exec", container, "mariadb", "-N", "-B", "-e",
                          "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size')"],
                         capture_output=True, text=True, timeout=30, check=False).stdout
    return "Synced" in out and "\t3" in out


def test_each_vip_holder_trial_cut_the_balancer_holding_the_vip_then():
    """make failover-test-check stops the VIP's holder, then kills the holder's HAProxy: the VIP
    moved in the first (nopreempt keeps it where it went), so the second must cut the other."""
    run = os.environ.get("FAILOVER_TEST_CHECK_RUN")
    if not run:
        pytest.skip("reads the run make failover-test-check makes just before (FAILOVER_TEST_CHECK_RUN)")
    trials = [t for t in json.loads(Path(run).read_text())["trials"] if t.get("vip_holder")]
    assert [t["kind"] for t in trials] == ["stop", "kill"], trials
    assert trials[0]["tier"] == trials[1]["tier"] == "balancers"
    assert trials[0]["host"] != trials[1]["host"], "both vip-holder trials cut %s" % trials[0]["host"]


def test_the_database_writer_ran_in_every_trial_and_lost_nothing():
    """The lab's inventory gives the writer the demo's user: every trial wrote through a web
    server's ProxySQL, on a web server the trial did not cut, and read every row back."""
    run = os.environ.get("FAILOVER_TEST_CHECK_RUN")
    if not run:
        pytest.skip("reads the run make failover-test-check makes just before (FAILOVER_TEST_CHECK_RUN)")
    for trial in json.loads(Path(run).read_text())["trials"]:
        writes = trial["writes"]
        assert writes["read_back"] and writes["lost"] == [], trial["host"]
        assert writes["acknowledged"] >= 0.9 * writes["summary"]["requests"] > 0, writes["summary"]
        assert writes["host"] != trial["host"]


def test_an_isolation_heals_itself_when_the_controller_dies(tmp_path):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    log = (tmp_path / "play.log").open("w")
    play = subprocess.Popen([str(BIN / "ansible-playbook"), "playbooks/failover_test.yml",
                             "-e", "failover_test_confirm=true", "-e", "failover_test_lead=1",
                             "-e", "failover_test_hold=90", "-e", "failover_test_tail=1",
                             "-e", "failover_test_isolation_heal=%d" % HEAL, "-e", "failover_test_out=%s" % tmp_path,
                             "-e", '{"failover_test_faults": [{"kind": "isolate", "host": "db1"}]}'],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not nft_table("hastack-db1"):
            assert play.poll() is None, (tmp_path / "play.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "db1 was never isolated"
            time.sleep(0.5)
        isolated_at = time.monotonic()
        assert not answers("172.22.77.21")
    finally:
        os.killpg(play.pid, signal.SIGKILL)  # the controller dies: no repair task will run
        play.wait(30)
    time.sleep(2)
    assert nft_table("hastack-db1"), "the rule went away with the controller, not by the timer"
    while nft_table("hastack-db1"):
        assert time.monotonic() - isolated_at < HEAL + 15, "the isolation did not heal itself"
        time.sleep(0.5)
    healed = time.monotonic() - isolated_at
    assert HEAL - 3 <= healed <= HEAL + 15, healed
    deadline = time.monotonic() + 120
    while not (answers("172.22.77.21") and synced("hastack-db1")):
        assert time.monotonic() < deadline, "db1 did not rejoin after the isolation healed"
        time.sleep(1)
