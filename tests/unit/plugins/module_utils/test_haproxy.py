import pytest

from ansible_collections.hastack.web.plugins.module_utils import haproxy

GROUPS = {"webservers": ["web1", "web2"], "empty": []}
HOSTVARS = {"web1": {"addr": "172.22.77.16"}, "web2": {"addr": "172.22.77.17"}}
WEB = {"name": "web", "group": "webservers", "address_var": "addr", "port": 80,
       "health_uri": "/health", "cookie": "SRVID"}


def test_a_good_backend_has_no_problems_and_lists_its_servers():
    assert haproxy.backend_problems([WEB], GROUPS, HOSTVARS) == []
    assert haproxy.backend_servers(WEB, GROUPS, HOSTVARS) == [
        {"name": "web1", "address": "172.22.77.16", "port": 80, "weight": None, "backup": False},
        {"name": "web2", "address": "172.22.77.17", "port": 80, "weight": None, "backup": False}]


@pytest.mark.parametrize("backends, hostvars, expected", [
    ([], HOSTVARS, "haproxy_backends is empty"),
    ([dict(WEB, group="empty")], HOSTVARS, "inventory group 'empty' has no hosts"),
    ([dict(WEB, group="nope")], HOSTVARS, "inventory group 'nope' has no hosts"),
    ([WEB], dict(HOSTVARS, web2={}), "web2 has no addr"),
    ([WEB, WEB], HOSTVARS, "the name is used twice"),
    ([dict(WEB, name="my web")], HOSTVARS, "name 'my web' must be"),
    ([dict(WEB, port=0)], HOSTVARS, "port=0 must be an integer from 1 to 65535"),
    ([dict(WEB, cookie="SRV ID")], HOSTVARS, "cookie='SRV ID' is not a valid cookie name"),
    ([dict(WEB, health_uri="health")], HOSTVARS, "health_uri='health' must start with /"),
])
def test_bad_backends_are_refused(backends, hostvars, expected):
    problems = haproxy.backend_problems(backends, GROUPS, hostvars)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("maxconn, limit, ok", [
    (4000, 20000, True),
    (9950, 20000, True),
    (9951, 20000, False),
    (20000, 20000, False),
    (20000, 524288, True),
])
def test_fd_problems(maxconn, limit, ok):
    problems = haproxy.fd_problems(maxconn, limit)
    assert (problems == []) is ok
    if not ok:
        assert "lower haproxy_maxconn to 9950" in problems[0]


STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...
3 web 1 web1 172.22.77.16 2 0 1 1 83 15 3 4 6 0 0 0 - 80 - 0 0 - - 0
3 web 2 web2 172.22.77.17 2 0 1 1 83 15 3 4 6 0 0 0 - 80 - 0 0 - - 0
"""


@pytest.mark.parametrize("state, expected", [
    (STATE, None),
    # Debian's stock configuration still running after a failed reload
    ("1\n# be_id be_name srv_id srv_name\n", "backend web is not running"),
    (STATE.replace(" web2 ", " old2 "), "backend web runs servers old2, web1, configured are web1, web2"),
    ("", "backend web is not running"),
])
def test_runtime_problems(state, expected):
    problems = haproxy.runtime_problems(state, [WEB], GROUPS,
                                        {"web1": {"addr": "172.22.77.16"}, "web2": {"addr": "172.22.77.17"}})
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


LISTED = {"name": "legacy", "port": 8080, "servers": [
    {"name": "old1", "address": "10.0.0.5"},
    {"name": "old2", "address": "old2.example.org", "port": 8081, "weight": 10},
    {"name": "spare", "address": "10.0.0.7", "backup": True}]}


def test_listed_servers_keep_their_own_port_weight_and_backup_flag():
    assert haproxy.backend_problems([WEB, LISTED], GROUPS, HOSTVARS) == []
    assert haproxy.backend_servers(LISTED, GROUPS, HOSTVARS) == [
        {"name": "old1", "address": "10.0.0.5", "port": 8080, "weight": None, "backup": False},
        {"name": "old2", "address": "old2.example.org", "port": 8081, "weight": 10, "backup": False},
        {"name": "spare", "address": "10.0.0.7", "port": 8080, "weight": None, "backup": True}]
    # group members take the backend's port, and the default address variable when unset
    web = dict(WEB)
    del web["address_var"]
    assert haproxy.backend_servers(web, GROUPS, {"web1": {"hastack_private_address": "10.1.0.1"}, "web2": {
        "hastack_private_address": "10.1.0.2"}})[1] == {
        "name": "web2", "address": "10.1.0.2", "port": 80, "weight": None, "backup": False}


@pytest.mark.parametrize("servers, expected", [
    ([{"name": "a", "address": "10.0.0.1"}, {"name": "a", "address": "10.0.0.2"}], "servers[a]: the name is used twice"),
    ([{"name": "a b", "address": "10.0.0.1"}], "name 'a b' must be"),
    ([{"name": "a", "address": "not an address"}], "address='not an address' must be an IP address or a host name"),
    ([{"name": "a", "address": ""}], "address='' must be"),
    ([{"name": "a", "address": "10.0.0.1", "port": 70000}], "port=70000 must be an integer"),
    ([{"name": "a", "address": "10.0.0.1", "weight": 300}], "weight=300 must be an integer from 0 to 256"),
    ([{"name": "a", "address": "10.0.0.1", "backup": True}], "every server is a backup"),
])
def test_bad_listed_servers_are_refused(servers, expected):
    problems = haproxy.backend_problems([dict(LISTED, servers=servers)], GROUPS, HOSTVARS)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("backend, expected", [
    (dict(WEB, servers=LISTED["servers"]), "set either group (servers from the inventory) or servers"),
    ({"name": "web", "port": 80}, "set group (its servers are that inventory group's hosts) or list its servers"),
])
def test_a_backend_takes_its_servers_from_exactly_one_place(backend, expected):
    problems = haproxy.backend_problems([backend], GROUPS, HOSTVARS)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("routes, expected", [
    ([], None),
    ([{"backend": "legacy", "hosts": ["old.example.org", "*.old.example.org"]}], None),
    ([{"backend": "legacy", "path_prefixes": ["/v1/"]}], None),
    ([{"backend": "legacy", "hosts": ["Old.Example.org"], "path_prefixes": ["/v1/"]}], None),
    ([{"backend": "api", "hosts": ["api.example.org"]}], "backend 'api' is not in haproxy_backends (web, legacy)"),
    ([{"backend": "legacy"}], "give hosts, path_prefixes or both"),
    ([{"backend": "legacy", "hosts": [], "path_prefixes": []}], "give hosts, path_prefixes or both"),
    ([{"backend": "legacy", "hosts": ["bad host"]}], "host 'bad host' is not a valid host name"),
    ([{"backend": "legacy", "hosts": ["a..b"]}], "host 'a..b' is not a valid host name"),
    ([{"backend": "legacy", "path_prefixes": ["v1"]}], "path prefix 'v1' must start with /"),
    ([{"backend": "legacy", "path_prefixes": ["/a b"]}], "path prefix '/a b' must start with / and contain no spaces"),
])
def test_routes(routes, expected):
    problems = haproxy.route_problems(routes, [WEB, LISTED])
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems
