"""What a user relies on from hastack.web.rsync_sync, on two web servers.

The primary topology first (rs-web1 pushes to rs-web2); the last tests re-run the role
with rsync_sync_topology=multi and check that both directions work without loops.
"""

import os
import shlex
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
from testlib import docker_exec as dexec, wait_until  # noqa: E402

PRIMARY, PEER = "rs-web1", "rs-web2"
SHARED, KEEP = "/srv/shared", "/srv/keep"


def exists(node, path):
    return dexec(node, "test", "-e", path, check=False).returncode == 0


def write(node, path, text="x"):
    dexec(node, "sh", "-c", "printf '%%s' %s > %s" % (shlex.quote(text), shlex.quote(path)))


FILES = 20  # one after another, each waited for: the figure itself is tools/lab experiment sync's


def test_files_written_on_the_primary_reach_the_peer():
    lags = []
    for n in range(FILES):
        name = "%s/f-%s-%d" % (SHARED, uuid.uuid4().hex[:8], n)
        write(PRIMARY, name, "file %d" % n)
        lags.append(wait_until(lambda: exists(PEER, name), 15, "%s on the peer" % name))
    lags.sort()
    print("propagation of %d files: median %.2f s, p95 %.2f s, max %.2f s (functional bound 15 s; "
          "the figure is measured by tools/lab experiment sync)" % (
              FILES, statistics.median(lags), lags[int(0.95 * len(lags)) - 1], lags[-1]))
    assert dexec(PEER, "cat", name).stdout == "file %d" % (FILES - 1)
    # the web server may write them: group www-data, group-writable
    mode = dexec(PEER, "stat", "-c", "%G %a", name).stdout.split()
    assert mode == ["www-data", "664"], mode


def test_excluded_files_stay_where_they_are():
    write(PRIMARY, SHARED + "/upload.tmp")
    write(PRIMARY, SHARED + "/after-the-tmp")
    wait_until(lambda: exists(PEER, SHARED + "/after-the-tmp"), 15, "the file after the excluded one")
    assert not exists(PEER, SHARED + "/upload.tmp")


def test_deletes_follow_the_policy():
    for directory in (SHARED, KEEP):
        write(PRIMARY, directory + "/doomed")
        wait_until(lambda: exists(PEER, directory + "/doomed"), 15, "doomed on the peer")
        dexec(PRIMARY, "rm", directory + "/doomed")
    write(PRIMARY, KEEP + "/marker")  # when it arrives, the delete has had its chance too
    wait_until(lambda: exists(PEER, KEEP + "/marker"), 15, "the marker")
    wait_until(lambda: not exists(PEER, SHARED + "/doomed"), 15, "the delete in " + SHARED)
    assert exists(PEER, KEEP + "/doomed"), "delete: false, yet the file was removed on the peer"


def test_status_shows_the_last_successful_sync_per_peer():
    out = dexec(PRIMARY, "hastack-sync", "status").stdout
    assert "lsyncd (hastack-sync.service): active" in out, out
    line = [ln for ln in out.splitlines() if "172.22.86.17" in ln][0]
    assert "last successful sync" in line and float(line.split("(")[1].split()[0]) < 60, out
    assert "receiver" in dexec(PEER, "hastack-sync", "status").stdout


def test_a_peer_that_was_down_catches_up_through_the_reconcile():
    subprocess.run(["docker", "stop", PEER], capture_output=True, timeout=120, check=True)
    try:
        names = ["%s/while-down-%d" % (SHARED, n) for n in range(5)]
        for name in names:
            write(PRIMARY, name)
        time.sleep(2)
    finally:
        subprocess.run(["docker", "start", PEER], capture_output=True, timeout=120, check=True)
    dexec(PEER, "systemctl", "is-system-running", "--wait", check=False)
    wait_until(lambda: dexec(PEER, "systemctl", "is-active", "ssh", check=False).stdout.strip() == "active",
               30, "the peer's SSH server", interval=0.5)
    # the timer is armed; run its service now instead of waiting for the interval
    assert "hastack-sync-reconcile.timer" in dexec(PRIMARY, "systemctl", "list-timers", "--all").stdout
    dexec(PRIMARY, "systemctl", "start", "hastack-sync-reconcile.service")
    for name in names:
        assert exists(PEER, name), name
    assert dexec(PRIMARY, "systemctl", "is-active", "hastack-sync").stdout.strip() == "active"


def converge_multi():
    env = dict(os.environ)
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", env["MOLECULE_INVENTORY_FILE"],
           "-e", "rsync_sync_topology=multi", os.path.join(os.path.dirname(__file__), "..", "converge.yml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.fixture(scope="module")
def multi():
    converge_multi()


def test_multi_both_directions(multi):
    write(PRIMARY, SHARED + "/from-web1")
    write(PEER, SHARED + "/from-web2")
    wait_until(lambda: exists(PEER, SHARED + "/from-web1"), 15, "web1's file on web2")
    wait_until(lambda: exists(PRIMARY, SHARED + "/from-web2"), 15, "web2's file on web1")


def test_multi_concurrent_writes_lose_nothing_and_nothing_loops(multi):
    for n in range(20):
        write(PRIMARY, "%s/both-a-%d" % (SHARED, n))
        write(PEER, "%s/both-b-%d" % (SHARED, n))
    expected = {"both-a-%d" % n for n in range(20)} | {"both-b-%d" % n for n in range(20)}

    def listing(node):  # what is synced: excluded files stay where they were written
        return {n for n in dexec(node, "ls", SHARED).stdout.split() if not n.endswith(".tmp")}

    for node in (PRIMARY, PEER):
        wait_until(lambda: expected <= listing(node), 20, "all 40 files on %s" % node, interval=0.2)
    # Each side echoes what it received back once, and that rsync changes nothing. A loop
    # never goes quiet; the echo does, however slow the machine is.
    print("lsyncd quiet %.1f s after the last file arrived" % wait_for_quiet(lsyncd_transfers, 6, 60))
    assert listing(PRIMARY) == listing(PEER)


def lsyncd_transfers():
    """How many transfers lsyncd has started on each node. Its log is its own: the reconcile
    timer's rsync, which may fire at any time, is not counted."""
    return tuple(dexec(node, "grep", "-c", "Calling rsync", "/var/log/hastack-sync.log", check=False).stdout.strip()
                 for node in (PRIMARY, PEER))


def wait_for_quiet(sample, window, timeout):
    """Wait until sample() has not changed for `window` seconds; fail after `timeout`."""
    start = time.monotonic()
    last, since = sample(), start
    while time.monotonic() - since < window:
        if time.monotonic() - start > timeout:
            raise AssertionError("lsyncd still transferring after %d s with nothing written: a sync loop (%s)"
                                 % (timeout, last))
        time.sleep(0.5)
        now = sample()
        if now != last:
            last, since = now, time.monotonic()
    return since - start
