import pytest

from ansible_collections.hastack.web.plugins.module_utils import haproxy

GROUPS = {"webservers": ["web1", "web2"], "empty": []}
HOSTVARS = {"web1": {"addr": "172.22.77.16"}, "web2": {"addr": "172.22.77.17"}}
WEB = {"name": "web", "group": "webservers", "address_var": "addr", "port": 80,
       "health_uri": "/health", "cookie": "SRVID"}


def test_a_good_backend_has_no_problems_and_lists_its_servers():
    assert haproxy.backend_problems([WEB], GROUPS, HOSTVARS) == []
    assert haproxy.backend_servers(WEB, GROUPS, HOSTVARS) == [
        {"name": "web1", "address": "172.22.77.16"}, {"name": "web2", "address": "172.22.77.17"}]


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
