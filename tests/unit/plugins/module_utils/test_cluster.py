import pytest

from ansible_collections.hastack.web.plugins.module_utils import cluster

GOOD = {
    "lb1": {"hastack_private_address": "172.22.77.14"},
    "lb2": {"hastack_private_address": "172.22.77.15"},
    "db1": {"hastack_private_address": "fd00::21"},
}


@pytest.mark.parametrize("name, ok", [
    ("lb1", True),
    ("web-1", True),
    ("db1.example.net", True),
    ("a" * 63, True),
    ("a" * 64, False),
    ("-web", False),
    ("web-", False),
    ("web_1", False),
    ("web..1", False),
    ("", False),
    (None, False),
])
def test_hostname_problems(name, ok):
    assert (cluster.hostname_problems(name) == []) is ok


@pytest.mark.parametrize("members, hostvars, expected", [
    # complete, valid table (IPv4 and IPv6)
    (["lb1", "lb2", "db1"], GOOD, []),
    # a member without an address: name the host, the variable and the fix
    (["lb1", "web1"], dict(GOOD, web1={}),
     ["web1 has no hastack_private_address: set it to the host's cluster address in the inventory"]),
    (["lb1", "web1"], dict(GOOD, web1={"hastack_private_address": ""}),
     ["web1 has no hastack_private_address: set it to the host's cluster address in the inventory"]),
    # a member that is not in the inventory at all
    (["lb1", "ghost"], GOOD, ["ghost is listed as a cluster member but is not in the inventory"]),
    # not an address
    (["lb1", "web1"], dict(GOOD, web1={"hastack_private_address": "172.22.77.300"}),
     ["web1: hastack_private_address='172.22.77.300' is not an IP address"]),
    (["web1"], {"web1": {"hastack_private_address": "172.22.77.0/24"}},
     ["web1: hastack_private_address='172.22.77.0/24' is not an IP address"]),
    # addresses others cannot reach it on
    (["web1"], {"web1": {"hastack_private_address": "127.0.0.1"}},
     ["web1: hastack_private_address=127.0.0.1 is a loopback, unspecified or multicast address; "
      "use the address other members reach it on"]),
    (["web1"], {"web1": {"hastack_private_address": "0.0.0.0"}},
     ["web1: hastack_private_address=0.0.0.0 is a loopback, unspecified or multicast address; "
      "use the address other members reach it on"]),
    # duplicates, also when written differently
    (["lb1", "web1"], dict(GOOD, web1={"hastack_private_address": "172.22.77.14"}),
     ["lb1 and web1 have the same hastack_private_address 172.22.77.14: each member needs its own address"]),
    (["db1", "db2"], dict(GOOD, db2={"hastack_private_address": "FD00:0::21"}),
     ["db1 and db2 have the same hastack_private_address fd00::21: each member needs its own address"]),
    # invalid inventory name
    (["web_1"], {"web_1": {"hastack_private_address": "10.0.0.1"}},
     ["inventory host 'web_1': short name 'web_1' has invalid label(s) 'web_1': "
      "use letters, digits and inner hyphens only"]),
    # every problem is reported, not just the first
    (["lb1", "a", "b"], dict(GOOD, a={}, b={"hastack_private_address": "x"}),
     ["a has no hastack_private_address: set it to the host's cluster address in the inventory",
      "b: hastack_private_address='x' is not an IP address"]),
])
def test_address_problems(members, hostvars, expected):
    assert cluster.address_problems(members, hostvars, "hastack_private_address") == expected


@pytest.mark.parametrize("members, domain, extra, expected", [
    (["lb1", "lb2"], "", None,
     [{"address": "172.22.77.14", "names": ["lb1"]},
      {"address": "172.22.77.15", "names": ["lb2"]}]),
    (["lb1"], "lab.example.", None,
     [{"address": "172.22.77.14", "names": ["lb1.lab.example", "lb1"]}]),
    (["db1"], "", [{"address": "10.0.0.9", "names": "backup"}],
     [{"address": "fd00::21", "names": ["db1"]},
      {"address": "10.0.0.9", "names": ["backup"]}]),
])
def test_hosts_entries(members, domain, extra, expected):
    assert cluster.hosts_entries(members, GOOD, "hastack_private_address", domain, extra) == expected


def test_hosts_entries_keeps_an_fqdn_inventory_name():
    hostvars = {"web1.example.net": {"addr": "10.1.1.1"}}
    assert cluster.hosts_entries(["web1.example.net"], hostvars, "addr") == [
        {"address": "10.1.1.1", "names": ["web1.example.net", "web1"]}]


@pytest.mark.parametrize("members, extra, message", [
    (["lb1", "x"], None, "x is listed as a cluster member but is not in the inventory"),
    (["lb1"], [{"address": "nope", "names": ["a"]}], "address is not an IP address"),
    (["lb1"], [{"address": "10.0.0.1", "names": []}], "has no names"),
    (["lb1"], [{"address": "10.0.0.1", "names": ["bad_name"]}], "'bad_name' has invalid label"),
])
def test_hosts_entries_refuses_bad_input(members, extra, message):
    with pytest.raises(ValueError, match=message):
        cluster.hosts_entries(members, GOOD, "hastack_private_address", "", extra)
