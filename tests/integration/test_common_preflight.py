"""Bad input to the common role fails in preflight, before anything changes, with a
message that names the variable and the fix.

Each case runs the real role through ansible-playbook against an inventory of fake
hosts on a local connection, always in check mode, so nothing on this machine can change
even if a check were missing. Bad input runs the whole role: the failure must come
before the first task that would change something (the package install reports a
change in check mode wherever chrony is not installed yet).
"""


import pytest
from playbook import run_playbook

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
    return run_playbook(tmp_path, PLAYBOOK, {"": hosts}, group_vars,
                        ["--check"] + (["--tags", tags] if tags else []))


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
