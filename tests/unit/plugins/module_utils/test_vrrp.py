import copy

import pytest

from ansible_collections.hastack.web.plugins.module_utils import vrrp

PEERS = ["lb1", "lb2"]
HOSTVARS = {
    "lb1": {"hastack_public_address": "172.22.76.234", "hastack_private_address": "172.22.77.14"},
    "lb2": {"hastack_public_address": "172.22.76.236", "hastack_private_address": "172.22.77.15"},
    "web1": {"hastack_public_address": "172.22.76.154", "hastack_private_address": "172.22.77.16"},
}
FACTS_LB1 = {
    "interfaces": ["lo", "eth0", "eth1"],
    "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
    "eth0": {"ipv4": {"address": "172.22.77.14", "netmask": "255.255.255.0"}},
    "eth1": {"ipv4": {"address": "172.22.76.234", "netmask": "255.255.255.0"},
             # the VIP, once this node is master, must not confuse the lookup
             "ipv4_secondaries": [{"address": "172.22.76.235", "netmask": "255.255.255.0"}]},
}
PUBLIC = {"name": "public", "virtual_router_id": 51, "address_var": "hastack_public_address",
          "vips": ["172.22.76.235"]}
PRIVATE = {"name": "private", "virtual_router_id": 52, "address_var": "hastack_private_address",
           "vips": ["172.22.77.235/24"]}


def run(instances=None, me="lb1", peers=None, hostvars=None, facts=None, **kw):
    return vrrp.plan([PUBLIC] if instances is None else instances, me,
                     PEERS if peers is None else peers,
                     HOSTVARS if hostvars is None else hostvars,
                     FACTS_LB1 if facts is None else facts, **kw)


def test_the_papers_layout_resolves_for_the_master():
    result = run(advert_int=0.02)
    assert result["problems"] == []
    assert result["instances"] == [{
        "name": "public", "virtual_router_id": 51, "interface": "eth1", "priority": 200,
        "vips": ["172.22.76.235/24"], "unicast_src_ip": "172.22.76.234",
        "unicast_peers": ["172.22.76.236"], "authentication": None, "track": True}]


def test_priorities_follow_group_order_far_apart_for_n_balancers():
    hostvars = dict(HOSTVARS, lb3={"hastack_public_address": "172.22.76.237"})
    result = run(peers=["lb1", "lb2", "lb3"], hostvars=hostvars)
    assert result["problems"] == []
    assert result["instances"][0]["priority"] == 200
    assert result["instances"][0]["unicast_peers"] == ["172.22.76.236", "172.22.76.237"]


def test_a_host_priority_overrides_the_order():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars["lb1"]["keepalived_priority"] = 120
    assert run(hostvars=hostvars)["instances"][0]["priority"] == 120


def test_a_second_private_vip_uses_the_private_interface():
    result = run(instances=[PUBLIC, PRIVATE])
    assert result["problems"] == []
    assert [(i["interface"], i["vips"]) for i in result["instances"]] == [
        ("eth1", ["172.22.76.235/24"]), ("eth0", ["172.22.77.235/24"])]


@pytest.mark.parametrize("requested, in_container, expected", [
    ("auto", False, "process"),
    ("auto", True, "file"),
    ("file", False, "file"),
    ("script", False, "script"),
    ("none", True, "none"),
])
def test_track_mode(requested, in_container, expected):
    assert vrrp.track_mode(requested, in_container) == expected


P = dict  # shorthand for instance overrides

CASES = [
    # (id, kwargs for run(), expected problem fragment)
    ("vip-outside-subnet", {"instances": [P(PUBLIC, vips=["172.22.77.235"])]},
     "VIP 172.22.77.235 is outside lb1's subnet 172.22.76.0/24 on eth1"),
    ("vip-wrong-prefix", {"instances": [P(PUBLIC, vips=["172.22.76.235/16"])]},
     "has prefix /16 but the subnet is 172.22.76.0/24"),
    ("vip-is-a-members-address", {"instances": [P(PUBLIC, vips=["172.22.76.236"])]},
     "VIP 172.22.76.236 is the address of lb2"),
    ("vip-not-an-address", {"instances": [P(PUBLIC, vips=["vip.example"])]},
     "VIP 'vip.example' is not an IP address"),
    ("vip-missing", {"instances": [P(PUBLIC, vips=[""])]}, "set hastack_public_vip"),
    ("duplicate-vrid", {"instances": [PUBLIC, P(PRIVATE, virtual_router_id=51)]},
     "virtual_router_id 51 is already used by instance public"),
    ("vrid-range", {"instances": [P(PUBLIC, virtual_router_id=300)]},
     "virtual_router_id=300 must be an integer from 1 to 255"),
    ("duplicate-name", {"instances": [PUBLIC, P(PRIVATE, name="public")]}, "the name is used twice"),
    ("equal-priorities", {"hostvars": {**HOSTVARS, "lb2": dict(HOSTVARS["lb2"], keepalived_priority=200)}},
     "lb1 and lb2 have the same priority 200"),
    ("priority-out-of-range", {"peers": ["lb1", "lb2", "x3", "x4", "x5"],
                               "hostvars": {**HOSTVARS, **{h: {"hastack_public_address": "172.22.76.%d" % i}
                                                           for i, h in enumerate(["x3", "x4", "x5"], 10)}}},
     "x5 would get priority 0"),
    ("v3-with-authentication", {"instances": [P(PUBLIC, authentication={"auth_type": "PASS", "auth_pass": "x"})]},
     "VRRPv3 has no authentication"),
    ("unicast-peer-not-in-inventory", {"instances": [P(PUBLIC, unicast_peers=["lb9"])]},
     "unicast peer lb9 is not a host of the keepalived group"),
    ("unicast-peer-not-a-balancer", {"instances": [P(PUBLIC, unicast_peers=["web1"])]},
     "unicast peer web1 is not a host of the keepalived group"),
    ("unicast-peer-other-subnet", {"hostvars": {**HOSTVARS, "lb2": {"hastack_public_address": "10.9.9.9"}}},
     "unicast peer lb2 (10.9.9.9) is not in lb1's subnet"),
    ("no-address", {"hostvars": {**HOSTVARS, "lb1": {}}},
     "lb1 has no valid hastack_public_address"),
    ("address-on-no-interface", {"hostvars": {**HOSTVARS, "lb1": {"hastack_public_address": "172.22.76.9"}}},
     "no interface of lb1 holds hastack_public_address=172.22.76.9"),
    ("wrong-interface", {"instances": [P(PUBLIC, interface="eth0")]},
     "interface eth0 was set, but 172.22.76.234 is on eth1"),
    ("not-in-group", {"me": "web1"}, "web1 is not in the keepalived group"),
    ("no-instances", {"instances": []}, "keepalived_instances is empty"),
    ("process-tracking-in-a-container", {"track": "process", "in_container": True},
     "keepalived_track_mode=process cannot work in a container"),
    ("bad-track-mode", {"track": "polling"}, "keepalived_track_mode='polling'"),
    ("v2-subsecond", {"version": 2, "advert_int": 0.05}, "VRRPv2 adverts are whole seconds"),
    ("v3-advert-steps", {"advert_int": 0.015}, "VRRPv3 takes 0.01 to 40.95 s in steps of 0.01 s"),
    ("advert-not-positive", {"advert_int": 0}, "must be a positive number of seconds"),
    ("realtime-above-99", {"realtime_priority": 100}, "keepalived_realtime_priority=100: use 1 to 99"),
    ("realtime-negative", {"realtime_priority": -1}, "keepalived_realtime_priority=-1: use 1 to 99"),
    ("realtime-not-a-number", {"realtime_priority": "high"}, "keepalived_realtime_priority='high'"),
    ("realtime-a-boolean", {"realtime_priority": True}, "keepalived_realtime_priority=True"),
]


@pytest.mark.parametrize("priority", [0, 1, 50, 99])
def test_realtime_priority_from_off_to_the_kernels_highest(priority):
    assert run(realtime_priority=priority)["problems"] == []


@pytest.mark.parametrize("kwargs, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_reason(kwargs, expected):
    problems = run(**kwargs)["problems"]
    assert any(expected in p for p in problems), problems


def test_v2_with_authentication_and_whole_seconds_is_accepted():
    auth = {"auth_type": "PASS", "auth_pass": "s3cret"}
    result = run(instances=[P(PUBLIC, authentication=auth)], version=2, advert_int=1)
    assert result["problems"] == []
    assert result["instances"][0]["authentication"] == auth
