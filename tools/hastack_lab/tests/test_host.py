"""This machine's tools: what is installed, when, and what the user is told otherwise."""

import pytest

from hastack_lab import host as host_lib


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """A machine with the commands in `have`; apt_install records what it was asked for
    and makes those packages' commands appear."""
    state = {"have": {"sh"}, "root_on_debian": True, "installed": [], "provides": {}}
    monkeypatch.setattr(host_lib.shutil, "which",
                        lambda cmd: "/usr/bin/" + cmd if cmd in state["have"] else None)
    monkeypatch.setattr(host_lib, "is_root_on_debian", lambda: state["root_on_debian"])
    monkeypatch.setattr(host_lib, "INSTALL_LOCK", tmp_path / "install.lock")

    def apt_install(packages, log):
        state["installed"].append(packages)
        for pkg in packages:
            state["have"].update(state["provides"].get(pkg, [pkg]))
    monkeypatch.setattr(host_lib, "apt_install", apt_install)
    return state


def test_commands_that_are_there_install_nothing(machine):
    machine["have"].update({"wrk", "chromium"})
    assert host_lib.ensure_commands({"wrk": "wrk", "chromium": "chromium"}, "x", print) == \
        {"wrk": "/usr/bin/wrk", "chromium": "/usr/bin/chromium"}
    assert machine["installed"] == []


def test_root_on_debian_installs_only_the_missing_packages_once(machine):
    machine["have"].add("chromium")
    machine["provides"]["procps"] = ["ps", "pgrep"]
    paths = host_lib.ensure_commands({"chromium": "chromium", "ps": "procps", "pgrep": "procps", "wrk": "wrk"},
                                     "x", print)
    assert machine["installed"] == [["procps", "wrk"]]
    assert paths["pgrep"] == "/usr/bin/pgrep"


def test_elsewhere_the_error_names_the_packages_and_the_command(machine):
    machine["root_on_debian"] = False
    with pytest.raises(host_lib.HostError) as exc:
        host_lib.ensure_commands({"chromium": "chromium", "wrk": "wrk"}, "the browser check", print)
    assert "the browser check needs chromium, wrk" in str(exc.value)
    assert "`apt-get install chromium wrk`" in str(exc.value)
    assert machine["installed"] == []


def test_a_package_that_does_not_bring_its_command_is_an_error(machine):
    machine["provides"]["chromium"] = ["chromium-browser"]
    with pytest.raises(host_lib.HostError, match="chromium not on PATH after installing chromium"):
        host_lib.ensure_commands({"chromium": "chromium"}, "x", print)


def test_who_waited_for_the_lock_installs_nothing_when_the_other_installer_brought_it(machine, monkeypatch):
    """Two test workers missing chromium at once: the second, once it holds the lock,
    finds chromium there and leaves apt alone."""
    real_flock = host_lib.fcntl.flock

    def flock_while_another_installs(fd, op):
        machine["have"].add("chromium")  # the other worker finished while this one waited
        real_flock(fd, op)
    monkeypatch.setattr(host_lib.fcntl, "flock", flock_while_another_installs)
    assert host_lib.ensure_commands({"chromium": "chromium"}, "x", print) == {"chromium": "/usr/bin/chromium"}
    assert machine["installed"] == []
