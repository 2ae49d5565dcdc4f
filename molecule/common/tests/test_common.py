"""What a user relies on from hastack.web.common, checked on two containers.

common-ts serves time to the subnet (orphan mode, stratum 10); common-db follows it.
"""

import os
import subprocess
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


# On a converged host the collection's actions answer the name, the zone and the kernel
# settings from one shell command each: with no Python on the host (the interpreter is
# /bin/false) they still report no change. The modules they stand in front of cannot run so,
# which is the control: the test fails if the shortcut is not taken.
SHORTCUT_PLAY = """
- name: The common role's settings again, with no Python on the host
  hosts: common-db
  gather_facts: true
  gather_subset: [min]
  tasks:
    - name: The host name
      %(hostname)s:
        name: common-db
      vars: {ansible_python_interpreter: /bin/false}
    - name: The time zone
      %(timezone)s:
        name: Etc/UTC
      vars: {ansible_python_interpreter: /bin/false}
    - name: A kernel setting, in the file and the kernel
      %(sysctl)s:
        name: net.core.somaxconn
        value: 4096
        sysctl_file: /etc/sysctl.d/60-hastack-common.conf
        sysctl_set: true
      vars: {ansible_python_interpreter: /bin/false}
"""
OURS = {"hostname": "hastack.web.hostname", "timezone": "hastack.web.timezone", "sysctl": "hastack.web.sysctl"}
BUILTINS = {"hostname": "ansible.builtin.hostname", "timezone": "community.general.timezone",
            "sysctl": "ansible.posix.sysctl"}


def run_play(tmp_path, modules):
    root = Path(__file__).resolve().parents[3]
    (tmp_path / "play.yml").write_text(SHORTCUT_PLAY % modules)
    env = dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=str(root / ".collections"),
               ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([str(root / ".venv" / "bin" / "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
                           str(tmp_path / "play.yml")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("modules, passes", [(OURS, True), (BUILTINS, False)], ids=["shortcut", "builtin"])
def test_a_converged_host_is_answered_without_python(tmp_path, modules, passes):
    rc, out = run_play(tmp_path, modules)
    assert (rc == 0) is passes, out[-3000:]
    if passes:
        assert "ok=4" in out and "changed=0" in out, out[-3000:]

