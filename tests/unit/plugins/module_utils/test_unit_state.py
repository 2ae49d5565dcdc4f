import shlex

import pytest

from ansible_collections.hastack.web.plugins.module_utils import unit_state


@pytest.mark.parametrize("args, expected", [
    (dict(name="haproxy", state="started", enabled=True), ("unit", "haproxy")),
    (dict(name="chrony", state="started", enabled=True, daemon_reload=True), ("unit", "chrony")),
    (dict(unit="lsyncd.service", state="stopped", enabled=False, no_block=True), ("unit", "lsyncd.service")),
    (dict(name="mariadb.socket", masked=True), ("unit", "mariadb.socket")),
    (dict(name="getty@tty1", enabled=True, daemon_reload=False, daemon_reexec=False, force=False, scope="system"),
     ("unit", "getty@tty1")),
    (dict(daemon_reload=True), ("reload", None)),
    (dict(daemon_reload=True, scope="system", no_block=False), ("reload", None)),
    # the builtin decides
    (dict(name="haproxy", state="restarted"), None),
    (dict(name="haproxy", state="reloaded"), None),
    (dict(name="haproxy", state="started", scope="user"), None),
    (dict(name="haproxy", daemon_reexec=True), None),
    (dict(name="haproxy", enabled=True, force=True), None),
    (dict(name="haproxy", masked=True, enabled=False), None),
    (dict(name="haproxy", masked=False, state="started"), None),
    (dict(name="ha proxy", state="started"), None),
    (dict(name="haproxy", state="started", some_future_option=1), None),
    (dict(daemon_reload=False), None),
    (dict(), None),
])
def test_askable(args, expected):
    assert unit_state.askable(args) == expected


def test_the_probe_names_the_unit_and_its_init_script():
    command = unit_state.probe_command("haproxy.service", shlex.quote)
    assert command.count("-- haproxy.service") == 2
    assert "[ -e /etc/init.d/haproxy ]" in command


def probe(load="loaded", active="active", sysv="no", rc=0, printed="enabled"):
    return "LoadState=%s\nActiveState=%s\nSysV=%s\nIsEnabledRc=%d\nIsEnabled=%s\n" % (load, active, sysv, rc, printed)


def test_parse_keeps_every_line_is_enabled_printed():
    found = unit_state.parse_probe(probe(printed="enabled\n  /etc/systemd/system/multi-user.target.wants/x.service"))
    assert found["IsEnabled"] == "enabled\n  /etc/systemd/system/multi-user.target.wants/x.service"
    assert found["LoadState"] == "loaded" and found["IsEnabledRc"] == "0"


@pytest.mark.parametrize("stdout", [
    "", None, "LoadState=loaded\nActiveState=active\n",
    "LoadState=loaded\nLoadState=loaded\nActiveState=active\nSysV=no\nIsEnabledRc=0\nIsEnabled=enabled\n",
    "LoadState=loaded\nActiveState=active\nSysV=no\nIsEnabledRc=x\nIsEnabled=enabled\n",
    "Failed to connect to bus\n",
])
def test_output_the_probe_does_not_print_is_not_taken(stdout):
    assert unit_state.parse_probe(stdout) is None


STARTED = dict(name="x", state="started", enabled=True)
STOPPED = dict(name="x", state="stopped", enabled=False)


@pytest.mark.parametrize("args, stdout, expected", [
    (STARTED, probe(), True),
    (STARTED, probe(active="activating"), True),
    (STARTED, probe(rc=0, printed="static"), True),
    (STARTED, probe(printed="enabled\n  /etc/systemd/system/multi-user.target.wants/x.service"), True),
    (STARTED, probe(active="inactive"), False),
    (STARTED, probe(active="failed"), False),
    (STARTED, probe(rc=1, printed="disabled"), False),
    (STARTED, probe(rc=0, printed="enabled-runtime"), False),   # the builtin enables it for good
    (STARTED, probe(rc=0, printed="indirect"), False),
    (STARTED, probe(rc=0, printed="alias"), False),
    (STARTED, probe(load="not-found", active="inactive", rc=1, printed=""), False),
    (STARTED, probe(load="masked", rc=1, printed="masked"), False),
    (STOPPED, probe(active="inactive", rc=1, printed="disabled"), True),
    (STOPPED, probe(active="failed", rc=1, printed="disabled", sysv="yes"), True),
    (STOPPED, probe(active="inactive", rc=0, printed="indirect"), True),  # the builtin sees it not enabled
    (STOPPED, probe(active="deactivating", rc=1, printed="disabled"), False),
    (STOPPED, probe(active="active", rc=1, printed="disabled"), False),
    (STOPPED, probe(active="inactive", rc=0, printed="enabled"), False),
    (STOPPED, probe(active="inactive", rc=1, printed="", sysv="yes"), False),  # the init script decides
    (STOPPED, probe(active="inactive", rc=4, printed=""), False),
    (dict(name="x", state="stopped"), probe(load="masked", active="inactive", rc=1, printed="masked"), True),
    (dict(name="x", masked=True), probe(load="masked", active="inactive", rc=1, printed="masked"), True),
    (dict(name="x", masked=True), probe(), False),
    (dict(name="x", masked=False), probe(), True),
    (dict(name="x", masked=False), probe(load="masked", active="inactive", rc=1, printed="masked"), False),
    (dict(name="x", enabled=True), probe(active="inactive"), True),
])
def test_in_state_decides_as_the_builtin(args, stdout, expected):
    assert unit_state.in_state(args, unit_state.parse_probe(stdout)) is expected


def test_the_unchanged_result_names_what_was_asked():
    result = unit_state.unchanged_result("x", STARTED, unit_state.parse_probe(probe()))
    assert result == dict(changed=False, name="x", state="started", enabled=True,
                          status=dict(LoadState="loaded", ActiveState="active"))
