"""Helpers for the testinfra suites of every scenario."""

import os
import subprocess
import time

import testinfra


def node(name):
    """A testinfra host for one instance of the running scenario."""
    return testinfra.get_host(
        "ansible://%s" % name, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def assert_active(host, unit):
    """Assert a systemd unit runs; on failure show its status and journal."""
    service = host.service(unit)
    if not service.is_running:
        detail = host.run("systemctl status --no-pager %s; journalctl -u %s -n 40 --no-pager", unit, unit)
        raise AssertionError("%s is not running:\n%s%s" % (unit, detail.stdout, detail.stderr))


def wait_for(check, timeout, interval=1.0, what="condition"):
    """Poll check() until it returns a truthy value or `timeout` seconds pass; return the value.

    For behaviour that takes time by design (an NTP exchange, a VRRP election). The
    bound is part of what is tested: failing to settle in time fails the test.
    """
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("%s not reached within %.0f s (last: %r)" % (what, timeout, last))


def docker_exec(node, *cmd, check=True, timeout=120):
    """Run a command in a scenario container; with check, a non-zero exit fails the test
    and shows the command's output."""
    proc = subprocess.run(["docker", "exec", node, *cmd], capture_output=True, text=True, timeout=timeout,
                          check=False)
    if check and proc.returncode:
        raise AssertionError("%s: %s failed: %s%s" % (node, " ".join(cmd), proc.stdout, proc.stderr))
    return proc


def boot(*nodes, timeout=120):
    """Start stopped scenario containers, as power coming back, and wait until each one's systemd
    has reached basic.target (filesystems mounted, /tmp set up): a user's SSH session, and so any
    playbook, comes no earlier. A docker exec right after the start can run before that, where
    a module's output can be lost while the container still sets itself up."""
    subprocess.run(["docker", "start", *nodes], check=True, capture_output=True, timeout=timeout)
    for node in nodes:
        wait_for(lambda: docker_exec(node, "systemctl", "is-active", "basic.target", check=False).stdout.strip()
                 == "active", timeout, interval=0.5, what="%s booted to basic.target" % node)


def wait_until(check, timeout, what, interval=0.05):
    """Poll check() until it is truthy; return the seconds it took. Bounded: after
    `timeout` seconds the test fails, naming `what`. For sub-second measurements, where
    wait_for's one-second default is too coarse."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError("%s not reached within %.1f s" % (what, timeout))
        time.sleep(interval)
    return time.monotonic() - start
