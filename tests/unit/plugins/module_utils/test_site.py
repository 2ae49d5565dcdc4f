"""Cross-group checks of the whole inventory, table-driven."""

import hashlib

import pytest

from ansible_collections.hastack.web.plugins.module_utils import site

GROUPS = {"balancers": ["lb1", "lb2"], "webservers": ["web1", "web2"], "databases": ["db1", "db2", "db3"]}
ADDRESSES = {"lb1": "172.22.77.14", "lb2": "172.22.77.15", "web1": "172.22.77.16", "web2": "172.22.77.17",
             "db1": "172.22.77.21", "db2": "172.22.77.22", "db3": "172.22.77.23"}
USERS = [{"name": "app", "password": "x"}]
APP_HASH = "*" + hashlib.sha1(hashlib.sha1(b"x").digest()).hexdigest().upper()  # mysql_native_password of "x"


def hostvars(**per_host):
    result = dict((host, {"hastack_private_address": address, "hastack_public_vip": "172.22.76.235"})
                  for host, address in ADDRESSES.items())
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
    # the same user, a different password: every login through ProxySQL would fail
    (GROUPS, {"web1": {"proxysql_mysql_users": [{"name": "app", "password": "y"}]}},
     ["web1: the password of ProxySQL user app in proxysql_mysql_users is not the one galera_users gives, so every "
      "login through ProxySQL would be refused: use the same secret (or its password_hash) on both sides"]),
    # a password on one side and its mysql_native_password hash on the other agree ...
    (GROUPS, dict((db, {"galera_users": [{"name": "app", "password_hash": APP_HASH.lower()}]}) for db in GROUPS["databases"]),
     []),
    (GROUPS, {"web2": {"proxysql_mysql_users": [{"name": "app", "password_hash": APP_HASH}]}}, []),
    # ... and a hash of another password does not
    (GROUPS, {"web2": {"proxysql_mysql_users": [{"name": "app", "password_hash": "*" + "0" * 40}]}},
     ["web2: the password of ProxySQL user app in proxysql_mysql_users is not the one galera_users gives, so every "
      "login through ProxySQL would be refused: use the same secret (or its password_hash) on both sides"]),
    # one balancer: no failover
    (dict(GROUPS, balancers=["lb1"]), {},
     ["lb1 is the only balancer: keepalived has no peer to move the VIP to, so losing it takes the site down; add a "
      "second host to balancers (docs/inventory.md: 2 or more)"]),
    # the VIP: missing, with a prefix, not an address, or not the same on both balancers
    (GROUPS, {"lb1": {"hastack_public_vip": None}, "lb2": {"hastack_public_vip": ""}},
     ["lb1: hastack_public_vip is not set: set it (group_vars/all) to the address clients use, which keepalived "
      "moves and HAProxy binds",
      "lb2: hastack_public_vip is not set: set it (group_vars/all) to the address clients use, which keepalived "
      "moves and HAProxy binds"]),
    (GROUPS, {"lb1": {"hastack_public_vip": "172.22.76.235/24"}},
     ["lb1: hastack_public_vip=172.22.76.235/24 carries a prefix length: give the address alone (172.22.76.235); "
      "keepalived takes the prefix from the balancer's subnet"]),
    (GROUPS, {"lb2": {"hastack_public_vip": "vip.example.org"}},
     ["lb2: hastack_public_vip=vip.example.org is not an IP address: give the address clients use"]),
    (GROUPS, {"lb2": {"hastack_public_vip": "172.22.76.236"}},
     ["the balancers disagree on hastack_public_vip (lb1: 172.22.76.235; lb2: 172.22.76.236): they share one VIP, "
      "so set it once for the group"]),
    # both roles told their addresses directly: no VIP needed
    (GROUPS, dict((lb, {"hastack_public_vip": None, "haproxy_bind_address": "172.22.76.235",
                        "keepalived_instances": [{"name": "VI_1"}]}) for lb in GROUPS["balancers"]), []),
    # fewer than three votes: no database node can be lost
    (dict(GROUPS, databases=["db1"]), {},
     ["1 database node: the cluster cannot lose one and keep serving; give databases 3 or more nodes (an odd "
      "number, docs/inventory.md), or 2 and galera_arbitrator_host"]),
    (dict(GROUPS, databases=["db1", "db2"]), {},
     ["2 database nodes: the cluster cannot lose one and keep serving; give databases 3 or more nodes (an odd "
      "number, docs/inventory.md), or 2 and galera_arbitrator_host"]),
    (dict(GROUPS, databases=["db1", "db2"]), dict((db, {"galera_arbitrator_host": "lb1"}) for db in ("db1", "db2")),
     []),
    # one arbitrator, in the inventory, outside the databases
    (dict(GROUPS, databases=["db1", "db2"]), {"db1": {"galera_arbitrator_host": "lb1"}},
     ["the databases disagree on galera_arbitrator_host (db2: (empty); db1: lb1): one arbitrator serves the whole "
      "cluster, so set it once for the group"]),
    (GROUPS, dict((db, {"galera_arbitrator_host": "db3"}) for db in GROUPS["databases"]),
     ["galera_arbitrator_host is db3, a database node: garbd must run on a host outside databases (a balancer, or a "
      "small host of its own)"]),
    (dict(GROUPS, databases=["db1", "db2"]), dict((db, {"galera_arbitrator_host": "garb1"}) for db in ("db1", "db2")),
     ["galera_arbitrator_host is garb1, which is not in the inventory: add that host (site.yml runs garbd on it), or "
      "leave galera_arbitrator_host empty"]),
    # a list variable of the wrong type is named as such, not as missing users or backends
    (GROUPS, dict((db, {"galera_users": "app:secret"}) for db in GROUPS["databases"]),
     ["%s: galera_users must be a list of users ({name, password or password_hash, priv}) (docs/inventory.md), not a string"
      % db for db in GROUPS["databases"]]),
    # a Galera user without a password is the galera role's to name, not a mismatch
    (GROUPS, dict((db, {"galera_users": [{"name": "app", "priv": "app.*:ALL"}]}) for db in GROUPS["databases"]), []),
    (GROUPS, {"web1": {"proxysql_mysql_users": ["app"]}},
     ["web1: proxysql_mysql_users must be a list of users ({name, password or password_hash}) (docs/inventory.md), "
      "not a list with other entries"]),
    (GROUPS, {"lb1": {"haproxy_backends": {"name": "web"}}},
     ["lb1: haproxy_backends must be a list of backends ({name, group} or {name, servers}) (docs/inventory.md), not "
      "a mapping"]),
    # a web server without its address: that is the message, not "in no backend" for every web server
    (GROUPS, {"web1": {"hastack_private_address": None}},
     ["web1 has no hastack_private_address: set it to the web server's private address, which HAProxy sends "
      "requests to"]),
    (GROUPS, {"web2": {"hastack_private_address": "web2.lan"}},
     ["web2: hastack_private_address=web2.lan is not an IP address"]),
])
def test_problems_name_the_hosts_and_the_fix(groups, variables, expected):
    assert site.site_problems(groups, hostvars(**variables)) == expected


def test_no_secret_appears_in_a_message():
    problems = site.site_problems(GROUPS, hostvars(web1={"proxysql_monitor_password": "s3cret-value"}))
    assert problems and not any("s3cret" in p or "m1" in p.split() for p in problems)
