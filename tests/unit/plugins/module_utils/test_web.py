import pytest

from ansible_collections.hastack.web.plugins.module_utils import web


@pytest.mark.parametrize("memtotal_mb, vcpus, expected", [
    # the paper's web server (table 2): 16 cores, 16 GB -> bounded by memory
    (16384, 16, {"max_children": 240, "start_servers": 16, "min_spare_servers": 16,
                 "max_spare_servers": 32, "max_requests": 500}),
    # a lab container sees the host: 2 cores, 23 GB -> bounded by the cores
    (23552, 2, {"max_children": 32, "start_servers": 2, "min_spare_servers": 2,
                "max_spare_servers": 4, "max_requests": 500}),
    # a tiny VM: never fewer than two children
    (1024, 1, {"max_children": 2, "start_servers": 2, "min_spare_servers": 1,
               "max_spare_servers": 2, "max_requests": 500}),
    (2048, 4, {"max_children": 16, "start_servers": 4, "min_spare_servers": 4,
               "max_spare_servers": 8, "max_requests": 500}),
])
def test_fpm_pool_from_memory_and_cores(memtotal_mb, vcpus, expected):
    assert web.fpm_pool(memtotal_mb, vcpus) == expected


def test_fpm_overrides_win_and_are_checked():
    pool = web.fpm_pool(16384, 16, overrides={"max_children": 50, "max_requests": 0})
    assert (pool["max_children"], pool["max_requests"]) == (50, 0)
    with pytest.raises(ValueError, match="unknown keys max_childs"):
        web.fpm_pool(16384, 16, overrides={"max_childs": 50})
    with pytest.raises(ValueError, match="min_spare_servers <= start_servers .* got 16, 16, 32, 20"):
        web.fpm_pool(16384, 16, overrides={"max_children": 20})
    with pytest.raises(ValueError, match="apache_phpfpm_fpm_overrides.max_children='many'"):
        web.fpm_pool(16384, 16, overrides={"max_children": "many"})
    with pytest.raises(ValueError, match="apache_phpfpm_fpm_child_memory_mb=4 is too small"):
        web.fpm_pool(16384, 16, child_mb=4)


@pytest.mark.parametrize("children, expected_workers, expected_processes", [
    (2, 150, 6),      # at least 150 threads
    (32, 150, 6),
    (240, 500, 20),   # twice the pool
    (241, 500, 20),   # 482 rounded up to whole processes of 25 threads
])
def test_event_mpm_follows_the_pool(children, expected_workers, expected_processes):
    mpm = web.event_mpm(children)
    assert (mpm["max_request_workers"], mpm["server_limit"]) == (expected_workers, expected_processes)
    assert mpm["max_spare_threads"] >= mpm["min_spare_threads"] + mpm["threads_per_child"]


@pytest.mark.parametrize("overrides, message", [
    ({"max_request_workers": 1000}, "exceeds server_limit x threads_per_child"),
    ({"max_spare_threads": 30}, "max_spare_threads must be at least"),
    ({"server_limit": 2, "max_request_workers": 50}, "below PHP-FPM's max_children=240"),
    ({"threads": 10}, "unknown keys threads"),
])
def test_bad_mpm_overrides_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        web.event_mpm(240, overrides=overrides)
