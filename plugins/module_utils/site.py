# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles of different groups must agree on. Each role checks its own input in its
preflight; these are the checks no single role can make, run over the whole inventory before
site.yml changes anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils.haproxy import DEFAULT_ADDRESS_VAR, backend_servers

GROUPS = ("balancers", "webservers", "databases")
# The haproxy role's default: one backend of the web servers at their private address.
DEFAULT_BACKENDS = [{"name": "web", "group": "webservers", "address_var": DEFAULT_ADDRESS_VAR}]


def _names(entries):
    return set(str(entry.get("name")) for entry in entries or [] if isinstance(entry, dict))


def group_problems(groups):
    missing = [name for name in GROUPS if not groups.get(name)]
    if missing:
        return ["the inventory needs hosts in the groups balancers, webservers and databases (docs/inventory.md); "
                "missing or empty: %s" % ", ".join(missing)]
    problems = []
    for name in GROUPS:
        for other in GROUPS:
            if name < other:
                both = sorted(set(groups[name]) & set(groups[other]))
                if both:
                    problems.append("%s in both %s and %s: each host has one job in this cluster" % (
                        ", ".join(both), name, other))
    return problems


def pool_problems(groups, hostvars):
    """Every web server is in a backend of every balancer's HAProxy."""
    problems = []
    for balancer in groups["balancers"]:
        backends = hostvars[balancer].get("haproxy_backends") or DEFAULT_BACKENDS
        served = set()
        for backend in backends:
            try:
                for server in backend_servers(backend, groups, hostvars):
                    served.update((server["name"], server["address"]))
            except (KeyError, TypeError):
                continue  # the haproxy role's own preflight names what is wrong with the backend
        for web in groups["webservers"]:
            address = str(hostvars[web].get(DEFAULT_ADDRESS_VAR, ""))
            if web.split(".")[0] not in served and address not in served:
                problems.append("%s (%s) is a web server in no HAProxy backend of %s: add it to haproxy_backends, or "
                                "take it out of webservers" % (web, address or "no address", balancer))
    return problems


def database_user_problems(groups, hostvars):
    """The users ProxySQL accepts exist on Galera, and the monitor passwords agree."""
    problems = []
    db_vars = [hostvars[db] for db in groups["databases"]]
    accounts = set()
    for variables in db_vars:
        accounts |= _names(variables.get("galera_users"))
    monitor = set(str(v.get("galera_monitor_password")) for v in db_vars if v.get("galera_monitor_password"))
    for web in groups["webservers"]:
        variables = hostvars[web]
        missing = sorted(_names(variables.get("proxysql_mysql_users")) - accounts)
        if missing:
            problems.append("%s: ProxySQL users %s have no account on the databases: add them to galera_users, with "
                            "the same password" % (web, ", ".join(missing)))
        password = variables.get("proxysql_monitor_password")
        if password and monitor and str(password) not in monitor:
            problems.append("%s: proxysql_monitor_password is not the databases' galera_monitor_password, so ProxySQL's "
                            "Galera checks would be refused: use the same secret for both" % web)
    return problems


def site_problems(groups, hostvars):
    """Every cross-group inconsistency of the inventory, as messages that say what to change."""
    problems = group_problems(groups)
    if problems and "missing or empty" in problems[0]:
        return problems
    return problems + pool_problems(groups, hostvars) + database_user_problems(groups, hostvars)
