"""Bad input to the common role fails in preflight, before anything changes, with a
message that names the variable and the fix.

Each case runs the real role through ansible-playbook against an inventory of fake
hosts on a local connection, always in check mode, so nothing on this machine can change
even if a check were missing. Bad input runs the whole role: the failure must come
before the first task that would change something (the package install reports a
change in check mode wherever chrony is not installed yet).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")

PLAYBOOK = """
- hosts: all
  gather_facts: true
  gather_subset: [min]
  any_errors_fatal: true
  roles:
    - role: hastack.web.common
"""

GOOD = {
    "lb1": {"hastack_private_address": "172.22.77.14"},
    "db1": {"hastack_private_address": "172.22.77.21"},
}


def run_role(tmp_path, hosts, group_vars=None, tags=None):
    inventory = {"all": {
        "vars": dict({"ansible_connection": "local",
                      "ansible_python_interpreter": sys.executable}, **(group_vars or {})),
        "hosts": hosts}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    # These fake hosts share names with the lab's; keep their facts (this machine's) in
    # memory only, so they can never be mistaken for the lab's.
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "play.yml"),
         "--check"] + (["--tags", tags] if tags else []),
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_good_input_passes_preflight(tmp_path):
    rc, out = run_role(tmp_path, GOOD, tags="preflight")
    assert rc == 0, out
    assert "changed=0" in out


@pytest.mark.parametrize("hosts, group_vars, expected", [
    # a host missing from the address table
    (dict(GOOD, web1={}), None,
     "web1 has no hastack_private_address: set it to the host's cluster address in the inventory"),
    # an invalid address
    (dict(GOOD, web1={"hastack_private_address": "172.22.77.300"}), None,
     "web1: hastack_private_address='172.22.77.300' is not an IP address"),
    # two hosts on one address
    (dict(GOOD, web1={"hastack_private_address": "172.22.77.14"}), None,
     "lb1 and web1 have the same hastack_private_address 172.22.77.14"),
    # a cluster member that is not in the inventory
    (GOOD, {"common_hosts_members": ["lb1", "db1", "db9"]},
     "db9 is listed as a cluster member but is not in the inventory"),
    # an invalid host name
    (GOOD, {"common_hostname": "web_1"}, "common_hostname: host name 'web_1' has invalid label"),
    # chrony without any time source
    (GOOD, {"common_ntp_sources": []}, "chrony needs at least one entry in common_ntp_sources"),
    # a bad network to serve time to
    (GOOD, {"common_ntp_allow": ["172.22.77.0/33"]},
     "common_ntp_allow must hold networks in CIDR form (e.g. 172.22.77.0/24); not valid: 172.22.77.0/33"),
    # a bad sysctl key
    (GOOD, {"common_sysctl_extra": {"somaxconn": 1}}, "sysctl_split: 'somaxconn' is not a sysctl key"),
    # wrong types and choices, caught by the argument spec
    (GOOD, {"common_ntp_local_stratum": "high"}, "common_ntp_local_stratum"),
    (GOOD, {"common_ntp_sources": [{"host": "ntp.example", "type": "peer"}]}, "type"),
    (GOOD, {"common_hosts_extra": [{"names": ["x"]}]}, "address"),
], ids=["missing-address", "invalid-address", "duplicate-address", "member-not-in-inventory",
        "bad-hostname", "no-time-source", "bad-ntp-allow", "bad-sysctl-key",
        "argspec-type", "argspec-choice", "argspec-required-suboption"])
def test_bad_input_fails_in_preflight_naming_the_variable(tmp_path, hosts, group_vars, expected):
    rc, out = run_role(tmp_path, hosts, group_vars)
    assert rc != 0, "bad input was accepted:\n" + out
    assert expected in out, out
    # the play stopped in the checks: no task past them ran, on any host
    assert "Install the base packages" not in out, out
