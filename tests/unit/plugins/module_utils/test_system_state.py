import pytest

from ansible_collections.hastack.web.plugins.module_utils import system_state as s

QUOTE = "<%s>".__mod__
FILE = "/etc/sysctl.d/60-hastack-common.conf"


# ---------------------------------------------------------------- sysctl

@pytest.mark.parametrize("args, expected", [
    (dict(name="net.core.somaxconn", value=4096, sysctl_file=FILE, sysctl_set=True, state="present"),
     dict(name="net.core.somaxconn", value="4096", file=FILE, live=True)),
    (dict(key=" net.core.somaxconn ", val="4096"), dict(name="net.core.somaxconn", value="4096",
                                                        file="/etc/sysctl.conf", live=True)),
    (dict(name="net.ipv4.ip_nonlocal_bind", value=True, reload=False), dict(
        name="net.ipv4.ip_nonlocal_bind", value="1", file="/etc/sysctl.conf", live=False)),
    (dict(name="net.ipv4.ip_nonlocal_bind", value="yes", reload="no", sysctl_set="yes"), dict(
        name="net.ipv4.ip_nonlocal_bind", value="1", file="/etc/sysctl.conf", live=True)),
    (dict(name="vm.swappiness", value="off", reload=False, sysctl_set=False, ignoreerrors=True), dict(
        name="vm.swappiness", value="0", file="/etc/sysctl.conf", live=False)),
    (dict(name="net/ipv4/ip_local_port_range", value=" 10240 65535 "), dict(
        name="net/ipv4/ip_local_port_range", value="10240 65535", file="/etc/sysctl.conf", live=True)),
    # the module decides
    (dict(name="net.core.somaxconn", value=4096, state="absent"), None),
    (dict(name="net.core.somaxconn"), None),
    (dict(name="net.core.somaxconn", value=""), None),
    (dict(name="net.core.somaxconn", value=0.5), None),
    (dict(name="net.core.somaxconn", value=[1]), None),
    (dict(name="net.core.somaxconn", value=1, sysctl_file="relative.conf"), None),
    (dict(name="net.core.somaxconn", value=1, reload="sometimes"), None),
    (dict(name="net.core.somaxconn; reboot", value=1), None),
    (dict(name="net.core.somaxconn", key="net.core.somaxconn", value=1), None),
    (dict(name="net.core.somaxconn", value=1, unknown_option=True), None),
])
def test_sysctl_askable(args, expected):
    assert s.sysctl_askable(args) == expected


def test_the_sysctl_probe_reads_the_kernel_then_the_file():
    asked = s.sysctl_askable(dict(name="net.core.somaxconn", value=4096, sysctl_file=FILE))
    assert s.sysctl_probe_command(asked, QUOTE) == (
        "LC_ALL=C sysctl -e -n <net.core.somaxconn>; echo %s; cat -- <%s>" % (s.SYSCTL_MARK, FILE))


LIVE = dict(name="net.ipv4.ip_local_port_range", value="10240 65535", file=FILE, live=True)
FILE_ONLY = dict(LIVE, live=False)


def out(running, text):
    return "%s\n%s\n%s" % (running, s.SYSCTL_MARK, text)


@pytest.mark.parametrize("asked, stdout, expected", [
    (LIVE, out("10240\t65535", "net.ipv4.ip_local_port_range=10240 65535\n"), True),
    (LIVE, out("10240 65535", "# comment\n\nnet.ipv4.ip_local_port_range = 10240 65535\nnet.core.somaxconn=4096\n"),
     True),
    (LIVE, out("10240 65535", "net.ipv4.ip_local_port_range=1 2\nnet.ipv4.ip_local_port_range=10240 65535\n"),
     True),                                                                                # the last line wins
    (FILE_ONLY, out("32768 60999", "net.ipv4.ip_local_port_range=10240 65535\n"), True),    # the kernel does not matter
    (LIVE, out("32768\t60999", "net.ipv4.ip_local_port_range=10240 65535\n"), False),       # the kernel differs
    (LIVE, out("", "net.ipv4.ip_local_port_range=10240 65535\n"), False),                   # unknown to the kernel
    (LIVE, out("10240 65535", "net.ipv4.ip_local_port_range=10240  65535\n"), False),       # the module compares the file exactly
    (LIVE, out("10240 65535", "net.ipv4.ip_local_port_range=10240 65535 1\n"), False),
    (LIVE, out("10240 65535", "; net.ipv4.ip_local_port_range=10240 65535\n"), False),      # commented out
    (LIVE, out("10240 65535", ""), False),
    (LIVE, "10240 65535\nnet.ipv4.ip_local_port_range=10240 65535\n", False),               # no marker
    (LIVE, None, False),
])
def test_sysctl_in_state(asked, stdout, expected):
    assert s.sysctl_in_state(asked, stdout) is expected


# ---------------------------------------------------------------- hostname

DEBIAN = {"distribution": "Debian", "os_family": "Debian"}


@pytest.mark.parametrize("args, facts, expected", [
    (dict(name="web1"), DEBIAN, "web1"),
    (dict(name="web1.example.org"), {"distribution": "Ubuntu"}, "web1.example.org"),
    (dict(name="web1", use="systemd"), None, "web1"),
    (dict(name="web1", use="debian"), {"distribution": "CentOS"}, "web1"),
    # the module decides
    (dict(name="web1"), None, None),                                  # facts not gathered: strategy unknown
    (dict(name="web1"), {"distribution": "CentOS"}, None),
    (dict(name="web1", use="redhat"), DEBIAN, None),
    (dict(name="web1", use="generic"), DEBIAN, None),
    (dict(name="web_1"), DEBIAN, None),
    (dict(name="-web1"), DEBIAN, None),
    (dict(name=""), DEBIAN, None),
    (dict(name="web1", other=1), DEBIAN, None),
])
def test_hostname_askable(args, facts, expected):
    assert s.hostname_askable(args, facts) == expected


@pytest.mark.parametrize("stdout, expected", [
    ("web1\nweb1\n", True),
    ("web1\n  web1\n\n", True),
    ("web1\nweb2\n", False),                        # /etc/hostname says otherwise
    ("hastack-web1\nweb1\n", False),                # the running name differs
    ("web1\nweb1\n# a comment\n", False),           # the file holds more than the name
    ("web1\n", False),
    ("web1", False),
    (None, False),
])
def test_hostname_in_state(stdout, expected):
    assert s.hostname_in_state("web1", stdout) is expected


# ---------------------------------------------------------------- time zone

@pytest.mark.parametrize("args, expected", [
    (dict(name="Etc/UTC"), "Etc/UTC"),
    (dict(name="America/Argentina/Buenos_Aires"), "America/Argentina/Buenos_Aires"),
    (dict(name="Etc/GMT+3", hwclock=None), "Etc/GMT+3"),
    (dict(name="UTC"), "UTC"),
    # the module decides
    (dict(name="Etc/UTC", hwclock="UTC"), None),
    (dict(hwclock="local"), None),
    (dict(name="../../etc/passwd"), None),
    (dict(name="/usr/share/zoneinfo/UTC"), None),
    (dict(name="Europe/Paris; reboot"), None),
    (dict(name=""), None),
])
def test_timezone_askable(args, expected):
    assert s.timezone_askable(args) == expected


def test_the_zone_probe_asks_timedatectl_and_the_zone_file():
    assert s.timezone_probe_command("Etc/UTC", QUOTE) == (
        "timedatectl show -p Timezone --value && test -f </usr/share/zoneinfo/Etc/UTC>")


@pytest.mark.parametrize("stdout, expected", [
    ("Etc/UTC\n", True),
    ("UTC\n", False),              # the module compares the names, not the zones they mean
    ("Europe/Paris\n", False),
    ("", False),
    (None, False),
])
def test_timezone_in_state(stdout, expected):
    assert s.timezone_in_state("Etc/UTC", stdout) is expected
