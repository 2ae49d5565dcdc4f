"""The filters are thin: check they are registered and turn errors into AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.web.plugins.filter.cluster import FilterModule

FILTERS = FilterModule().filters()


def test_all_filters_are_registered_and_documented():
    from pathlib import Path
    docs = Path(__file__).resolve().parents[4] / "plugins" / "filter"
    for name in FILTERS:
        assert (docs / ("%s.yml" % name)).is_file(), "filter %s has no documentation file" % name


def test_hosts_entries_error_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="cluster_hosts_entries: web1 has no addr"):
        FILTERS["cluster_hosts_entries"](["web1"], {"web1": {}}, "addr")


def test_sysctl_split_error_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="sysctl_split: 'bogus' is not a sysctl key"):
        FILTERS["sysctl_split"]({"bogus": 1}, True)


def test_address_problems_accepts_any_iterable_of_members():
    assert FILTERS["cluster_address_problems"](iter(["a"]), {"a": {"x": "10.0.0.1"}}, "x") == []
