"""The one model of the cluster: from `ansible-inventory --list` to servers, the VIP and the
credentials, with a clear error for an inventory the tools cannot use."""

import copy
from pathlib import Path

import pytest

from hastack_lab.cluster import LAB_INVENTORY, Cluster, InventoryError, hosts_from_listing

DOCKER = {"ansible_connection": "community.docker.docker"}
LISTING = {
    "_meta": {"hostvars": {
        "lb1": dict(DOCKER, ansible_host="hastack-lb1", hastack_private_address="10.0.1.11",
                    hastack_public_address="10.0.0.11", hastack_public_vip="10.0.0.10",
                    lab_galera_app_password="app", lab_proxysql_admin_password="admin"),
        "lb2": dict(DOCKER, ansible_host="hastack-lb2", hastack_private_address="10.0.1.12",
                    hastack_public_address="10.0.0.12", hastack_public_vip="10.0.0.10"),
        "web1": dict(DOCKER, ansible_host="hastack-web1", hastack_private_address="10.0.1.21"),
        "db1": dict(DOCKER, ansible_host="hastack-db1", hastack_private_address="10.0.1.31"),
        "db2": dict(DOCKER, ansible_host="hastack-db2", hastack_private_address="10.0.1.32"),
        "db3": dict(DOCKER, ansible_host="hastack-db3", hastack_private_address="10.0.1.33"),
        "backup": {"hastack_private_address": "10.0.1.99"},
    }},
    "all": {"children": ["ungrouped", "cluster", "databases"]},
    "ungrouped": {"hosts": ["backup"]},
    "cluster": {"children": ["balancers", "webservers"]},
    "balancers": {"hosts": ["lb1", "lb2"]},
    "webservers": {"hosts": ["web1"]},
    "databases": {"hosts": ["db1", "db2", "db3"]},
}


def cluster(listing=LISTING):
    return Cluster.from_listing(listing, Path("inv"))


def test_servers_by_tier_in_inventory_order():
    c = cluster()
    assert c.of_kind("balancer") == ["lb1", "lb2"]
    assert c.of_kind("web") == ["web1"]
    assert c.of_kind("database") == ["db1", "db2", "db3"]
    assert "backup" not in c.servers   # in no tier of the stack
    assert (c.vip, c.user, c.password, c.admin_password) == ("10.0.0.10", "hastack", "app", "admin")
    assert c.servers["lb2"].public_address == "10.0.0.12"
    assert c.container("db2") == "hastack-db2"
    assert c.by_address("10.0.1.32") == "db2" and c.by_address("10.9.9.9") == ""


def test_a_group_inherits_its_parents():
    hosts = hosts_from_listing(LISTING)
    assert hosts["lb1"].groups == ("all", "balancers", "cluster")
    assert hosts["backup"].groups == ("all", "ungrouped")


def test_a_host_without_a_docker_connection_is_not_a_container():
    listing = copy.deepcopy(LISTING)
    listing["_meta"]["hostvars"]["db1"].pop("ansible_connection")
    with pytest.raises(InventoryError, match="db1 is not a lab container"):
        cluster(listing).container("db1")


def broken(change):
    listing = copy.deepcopy(LISTING)
    change(listing)
    return listing


@pytest.mark.parametrize("change, message", [
    (lambda inv: inv["_meta"]["hostvars"]["web1"].pop("hastack_private_address"),
     "web1 has no hastack_private_address in inv"),
    (lambda inv: inv["databases"].update(hosts=[]), "inv has no hosts in databases"),
    (lambda inv: inv["_meta"]["hostvars"]["lb2"].update(hastack_public_vip="10.0.0.99"),
     "do not share one hastack_public_vip: ['10.0.0.10', '10.0.0.99']"),
    (lambda inv: inv["_meta"]["hostvars"]["lb2"].pop("hastack_public_vip"), "do not share one hastack_public_vip"),
    (lambda inv: inv["webservers"].update(hosts=["web1", "db1"]), "db1 is in more than one of"),
])
def test_an_inventory_the_tools_cannot_use_is_named(change, message):
    with pytest.raises(InventoryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        cluster(broken(change))


def test_the_lab_inventory_reads_as_seven_containers():
    lab = Cluster.from_inventory(LAB_INVENTORY)
    assert [len(lab.of_kind(k)) for k in ("balancer", "web", "database")] == [2, 2, 3]
    assert all(lab.container(n) == "hastack-" + n for n in lab.servers)
    assert lab.vip and all(s.address for s in lab.servers.values())


@pytest.mark.parametrize("tier_host, variable, value, expected", [
    ("db1", "galera_realtime_priority", 2, 2),
    ("db1", "galera_realtime_priority", "3", 3),
    ("db1", "galera_realtime_priority", "{{ wanted }}", 0),       # a template the tools cannot evaluate
    ("lb1", "keepalived_realtime_priority", 50, 50),
    ("lb1", "galera_realtime_priority", 2, 0),                   # another tier's variable
    ("web1", "galera_realtime_priority", 2, 0),
])
def test_each_server_knows_the_real_time_priority_its_role_is_asked_for(tier_host, variable, value, expected):
    listing = copy.deepcopy(LISTING)
    listing["_meta"]["hostvars"][tier_host][variable] = value
    assert cluster(listing).servers[tier_host].realtime_priority == expected


def test_the_lab_asks_for_galeras_thread_at_real_time_priority():
    lab = Cluster.from_inventory(LAB_INVENTORY)
    assert {lab.servers[n].realtime_priority for n in lab.of_kind("database")} == {2}
