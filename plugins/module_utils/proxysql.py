# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ProxySQL in front of Galera: what the admin tables should hold, and how they differ.

Pure functions, no I/O. The role's filters build the desired rows from the inventory;
the proxysql_config module compares them with what ProxySQL holds, writes the
difference and checks that runtime took it. Values are compared as ProxySQL's admin
interface returns them: text, NULL as None.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.hastack.web.plugins.module_utils.secrets import secret_problems, user_credential_problems

HOSTGROUP_ROLES = ("writer", "backup_writer", "reader", "offline")

# Each table the module manages: its key columns, and the LOAD/SAVE command suffix that
# takes it to runtime and to disk. Order matters: servers before users (default_hostgroup
# must exist), admin variables last (they may change the credentials in use).
TABLES = (
    ("mysql_servers", ("hostgroup_id", "hostname", "port"), "MYSQL SERVERS"),
    ("mysql_galera_hostgroups", ("writer_hostgroup",), "MYSQL SERVERS"),
    ("mysql_users", ("username", "frontend", "backend"), "MYSQL USERS"),
    ("mysql_query_rules", ("rule_id",), "MYSQL QUERY RULES"),
    ("proxysql_servers", ("hostname", "port"), "PROXYSQL SERVERS"),
)
TABLE_KEYS = dict((name, keys) for name, keys, _module in TABLES)
TABLE_MODULES = dict((name, module) for name, _keys, module in TABLES)

# Variables ProxySQL reads only when it starts: the module writes them to disk and says
# that a restart is needed instead of expecting runtime to change.
RESTART_VARIABLES = frozenset(["mysql-interfaces", "mysql-threads", "mysql-stacksize"])

# The paper routes every read to the readers; these reads must see the writer's data and
# locks, so they go to the writer. ProxySQL matches against the digest (normalised SQL).
LOCKING_READ = r"^SELECT\b.*\b(FOR\s+UPDATE|LOCK\s+IN\s+SHARE\s+MODE|FOR\s+SHARE)\b"
PLAIN_READ = r"^SELECT\b"
BUILTIN_RULE_IDS = (100, 200)


def text(value):
    """A value as ProxySQL's admin interface returns it: text; booleans as 0/1."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def native_password_hash(password):
    """MySQL's mysql_native_password hash: '*' + upper hex SHA1(SHA1(password))."""
    inner = hashlib.sha1(password.encode("utf-8")).digest()
    return "*" + hashlib.sha1(inner).hexdigest().upper()


# ---------------------------------------------------------------- the desired tables

def writer_order(members, preference=None):
    """The Galera nodes, most preferred writer first.

    members: the database group in inventory order. preference: names, most preferred
    first; the rest follow. Without one, the paper's layout: the last node writes and
    the others take over from the highest address down (db3, then db2, then db1).
    """
    members = list(members)
    preference = list(preference or [])
    unknown = [name for name in preference if name not in members]
    if unknown:
        raise ValueError("not in the database group: %s" % ", ".join(unknown))
    if len(set(preference)) != len(preference):
        raise ValueError("a node is named twice")
    rest = [name for name in reversed(members) if name not in preference]
    return preference + rest


def server_weights(order, top=1000):
    """Distinct weights, highest for the preferred writer: ProxySQL's Galera monitor makes
    the highest-weight writable node the writer, so the order is deterministic. They stay
    close together so the readers share reads almost evenly."""
    if len(order) > top:
        raise ValueError("more nodes than weights")
    return dict((name, top - index) for index, name in enumerate(order))


def mysql_servers(order, addresses, hostgroups, port=3306, max_connections=1000, comment_prefix="hastack"):
    """Every node once, in the writer hostgroup: the Galera monitor moves them into the
    backup-writer, reader and offline hostgroups by their state and weight."""
    weights = server_weights(order)
    rows = []
    for name in order:
        rows.append({"hostgroup_id": text(hostgroups["writer"]), "hostname": addresses[name], "port": text(port),
                     "weight": text(weights[name]), "max_connections": text(max_connections),
                     "comment": "%s %s" % (comment_prefix, name)})
    return rows


def galera_hostgroup(hostgroups, max_writers=1, writer_is_also_reader=2, max_transactions_behind=100):
    """One mysql_galera_hostgroups row. writer_is_also_reader=2: the backup writers serve
    reads, the writer does not (the paper: reads to db1 and db2, writes to db3)."""
    return {"writer_hostgroup": text(hostgroups["writer"]), "backup_writer_hostgroup": text(hostgroups["backup_writer"]),
            "reader_hostgroup": text(hostgroups["reader"]), "offline_hostgroup": text(hostgroups["offline"]),
            "active": "1", "max_writers": text(max_writers), "writer_is_also_reader": text(writer_is_also_reader),
            "max_transactions_behind": text(max_transactions_behind), "comment": "hastack galera"}


def query_rules(hostgroups, extra=None):
    """The read/write split: locking reads to the writer, other SELECTs to the readers;
    everything else (no rule matches) goes to the user's default hostgroup, the writer.

    Reads are retried once on another server when their backend dies under them
    (retries=1); everything else is not (retry_variables: mysql-query_retries_on_failure
    0). A write whose backend died may have committed before it did, and replicated: sent
    again, it runs twice. Measured in the lab: retried inserts met their own committed row."""
    rules = [
        {"rule_id": "100", "active": "1", "match_digest": LOCKING_READ,
         "destination_hostgroup": text(hostgroups["writer"]), "apply": "1", "retries": "1",
         "comment": "hastack: locking reads go to the writer"},
        {"rule_id": "200", "active": "1", "match_digest": PLAIN_READ,
         "destination_hostgroup": text(hostgroups["reader"]), "apply": "1", "retries": "1",
         "comment": "hastack: other reads go to the readers"},
    ]
    for rule in extra or []:
        rules.append(dict((key, text(value)) for key, value in rule.items()))
    return sorted(rules, key=lambda rule: int(rule["rule_id"]))


def mysql_users(users, writer_hostgroup):
    """Application users: default hostgroup the writer, and transaction_persistent so a
    transaction's statements stay on one backend. Passwords are kept as
    mysql_native_password hashes, whether the inventory gives the password or the hash."""
    rows = []
    for user in users or []:
        password = user.get("password_hash") or native_password_hash(str(user["password"]))
        rows.append({"username": user["name"], "password": password, "active": "1",
                     "default_hostgroup": text(user.get("default_hostgroup", writer_hostgroup)),
                     "transaction_persistent": "1", "frontend": "1", "backend": "1",
                     "max_connections": text(user.get("max_connections", 10000)),
                     "comment": "hastack"})
    return rows


def proxysql_servers(peers, port=6032):
    """The ProxySQL Cluster: every web server's ProxySQL, by private address."""
    return [{"hostname": address, "port": text(port), "weight": "0", "comment": "hastack %s" % name}
            for name, address in peers]


def monitor_variables(user, password, interval_ms=500, timeout_ms=500, max_timeouts=2):
    """Monitor settings for noticing a dead Galera node in about 1-3 s: the health check
    every interval_ms; a node that misses max_timeouts in a row, or refuses, is moved
    out of the writer and reader hostgroups."""
    return {
        "mysql-monitor_username": user,
        "mysql-monitor_password": password,
        "mysql-monitor_galera_healthcheck_interval": text(interval_ms),
        "mysql-monitor_galera_healthcheck_timeout": text(timeout_ms),
        "mysql-monitor_galera_healthcheck_max_timeout_count": text(max_timeouts),
        "mysql-monitor_ping_interval": text(max(interval_ms * 2, 1000)),
        "mysql-monitor_ping_timeout": text(timeout_ms),
        "mysql-monitor_ping_max_failures": text(max_timeouts),
        "mysql-monitor_connect_interval": text(max(interval_ms * 4, 2000)),
        "mysql-monitor_connect_timeout": text(timeout_ms),
    }


def retry_variables():
    """How ProxySQL treats a statement whose backend dies under it.

    mysql-query_retries_on_failure 0: statements are not sent again unless a rule says so
    (query_rules gives the reads retries=1), because a write may have committed before its
    backend died. mysql-keep_multiplexing_variables: ProxySQL's default list, plus hostname.
    A query that names a variable pins the client to its backend connection, and a pinned
    connection's query is not retried: the demo page and the checks ask which node answered
    (SELECT @@hostname), a constant of the backend, so naming it keeps the read retryable."""
    return {"mysql-query_retries_on_failure": "0",
            "mysql-keep_multiplexing_variables": "tx_isolation,transaction_isolation,version,hostname"}


def admin_variables(admin_user, admin_password, interfaces, cluster_user=None, cluster_password=None):
    """Admin credentials and interfaces; with a cluster user, the settings ProxySQL Cluster
    needs. Users, query rules and the peer list are synced between instances. Not synced:
    mysql_servers (each instance's Galera monitor moves servers between hostgroups by
    itself) and the mysql and admin variables (some are per host, such as the interfaces
    on the private address). Ansible gives every instance the same servers and variables."""
    credentials = "%s:%s" % (admin_user, admin_password)
    values = {"admin-admin_credentials": credentials, "admin-mysql_ifaces": ";".join(interfaces)}
    if cluster_user:
        values.update({
            "admin-admin_credentials": "%s;%s:%s" % (credentials, cluster_user, cluster_password),
            "admin-cluster_username": cluster_user,
            "admin-cluster_password": cluster_password,
            "admin-cluster_check_interval_ms": "200",
            "admin-cluster_check_status_frequency": "100",
            "admin-cluster_mysql_query_rules_diffs_before_sync": "3",
            "admin-cluster_mysql_users_diffs_before_sync": "3",
            "admin-cluster_proxysql_servers_diffs_before_sync": "3",
            "admin-cluster_mysql_variables_diffs_before_sync": "0",
            "admin-cluster_admin_variables_diffs_before_sync": "0",
            "admin-cluster_mysql_servers_diffs_before_sync": "0",
            "admin-cluster_mysql_query_rules_save_to_disk": "true",
            "admin-cluster_mysql_users_save_to_disk": "true",
            "admin-cluster_proxysql_servers_save_to_disk": "true",
        })
    return values


# ---------------------------------------------------------------- input checks

def hostgroup_problems(hostgroups):
    problems = []
    missing = [role for role in HOSTGROUP_ROLES if role not in (hostgroups or {})]
    if missing:
        return ["proxysql_hostgroups needs %s" % ", ".join(missing)]
    ids = [hostgroups[role] for role in HOSTGROUP_ROLES]
    if any(not isinstance(value, int) or isinstance(value, bool) or value < 0 for value in ids):
        problems.append("proxysql_hostgroups: every id is a whole number, 0 or more")
    elif len(set(ids)) != len(ids):
        problems.append("proxysql_hostgroups: writer, backup_writer, reader and offline need four different ids")
    elif hostgroups["reader"] == 0:
        problems.append("proxysql_hostgroups: ProxySQL refuses reader hostgroup 0; choose another id")
    return problems


def user_problems(users, variable="proxysql_mysql_users"):
    problems = []
    names = []
    for index, user in enumerate(users or []):
        name = user.get("name")
        label = "%s[%d]%s" % (variable, index, " (%s)" % name if name else "")
        names.append(name)
        found = user_credential_problems(user, label)
        problems.extend(found)
        if not found and user.get("password"):
            problems.extend(secret_problems("%s password" % label, user["password"], name))
    duplicates = sorted(set(name for name in names if name and names.count(name) > 1))
    if duplicates:
        problems.append("%s names a user twice: %s" % (variable, ", ".join(duplicates)))
    return problems


def rule_problems(rules, hostgroups):
    problems = []
    ids = []
    for index, rule in enumerate(rules or []):
        label = "proxysql_query_rules[%d]" % index
        rule_id = rule.get("rule_id")
        if not isinstance(rule_id, int) or isinstance(rule_id, bool) or rule_id <= 0:
            problems.append("%s needs a rule_id, a whole number above 0" % label)
            continue
        if rule_id in BUILTIN_RULE_IDS:
            problems.append("%s: rule_id %d is the role's own read/write rule; choose another id" % (label, rule_id))
        ids.append(rule_id)
        destination = rule.get("destination_hostgroup")
        if destination is not None and destination not in (hostgroups or {}).values():
            problems.append("%s sends to hostgroup %s, which is none of proxysql_hostgroups" % (label, destination))
        for pattern_key in ("match_digest", "match_pattern"):
            if rule.get(pattern_key):
                try:
                    re.compile(rule[pattern_key])
                except re.error as exc:
                    problems.append("%s: %s is not a regular expression (%s)" % (label, pattern_key, exc))
    duplicates = sorted(set(i for i in ids if ids.count(i) > 1))
    if duplicates:
        problems.append("proxysql_query_rules: rule_id used twice: %s" % ", ".join(str(i) for i in duplicates))
    return problems


def admin_problems(admin_user, admin_password, cluster_user=None, cluster_password=None):
    """ProxySQL ships admin:admin; a proxy answering that is anyone's. Refuse it, and any
    weak password, before anything is installed."""
    problems = []
    if str(admin_user) == "admin" and str(admin_password) == "admin":
        problems.append("proxysql_admin_user/proxysql_admin_password are ProxySQL's default admin:admin: "
                        "set proxysql_admin_password from a vault")
    else:
        problems.extend(secret_problems("proxysql_admin_password", admin_password, admin_user))
    if not re.match(r"^[A-Za-z0-9_]+$", str(admin_user or "")):
        problems.append("proxysql_admin_user must be letters, digits and _ (it is written into admin_credentials)")
    for label, value in (("proxysql_admin_password", admin_password), ("proxysql_cluster_password", cluster_password)):
        if value and re.search(r"[:;\s]", str(value)):
            problems.append("%s must not contain ':', ';' or spaces: ProxySQL splits admin_credentials on them" % label)
    if cluster_user:
        if cluster_user == admin_user:
            problems.append("proxysql_cluster_user must differ from proxysql_admin_user")
        problems.extend(secret_problems("proxysql_cluster_password", cluster_password, cluster_user))
    return problems


# ---------------------------------------------------------------- comparing tables

def _key(row, keys):
    return tuple(text(row.get(key)) for key in keys)


def table_changes(desired, current, keys):
    """What turns `current` into `desired`, comparing only the columns `desired` gives.

    Returns {"add": rows, "remove": rows, "change": [(current, desired)]}; empty lists
    when the table already holds what is asked.
    """
    have = dict((_key(row, keys), row) for row in current)
    want = dict((_key(row, keys), row) for row in desired)
    changes = {"add": [], "remove": [], "change": []}
    for key, row in want.items():
        if key not in have:
            changes["add"].append(row)
        elif any(text(have[key].get(col)) != text(value) for col, value in row.items()):
            changes["change"].append((have[key], row))
    changes["remove"] = [row for key, row in have.items() if key not in want]
    return changes


def comparable(table, rows):
    """Rows in the form that compares like with like: a user is one row per side, however
    it was written (one row for both sides, or two as a cluster peer copies them)."""
    return expand_users(rows) if table == "mysql_users" else rows


def has_changes(changes):
    return any(changes[kind] for kind in ("add", "remove", "change"))


def variable_changes(desired, current):
    """{name: (current, desired)} for each managed variable whose value differs."""
    return dict((name, (current.get(name), text(value))) for name, value in desired.items()
                if text(current.get(name)) != text(value))


def unknown_variables(desired, current):
    """Managed variables this ProxySQL does not have (a typo, or another version)."""
    return sorted(name for name in desired if name not in current)


def expand_users(rows):
    """ProxySQL keeps a user once per side in runtime: a row with frontend=1 and backend=1
    becomes two runtime rows. Compare like with like."""
    expanded = []
    for row in rows:
        if text(row.get("frontend")) == "1" and text(row.get("backend")) == "1":
            expanded.append(dict(row, frontend="1", backend="0"))
            expanded.append(dict(row, frontend="0", backend="1"))
        else:
            expanded.append(row)
    return expanded


def runtime_problems(desired, runtime, hostgroups):
    """What runtime holds that differs from what was loaded, table by table.

    desired: {table: rows, "global_variables": {name: value}}; runtime: the same from
    the runtime_ tables. The Galera monitor moves servers between the four hostgroups,
    so servers are compared by address and settings, not by hostgroup.
    """
    problems = []
    ours = set(text(value) for value in (hostgroups or {}).values())
    if "mysql_servers" in desired:
        want = dict(((row["hostname"], text(row["port"])), row) for row in desired["mysql_servers"])
        seen = {}
        for row in runtime.get("mysql_servers", []):
            if text(row.get("hostgroup_id")) in ours:
                seen.setdefault((row["hostname"], text(row["port"])), row)
        for address, row in sorted(want.items()):
            got = seen.get(address)
            if got is None:
                problems.append("mysql_servers: %s:%s is in no hostgroup of runtime" % address)
                continue
            for col, value in row.items():
                if col != "hostgroup_id" and text(got.get(col)) != text(value):
                    problems.append("mysql_servers: %s:%s has %s=%s in runtime, not %s"
                                    % (address + (col, got.get(col), value)))
        for address in sorted(set(seen) - set(want)):
            problems.append("mysql_servers: %s:%s is in runtime but was not asked for" % address)
    for table, keys in sorted(TABLE_KEYS.items()):
        if table == "mysql_servers" or table not in desired:
            continue
        changes = table_changes(comparable(table, desired[table]), comparable(table, runtime.get(table, [])), keys)
        for row in changes["add"]:
            problems.append("%s: %s is missing from runtime" % (table, _describe(row, keys)))
        for row in changes["remove"]:
            problems.append("%s: %s is in runtime but was not asked for" % (table, _describe(row, keys)))
        for got, want in changes["change"]:
            cols = [col for col, value in want.items() if text(got.get(col)) != text(value)]
            problems.append("%s: %s differs in runtime (%s)" % (table, _describe(want, keys), ", ".join(cols)))
    variables = desired.get("global_variables") or {}
    for name, (have, want) in sorted(variable_changes(variables, runtime.get("global_variables", {})).items()):
        if name in RESTART_VARIABLES:
            continue
        if "password" in name or "credentials" in name:
            problems.append("global_variables: %s differs in runtime" % name)
        else:
            problems.append("global_variables: %s is %s in runtime, not %s" % (name, have, want))
    return problems


def restart_pending(desired_variables, runtime_variables):
    """Variables ProxySQL only reads at start whose runtime value is not the one asked for."""
    return sorted(name for name, (_have, _want) in variable_changes(
        dict((k, v) for k, v in (desired_variables or {}).items() if k in RESTART_VARIABLES),
        runtime_variables).items())


def _describe(row, keys):
    return ", ".join("%s=%s" % (key, row.get(key)) for key in keys)


# ---------------------------------------------------------------- the role's entry points

def tables(members, hostvars, settings):
    """Every admin table and variable the role manages, from the inventory and the role's
    settings (see the role's vars/main.yml for the keys)."""
    hostgroups = settings["hostgroups"]
    order = writer_order(members, settings.get("writer_preference"))
    addresses = dict((name, hostvars[name][settings["address_var"]]) for name in members)
    variables = monitor_variables(settings["monitor_user"], settings["monitor_password"],
                                  settings.get("monitor_interval_ms", 500), settings.get("monitor_timeout_ms", 500),
                                  settings.get("monitor_max_timeouts", 2))
    variables["mysql-interfaces"] = ";".join(settings["mysql_interfaces"])
    variables.update(retry_variables())
    cluster_user = settings.get("cluster_user") if settings.get("peers") else None
    variables.update(admin_variables(settings["admin_user"], settings["admin_password"],
                                     settings["admin_interfaces"], cluster_user, settings.get("cluster_password")))
    for name, value in (settings.get("variables") or {}).items():
        variables[name] = text(value)
    return {
        "mysql_servers": mysql_servers(order, addresses, hostgroups, settings.get("backend_port", 3306),
                                       settings.get("backend_max_connections", 1000)),
        "mysql_galera_hostgroups": [galera_hostgroup(hostgroups, settings.get("max_writers", 1),
                                                     settings.get("writer_is_also_reader", 2),
                                                     settings.get("max_transactions_behind", 100))],
        "mysql_users": mysql_users(settings.get("users"), hostgroups["writer"]),
        "mysql_query_rules": query_rules(hostgroups, settings.get("query_rules")),
        "proxysql_servers": proxysql_servers([(p[0], p[1]) for p in settings.get("peers") or []],
                                             settings.get("cluster_port", 6032)) if cluster_user else [],
        "global_variables": variables,
        "writer_order": order,
    }


def problems(members, hostvars, settings):
    """Everything wrong with the role's input, each naming the variable and the fix."""
    found = []
    members = list(members)
    if not members:
        found.append("proxysql_database_group (%s) has no hosts: ProxySQL needs the Galera nodes"
                     % settings.get("database_group"))
    for name in members:
        if not (hostvars.get(name) or {}).get(settings["address_var"]):
            found.append("%s has no %s: the address ProxySQL connects to" % (name, settings["address_var"]))
    try:
        writer_order(members, settings.get("writer_preference"))
    except ValueError as exc:
        found.append("proxysql_writer_preference: %s" % exc)
    found.extend(hostgroup_problems(settings.get("hostgroups")))
    found.extend(admin_problems(settings.get("admin_user"), settings.get("admin_password"),
                                settings.get("cluster_user") if settings.get("peers") else None,
                                settings.get("cluster_password")))
    if not settings.get("monitor_user"):
        found.append("proxysql_monitor_user is empty: ProxySQL's Galera checks need a monitor user")
    found.extend(secret_problems("proxysql_monitor_password", settings.get("monitor_password"),
                                 settings.get("monitor_user")))
    found.extend(user_problems(settings.get("users")))
    if not hostgroup_problems(settings.get("hostgroups")):
        found.extend(rule_problems(settings.get("query_rules"), settings["hostgroups"]))
    unknown = sorted(name for name in settings.get("variables") or {}
                     if not str(name).startswith(("mysql-", "admin-")))
    if unknown:
        found.append("proxysql_variables: names start with mysql- or admin-: %s" % ", ".join(unknown))
    return found


# ---------------------------------------------------------------- one backend in and out of service
#
# A backend is drained by giving its rows weight 0 in runtime: ProxySQL picks a server for
# each new statement (or transaction) at random by weight, so a server of weight 0 gets none,
# while the connections in use on it finish what they do. ProxySQL's Galera monitor moves
# servers between hostgroups and changes their status, but keeps their weights; a status
# (OFFLINE_SOFT) it would set back to ONLINE at its next check (ProxySQL issue 5169), and
# taking a server out of a hostgroup fails the statements under way on it.

BACKEND_STATES = ("drained", "online")


def _is(row, hostname, port):
    return row["hostname"] == hostname and text(row["port"]) == text(port)


def backend_traffic(runtime_rows, pool_rows, hostname, port, serving_hostgroups):
    """Where one database server stands in ProxySQL's runtime: the serving hostgroups in
    which new statements may go to it (ONLINE, weight above 0) and the backend connections
    in use on it (statements or transactions under way)."""
    serving = set(text(h) for h in serving_hostgroups)
    online = sorted(int(row["hostgroup_id"]) for row in runtime_rows
                    if _is(row, hostname, port) and row["status"] == "ONLINE" and int(row["weight"]) > 0
                    and text(row["hostgroup_id"]) in serving)
    used = sum(int(row["ConnUsed"] or 0) for row in pool_rows
               if row["srv_host"] == hostname and text(row["srv_port"]) == text(port))
    return {"online_in": online, "connections_used": used}


def backend_waiting_for(traffic, state):
    """What keeps a backend from being in `state` ("" once it is): drained means no serving
    hostgroup would send it a new statement and no connection is in use on it; online means
    one would."""
    if state == "drained":
        if traffic["online_in"]:
            return "it still takes new statements in hostgroup %s" % ", ".join(str(h) for h in traffic["online_in"])
        if traffic["connections_used"]:
            return "%d backend connections are still in use on it" % traffic["connections_used"]
        return ""
    if not traffic["online_in"]:
        return "it takes new statements in none of the serving hostgroups (ProxySQL's Galera monitor serves a " \
               "node again once it is Synced)"
    return ""


def backend_changes(runtime_rows, configured_rows, hostname, port, state, writer_hostgroup=None):
    """The runtime rows to change for `state`: ([(row, {column: value})], problem).

    drained: weight 0 on every row of the backend. When it is the ONLINE writer of
    writer_hostgroup, the standby writer the Galera monitor keeps SHUNNED there (the
    highest weight) is set ONLINE in the same load: the writes go there at once, and the
    monitor, finding two writers, keeps the heavier one and SHUNs the drained one (a status
    change: its writes under way finish). Without a standby, the problem says so.
    online: the configured weight back on the backend's rows of weight 0 (the monitor
    then elects the writer by weight again, as after a failover)."""
    mine = [row for row in runtime_rows if _is(row, hostname, port)]
    changes = []
    if state == "drained":
        changes = [(row, {"weight": "0"}) for row in mine if int(row["weight"]) > 0]
        writing = [row for row in mine if text(row["hostgroup_id"]) == text(writer_hostgroup)
                   and row["status"] == "ONLINE" and int(row["weight"]) > 0]
        if writing:
            standby = [row for row in runtime_rows if text(row["hostgroup_id"]) == text(writer_hostgroup)
                       and row["status"] == "SHUNNED" and int(row["weight"]) > 0 and not _is(row, hostname, port)]
            if not standby:
                return [], "it is the only writer of hostgroup %s: there is no standby to take the writes" % (
                    text(writer_hostgroup))
            changes.append((max(standby, key=lambda row: int(row["weight"])), {"status": "ONLINE"}))
        return changes, ""
    weights = [int(row["weight"]) for row in configured_rows if _is(row, hostname, port)]
    if weights:
        changes = [(row, {"weight": text(max(weights))}) for row in mine if int(row["weight"]) == 0]
    return changes, ""
