"""The scale experiment's pure part: the added hosts' addresses, the grown inventory, and the
promises."""

import argparse
import copy
import re

import pytest

from hastack_lab import scale

LAB = {"all": {"children": {
    "balancers": {"hosts": {"lb1": {"ansible_host": "hastack-lb1", "hastack_private_address": "172.22.77.14",
                                    "hastack_public_address": "172.22.76.234"}}},
    "webservers": {"hosts": {
        "web1": {"ansible_host": "hastack-web1", "hastack_private_address": "172.22.77.16",
                 "hastack_public_address": "172.22.76.154"},
        "web2": {"ansible_host": "hastack-web2", "hastack_private_address": "172.22.77.17",
                 "hastack_public_address": "172.22.76.153"}}},
    "databases": {"hosts": dict(("db%d" % n, {"ansible_host": "hastack-db%d" % n,
                                              "hastack_private_address": "172.22.77.2%d" % n}) for n in (1, 2, 3))},
}}}


def test_added_hosts_follow_the_papers_numbering_on_the_labs_networks():
    hosts = scale.added_hosts(LAB, ["db4", "db5", "web3"], "hastack-")
    assert hosts == {
        "db4": ("databases", {"ansible_host": "hastack-db4", "hastack_private_address": "172.22.77.24"}),
        "db5": ("databases", {"ansible_host": "hastack-db5", "hastack_private_address": "172.22.77.25"}),
        "web3": ("webservers", {"ansible_host": "hastack-web3", "hastack_private_address": "172.22.77.18",
                                "hastack_public_address": "172.22.76.152"}),
    }


def test_a_third_balancer_takes_the_free_addresses_beside_the_first_two():
    assert scale.added_hosts(LAB, ["lb3"], "hastack-") == {
        "lb3": ("balancers", {"ansible_host": "hastack-lb3", "hastack_private_address": "172.22.77.13",
                              "hastack_public_address": "172.22.76.238"})}


@pytest.mark.parametrize("add, words", [
    (["proxy3"], "only database (dbN), web (webN) and balancer (lbN)"),
    (["db2"], "already in the lab inventory"),
    (["web3x"], "only database"),
    # web9 would take 172.22.77.24, db4's private address
    (["db4", "web9"], "--add web9: 172.22.77.24 is db4's address already"),
    # lb0 would take 172.22.77.16, web1's
    (["lb0"], "--add lb0: 172.22.77.16 is web1's address already"),
])
def test_hosts_the_lab_cannot_grow_by_are_refused(add, words):
    with pytest.raises(scale.ScaleError, match=re.escape(words)):
        scale.added_hosts(LAB, add, "hastack-")


def test_the_grown_inventory_is_a_copy_with_the_hosts_in_their_groups():
    before = copy.deepcopy(LAB)
    doc = scale.grown(LAB, scale.added_hosts(LAB, ["db4", "db5", "web3"], "hastack-"))
    assert LAB == before
    assert list(doc["all"]["children"]["databases"]["hosts"]) == ["db1", "db2", "db3", "db4", "db5"]
    assert doc["all"]["children"]["webservers"]["hosts"]["web3"]["hastack_public_address"] == "172.22.76.152"


@pytest.mark.parametrize("add, problem", [
    (["db4"], "4 database nodes would be an even number"),
    (["db4", "db5", "db6"], "6 database nodes"),
    (["db4", "db5"], ""),
    (["web3"], ""),
])
def test_an_even_database_count_is_named_before_anything_starts(add, problem):
    found = scale.odd_databases_problem(LAB, scale.added_hosts(LAB, add, "hastack-"))
    assert (problem in found) if problem else found == ""


def phase(rc=0, failure="", servers=None):
    return {"rc": rc, "seconds": 1.0, "window": [0, 1], "failure": failure,
            "seen": {"requests": 10, "failed": 0, "longest_gap_ms": 100, "errors": {}, "servers": servers or {},
                     "reads": {}, "writes": {}}}


def balancer(keepalived="active", haproxy="active", holds_vip=False):
    return {"keepalived": keepalived, "haproxy": haproxy, "holds_vip": holds_vip,
            "holders": ["lb3"] if holds_vip else ["lb1"]}


def false_failover(failed_at=(99.5, 100.1, 100.3, 104.9), restarts=(), transitions=None):
    """lb1 takes the VIP at t=100 without anyone touching keepalived; 4 clients."""
    return {"stream": {"requests": 1000, "failed": len(failed_at), "errors": {"TimeoutError": len(failed_at)}},
            "failed_at": list(failed_at), "clients": 4, "keepalived_restarts": list(restarts),
            "transitions": transitions or ["lb1 100.0: INSTANCE public is now MASTER (priority 200)",
                                           "lb2 100.3: INSTANCE public is now BACKUP (priority 150)"]}


def run(**changes):
    data = {"add": ["db4", "db5", "web3"], "added_webs": ["web3"],
            "phases": {name: phase() for name in scale.PHASES},
            "cluster_size": {"before": 3, "expected_grown": 5, "grown": 5, "after": 3},
            "stream": {"requests": 1000, "failed": 0, "errors": {}},
            "writes": {"failed": 0, "errors": {}, "lost": 0}, "leftovers": [], "transitions": [],
            "added_balancers": {}, "vip_holders": {"before": ["lb1"], "after": ["lb1"]}}
    data["phases"]["hold"] = phase(servers={"web1": 5, "web2": 5, "web3": 4})
    for key, value in changes.items():
        data[key] = value
    return data


@pytest.mark.parametrize("changes, words", [
    ({}, []),
    ({"phases": {name: phase(rc=2, failure="TASK x: boom") if name == "grow" else phase() for name in scale.PHASES
                 if name != "hold"}},
     ["phase grow failed (exit 2): TASK x: boom", "phase hold did not run", "web3 answered no request"]),
    ({"cluster_size": {"before": 3, "expected_grown": 5, "grown": 4, "after": 4}},
     ["grown: a Galera cluster of 4, not 5", "after shrinking: a Galera cluster of 4, not 3"]),
    ({"stream": {"requests": 1000, "failed": 2, "errors": {"reset": 2}}}, ["2 of 1000 requests through the VIP failed"]),
    ({"writes": {"failed": 1, "errors": {"gone away": 1}, "lost": 1}},
     ["1 statements through ProxySQL failed", "1 acknowledged rows lost"]),
    ({"leftovers": ["db4 in web1's ProxySQL"]}, ["still configured: db4 in web1's ProxySQL"]),
    # reported, not a promise of growing: a false failover under the converge's CPU load
    ({"transitions": ["lb2 MASTER", "lb2 BACKUP"]}, []),
    ({"added_balancers": {"lb3": balancer()}}, []),
    ({"added_balancers": {"lb3": balancer(haproxy="failed")}}, ["lb3 was brought in with keepalived active and HAProxy failed"]),
    ({"added_balancers": {"lb3": balancer(holds_vip=True)}}, ["lb3 took the VIP when it was brought in (holders: lb3)"]),
    ({"vip_holders": {"before": ["lb1"], "after": []}}, ["after shrinking the VIP is on no balancer"]),
    ({"vip_holders": {"before": ["lb1"], "after": ["lb1", "lb2"]}}, ["VIP is on lb1 and lb2"]),
    # a false failover under the converge's load: the requests open on the old holder, one per client
    (false_failover(), []),
    (false_failover(restarts=["lb2 100.2 lb2 systemd[1]: Reloading keepalived.service"]),
     ["4 of 1000 requests through the VIP failed"]),                       # the playbook's doing: it counts
    (false_failover(failed_at=[99.5, 100.1, 100.3, 104.9, 105.2]), ["5 of 1000 requests"]),   # more than the clients
    (false_failover(failed_at=[99.5, 100.1, 100.3, 120.0]), ["4 of 1000 requests"]),          # one long after it
    (false_failover(transitions=["lb2 100.0: INSTANCE public is now BACKUP (priority 150)"]), ["4 of 1000"]),
])
def test_promises(changes, words):
    broken = scale.broken_promises(run(**changes))
    assert len(broken) == len(words), broken
    for word, line in zip(words, broken):
        assert word in line, broken


@pytest.mark.parametrize("pause, write_pause", [(0, 0.05), (0.1, 0), (-1, 0.01)])
def test_a_load_without_a_pause_is_refused_before_the_lab_is_touched(pause, write_pause, monkeypatch):
    from hastack_lab.experiments import scale as experiment
    monkeypatch.setattr(experiment, "lab", lambda: pytest.fail("the lab was read"))
    args = argparse.Namespace(pause=pause, write_pause=write_pause, add="db4,db5", if_installed=False)
    assert "--pause and --write-pause must be positive" in experiment.preflight(args)
