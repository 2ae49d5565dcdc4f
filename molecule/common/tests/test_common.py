"""What a user relies on from hastack.web.common, checked on two containers.

common-ts serves time to the subnet (orphan mode, stratum 10); common-db follows it.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
from testlib import assert_active, node, wait_for  # noqa: E402

MEMBERS = {"common-ts": "172.22.78.14", "common-db": "172.22.78.21"}
DOMAIN = "mol.hastack.internal"


@pytest.mark.parametrize("name, address", sorted(MEMBERS.items()))
def test_every_member_resolves_to_its_cluster_address(host, name, address):
    for query in (name, "%s.%s" % (name, DOMAIN)):
        entry = host.run("getent hosts %s", query)
        assert entry.rc == 0, "%s does not resolve on %s" % (query, host.backend.get_hostname())
        assert entry.stdout.split()[0] == address


def test_own_name_resolves_to_the_cluster_address_not_loopback(host):
    me = host.check_output("hostname")
    assert me in MEMBERS
    assert host.check_output("getent hosts %s", me).split()[0] == MEMBERS[me]
    assert host.check_output("hostname --fqdn") == "%s.%s" % (me, DOMAIN)


def test_extra_hosts_entry_resolves(host):
    assert host.check_output("getent hosts backup").split()[0] == "172.22.78.99"


def test_base_packages_are_installed(host):
    for package in ("chrony", "curl", "tzdata", "ca-certificates"):
        assert host.package(package).is_installed, package


def test_time_zone_is_utc(host):
    assert host.check_output("timedatectl show -p Timezone --value") == "Etc/UTC"


def test_chrony_runs_and_never_sets_the_container_clock(host):
    assert_active(host, "chrony")
    assert host.service("chrony").is_enabled
    # -x: in a container the host owns the clock; chrony keeps time without setting it
    assert "-x" in host.check_output("ps -o args= -C chronyd").split()


def test_client_follows_the_time_server():
    client = node("common-db")

    def selected():
        out = client.check_output("chronyc -n sources")
        return [line for line in out.splitlines() if line.startswith("^*") and "172.22.78.14" in line]

    # iburst: the first exchanges happen within seconds of chrony starting
    wait_for(selected, timeout=60, what="common-db selecting 172.22.78.14 as its time source")


def test_time_server_serves_the_subnet_in_orphan_mode():
    server = node("common-ts")
    tracking = server.check_output("chronyc -n tracking")
    assert "Stratum         : 10" in tracking
    wait_for(lambda: "172.22.78.21" in server.check_output("chronyc -n clients"), timeout=60,
             what="common-ts serving common-db")


def test_network_namespace_sysctls_are_applied(host):
    assert host.sysctl("net.core.somaxconn") == 4096
    assert host.sysctl("net.ipv4.ip_nonlocal_bind") == 1
    assert host.check_output("cat /proc/sys/net/ipv4/ip_local_port_range").split() == ["10240", "65535"]


def test_sysctls_persist_for_the_next_boot(host):
    persisted = host.file("/etc/sysctl.d/60-hastack-common.conf").content_string
    assert "net.ipv4.ip_nonlocal_bind=1" in persisted
    assert "net.core.somaxconn=4096" in persisted


def test_host_kernel_settings_are_left_alone_in_a_container(host):
    # vm.* and fs.* belong to the kernel the container shares with its host
    persisted = host.file("/etc/sysctl.d/60-hastack-common.conf").content_string
    assert "vm.swappiness" not in persisted
    assert "fs.inotify.max_user_watches" not in persisted
