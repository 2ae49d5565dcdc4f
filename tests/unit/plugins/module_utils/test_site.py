"""Cross-group checks of the whole inventory, table-driven."""

import pytest

from ansible_collections.hastack.web.plugins.module_utils import site

GROUPS = {"balancers": ["lb1", "lb2"], "webservers": ["web1", "web2"], "databases": ["db1", "db2", "db3"]}
ADDRESSES = {"lb1": "172.22.77.14", "lb2": "172.22.77.15", "web1": "172.22.77.16", "web2": "172.22.77.17",
             "db1": "172.22.77.21", "db2": "172.22.77.22", "db3": "172.22.77.23"}
USERS = [{"name": "app", "password": "x"}]


def hostvars(**per_host):
    result = dict((host, {"hastack_private_address": address}) for host, address in ADDRESSES.items())
    for group, hosts in GROUPS.items():
        for host in hosts:
            result[host].update({"webservers": {"proxysql_mysql_users": USERS, "proxysql_monitor_password": "m1"},
                                 "databases": {"galera_users": USERS, "galera_monitor_password": "m1"}}.get(group, {}))
    for host, variables in per_host.items():
        result[host] = dict(result[host], **variables)
    return result


def test_a_consistent_inventory_has_no_problem():
    assert site.site_problems(GROUPS, hostvars()) == []


ONLY_WEB1 = [{"name": "web", "servers": [{"name": "web1", "address": "172.22.77.16"}]}]


@pytest.mark.parametrize("groups, variables, expected", [
    (dict(GROUPS, databases=[]), {}, ["the inventory needs hosts in the groups balancers, webservers and databases "
                                      "(docs/inventory.md); missing or empty: databases"]),
    ({"balancers": ["lb1"]}, {}, ["the inventory needs hosts in the groups balancers, webservers and databases "
                                  "(docs/inventory.md); missing or empty: webservers, databases"]),
    (dict(GROUPS, databases=["db1", "db2", "web2"]), {},
     ["web2 in both databases and webservers: each host has one job in this cluster"]),
    (GROUPS, {"lb1": {"haproxy_backends": ONLY_WEB1}},
     ["web2 (172.22.77.17) is a web server in no HAProxy backend of lb1: add it to haproxy_backends, or take it "
      "out of webservers"]),
    # listed by address, under another name: served
    (GROUPS, {"lb1": {"haproxy_backends": ONLY_WEB1 + [{"name": "b", "servers": [{"name": "x", "address":
                                                                                  "172.22.77.17"}]}]}}, []),
    (GROUPS, {"lb2": {"haproxy_backends": [{"name": "web", "group": "webservers"}]}}, []),
    (GROUPS, {"web2": {"proxysql_mysql_users": USERS + [{"name": "report", "password": "y"}]}},
     ["web2: ProxySQL users report have no account on the databases: add them to galera_users, with the same "
      "password"]),
    (GROUPS, {"web1": {"proxysql_monitor_password": "other"}},
     ["web1: proxysql_monitor_password is not the databases' galera_monitor_password, so ProxySQL's Galera checks "
      "would be refused: use the same secret for both"]),
    # not set on the web servers: the proxysql role's default is galera_monitor_password
    (GROUPS, {"web1": {"proxysql_monitor_password": None}}, []),
])
def test_problems_name_the_hosts_and_the_fix(groups, variables, expected):
    assert site.site_problems(groups, hostvars(**variables)) == expected


def test_no_secret_appears_in_a_message():
    problems = site.site_problems(GROUPS, hostvars(web1={"proxysql_monitor_password": "s3cret-value"}))
    assert problems and not any("s3cret" in p or "m1" in p.split() for p in problems)
