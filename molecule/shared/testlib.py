"""Helpers for the testinfra suites of every scenario."""

import os
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
