import pytest

from ansible_collections.hastack.web.plugins.module_utils import package_state


@pytest.mark.parametrize("args, expected", [
    (dict(name=["haproxy", "socat"], state="present", update_cache=True, cache_valid_time=3600), ["haproxy", "socat"]),
    (dict(name="haproxy,socat"), ["haproxy", "socat"]),
    (dict(pkg=["libapache2-mod-php8.2", "g++"]), ["libapache2-mod-php8.2", "g++"]),
    (dict(name=["rsync"], install_recommends=False, policy_rc_d=101, lock_timeout=None), ["rsync"]),
    # the builtin decides
    (dict(name=["haproxy"], state="latest"), None),
    (dict(name=["haproxy"], state="absent"), None),
    (dict(name=["haproxy=2.6.12-1"]), None),
    (dict(name=["haproxy:amd64"]), None),
    (dict(name=["php*"]), None),
    (dict(name=["/tmp/proxysql.deb"]), None),
    (dict(name=["Haproxy"]), None),
    (dict(name=[]), None),
    (dict(name=["haproxy"], autoremove=True), None),
    (dict(name=["haproxy"], upgrade="dist"), None),
    (dict(name=["haproxy"], default_release="bookworm-backports"), None),
    (dict(deb="/tmp/proxysql.deb"), None),
    (dict(update_cache=True), None),
    (dict(name=["a1"], pkg=["b1"]), None),
])
def test_askable(args, expected):
    assert package_state.askable(args) == expected


def test_the_probe_quotes_each_name():
    command = package_state.probe_command(["haproxy", "g++"], lambda name: "<%s>" % name)
    assert command.endswith("-- <haproxy> <g++>")
    assert "${db:Status-Abbrev} ${Package}" in command


@pytest.mark.parametrize("names, stdout, expected", [
    (["haproxy", "socat"], "ii  haproxy\nii  socat\n", True),
    (["haproxy"], "hi  haproxy\n", True),                              # held, installed
    (["libc6"], "ii  libc6\nii  libc6\n", True),                       # two architectures
    (["haproxy", "socat"], "ii  haproxy\n", False),                    # one not listed
    (["haproxy"], "rc  haproxy\n", False),                             # removed, configuration left
    (["haproxy"], "un  haproxy\n", False),
    (["haproxy"], "iU  haproxy\n", False),                             # unpacked, not configured
    (["haproxy"], "iiR haproxy\n", False),                             # reinstall required
    (["libc6"], "ii  libc6\nrc  libc6\n", False),                      # one architecture removed
    (["haproxy"], "ii haproxy\n", False),
    (["haproxy"], "", False),
    (["haproxy"], None, False),
    (["haproxy"], "dpkg-query: no packages found matching haproxy\n", False),
])
def test_all_installed(names, stdout, expected):
    assert package_state.all_installed(names, stdout) is expected
