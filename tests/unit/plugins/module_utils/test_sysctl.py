import pytest

from ansible_collections.hastack.web.plugins.module_utils.sysctl import split_sysctl

SETTINGS = {
    "net.core.somaxconn": 4096,
    "net.ipv4.ip_local_port_range": "10240   65535",
    "vm.swappiness": 10,
    "fs.inotify.max_user_watches": 524288,
    "kernel.pid_max": 4194304,
}


@pytest.mark.parametrize("in_container, apply_keys, host_only_keys", [
    (False, sorted(SETTINGS), []),
    (True, ["net.core.somaxconn", "net.ipv4.ip_local_port_range"],
     ["fs.inotify.max_user_watches", "kernel.pid_max", "vm.swappiness"]),
])
def test_split_by_where_the_host_runs(in_container, apply_keys, host_only_keys):
    plan = split_sysctl(SETTINGS, in_container)
    assert sorted(plan["apply"]) == apply_keys
    assert sorted(plan["host_only"]) == host_only_keys


@pytest.mark.parametrize("settings, expected", [
    ({"net.ipv4.ip_local_port_range": "10240 \t 65535"}, {"net.ipv4.ip_local_port_range": "10240 65535"}),
    ({"net/ipv4/ip_nonlocal_bind": 1}, {"net.ipv4.ip_nonlocal_bind": "1"}),
    ({"net.ipv4.ip_nonlocal_bind": True}, {"net.ipv4.ip_nonlocal_bind": "1"}),
    ({"net.ipv4.conf.eth0.rp_filter": 0}, {"net.ipv4.conf.eth0.rp_filter": "0"}),
    ({}, {}),
    (None, {}),
])
def test_values_and_keys_are_normalised(settings, expected):
    assert split_sysctl(settings, False)["apply"] == expected


@pytest.mark.parametrize("settings, message", [
    ({"somaxconn": 1}, "is not a sysctl key"),
    ({"net core somaxconn": 1}, "is not a sysctl key"),
    ({"net.core.somaxconn": ""}, "has an empty value"),
    ({"net.core.somaxconn": None}, "has an empty value"),
])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        split_sysctl(settings, False)
