# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles of different groups must agree on. Each role checks its own input in its
preflight; these are the checks no single role can make, run over the whole inventory before
site.yml changes anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils.cluster import parse_address
from ansible_collections.hastack.web.plugins.module_utils.haproxy import DEFAULT_ADDRESS_VAR, backend_servers
from ansible_collections.hastack.web.plugins.module_utils.proxysql import native_password_hash

GROUPS = ("balancers", "webservers", "databases")
# The haproxy role's default: one backend of the web servers at their private address.
DEFAULT_BACKENDS = [{"name": "web", "group": "webservers", "address_var": DEFAULT_ADDRESS_VAR}]


def _entries(hostvars, host, name, what):
    """A host's list variable as a list of dicts, or a problem that says what it must be:
    the roles' own argument checks run after these, and a cross-group message built on a
    value of the wrong type would name the wrong cause."""
    value = hostvars[host].get(name)
    if value is None or value == "":
        return [], None
    if not isinstance(value, (list, tuple)) or not all(isinstance(entry, dict) for entry in value):
        shown = ("a string" if isinstance(value, str) else "a mapping" if isinstance(value, dict)
                 else "a list with other entries" if isinstance(value, (list, tuple)) else "a %s" % type(value).__name__)
        return [], "%s: %s must be a list of %s (docs/inventory.md), not %s" % (host, name, what, shown)
    return list(value), None


def group_problems(groups):
    """The groups balancers, webservers and databases exist, hold hosts, and share none:
    each host has one job in the cluster."""
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


def balancer_problems(groups, hostvars):
    """Two balancers at least, and the VIP they share given as a plain address."""
    balancers = groups["balancers"]
    problems = []
    if len(balancers) < 2:
        problems.append("%s is the only balancer: keepalived has no peer to move the VIP to, so losing it takes the "
                        "site down; add a second host to balancers (docs/inventory.md: 2 or more)" % balancers[0])
    vips = {}
    for balancer in balancers:
        variables = hostvars[balancer]
        if variables.get("haproxy_bind_address") and variables.get("keepalived_instances"):
            continue  # both roles are told their addresses directly
        vip = variables.get("hastack_public_vip")
        if vip is None or str(vip).strip() == "":
            problems.append("%s: hastack_public_vip is not set: set it (group_vars/all) to the address clients use, "
                            "which keepalived moves and HAProxy binds" % balancer)
        elif "/" in str(vip):
            problems.append("%s: hastack_public_vip=%s carries a prefix length: give the address alone (%s); "
                            "keepalived takes the prefix from the balancer's subnet" % (balancer, vip, str(vip).split("/", maxsplit=1)[0]))
        elif parse_address(str(vip)) is None:
            problems.append("%s: hastack_public_vip=%s is not an IP address: give the address clients use" % (balancer, vip))
        else:
            vips.setdefault(str(vip).strip(), []).append(balancer)
    if len(vips) > 1:
        problems.append("the balancers disagree on hastack_public_vip (%s): they share one VIP, so set it once for the "
                        "group" % "; ".join("%s: %s" % (", ".join(hosts), vip) for vip, hosts in sorted(vips.items())))
    return problems


def database_count_problems(groups, hostvars):
    """Three votes at least (nodes, plus garbd when galera_arbitrator_host names one): with
    fewer, losing one database node loses quorum or the data's only copy."""
    databases = groups["databases"]
    arbitrators = set(str(hostvars[db].get("galera_arbitrator_host") or "") for db in databases) - {""}
    votes = len(databases) + len(arbitrators)
    if votes >= 3:
        return []
    return ["%d database node%s%s: the cluster cannot lose one and keep serving; give databases 3 or more nodes "
            "(an odd number, docs/inventory.md), or 2 and galera_arbitrator_host"
            % (len(databases), "" if len(databases) == 1 else "s",
               " and an arbitrator" if arbitrators else "")]


def arbitrator_problems(groups, hostvars):
    """garbd (galera_arbitrator_host) is one host for the whole cluster, in the inventory, and not
    a database node: the members let it through their firewall and count its vote, and the
    galera_arbitrator role installs it there."""
    named = {}
    for db in groups["databases"]:
        named.setdefault(str(hostvars[db].get("galera_arbitrator_host") or ""), []).append(db)
    if len(named) > 1:
        sides = "; ".join("%s: %s" % (", ".join(dbs), host or "(empty)") for host, dbs in sorted(named.items()))
        return ["the databases disagree on galera_arbitrator_host (%s): one arbitrator serves the whole cluster, so set "
                "it once for the group" % sides]
    arbitrator = next(iter(named), "")
    if not arbitrator:
        return []
    if arbitrator in groups["databases"]:
        return ["galera_arbitrator_host is %s, a database node: garbd must run on a host outside databases (a balancer, "
                "or a small host of its own)" % arbitrator]
    if arbitrator not in hostvars:
        return ["galera_arbitrator_host is %s, which is not in the inventory: add that host (site.yml runs garbd on it), "
                "or leave galera_arbitrator_host empty" % arbitrator]
    return []


def web_address_problems(groups, hostvars):
    """Every web server has hastack_private_address, which HAProxy's default backend uses; checked
    before the pools, which would otherwise blame the pool for a missing address."""
    problems = []
    for web in groups["webservers"]:
        value = hostvars[web].get(DEFAULT_ADDRESS_VAR)
        if value is None or str(value).strip() == "":
            problems.append("%s has no %s: set it to the web server's private address, which HAProxy sends requests "
                            "to" % (web, DEFAULT_ADDRESS_VAR))
        elif parse_address(str(value)) is None:
            problems.append("%s: %s=%s is not an IP address" % (web, DEFAULT_ADDRESS_VAR, value))
    return problems


def pool_problems(groups, hostvars):
    """Every web server is in a backend of every balancer's HAProxy."""
    problems = []
    for balancer in groups["balancers"]:
        backends, problem = _entries(hostvars, balancer, "haproxy_backends", "backends ({name, group} or {name, servers})")
        if problem:
            problems.append(problem)
            continue
        backends = backends or DEFAULT_BACKENDS
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


def _password_forms(user):
    """The mysql_native_password hash of a user entry, whichever form the inventory gives."""
    if not isinstance(user, dict):
        return None
    if user.get("password_hash"):
        return str(user["password_hash"]).strip().upper()
    if user.get("password") is not None:
        return native_password_hash(str(user["password"]))
    return None


def database_user_problems(groups, hostvars):
    """The users ProxySQL accepts exist on Galera with the same password (compared as
    mysql_native_password hashes, so a password on one side and a password_hash on the other
    still compare), and the monitor passwords agree. Messages never contain a secret."""
    problems = []
    db_vars = [hostvars[db] for db in groups["databases"]]
    accounts = {}
    for db in groups["databases"]:
        users, problem = _entries(hostvars, db, "galera_users", "users ({name, password or password_hash, priv})")
        if problem:
            problems.append(problem)
        for user in users:
            if user.get("name") is not None:
                accounts.setdefault(str(user["name"]), set()).add(_password_forms(user))
    if problems:
        return problems  # the ProxySQL users cannot be compared with accounts that cannot be read
    monitor = set(str(v.get("galera_monitor_password")) for v in db_vars if v.get("galera_monitor_password"))
    for web in groups["webservers"]:
        variables = hostvars[web]
        users, problem = _entries(hostvars, web, "proxysql_mysql_users", "users ({name, password or password_hash})")
        if problem:
            problems.append(problem)
            continue
        missing = sorted(set(str(user.get("name")) for user in users) - set(accounts))
        if missing:
            problems.append("%s: ProxySQL users %s have no account on the databases: add them to galera_users, with "
                            "the same password" % (web, ", ".join(missing)))
        # A side without a password at all is the galera or proxysql role's own check to name.
        wrong = sorted(str(user.get("name")) for user in users if accounts.get(str(user.get("name")), {None}) != {None}
                       and _password_forms(user) is not None and _password_forms(user) not in accounts[str(user["name"])])
        if wrong:
            problems.append("%s: the password of ProxySQL user%s %s in proxysql_mysql_users is not the one galera_users "
                            "gives, so every login through ProxySQL would be refused: use the same secret (or its "
                            "password_hash) on both sides" % (web, "s" if len(wrong) > 1 else "", ", ".join(wrong)))
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
    problems += (balancer_problems(groups, hostvars) + database_count_problems(groups, hostvars)
                 + arbitrator_problems(groups, hostvars))
    addresses = web_address_problems(groups, hostvars)
    return problems + (addresses or pool_problems(groups, hostvars)) + database_user_problems(groups, hostvars)
