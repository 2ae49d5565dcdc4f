#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: proxysql_config
version_added: 0.1.0
author: hastack.web developers (@hastack)
short_description: Make ProxySQL's admin tables hold exactly what is asked, in runtime and on disk
description:
  - Declarative configuration of one ProxySQL instance through its admin interface. Each table
    given is owned by this task - rows not listed are removed - and each table left out is not
    touched.
  - Compares the asked rows with the admin tables, writes only the tables and variables that
    differ, loads what changed to runtime and saves it to disk. Then reads the C(runtime_)
    tables back and fails if runtime does not hold what was asked.
  - A table whose memory copy already matches but whose runtime copy does not (loaded by hand,
    or never loaded) is loaded again, and that is a change.
  - Passwords of users are compared as C(mysql_native_password) hashes, so a user kept only as a
    hash stays idempotent (give the hash in C(password); the P(hastack.web.proxysql_tables#filter)
    filter hashes plain passwords).
  - Variables that ProxySQL reads only when it starts (C(mysql-interfaces), C(mysql-threads),
    C(mysql-stacksize)) are saved to disk and reported in RV(restart_required) instead.
options:
  mysql_servers:
    description: Rows of C(mysql_servers), keyed by C(hostgroup_id), C(hostname), C(port).
    type: list
    elements: dict
  mysql_galera_hostgroups:
    description:
      - Rows of C(mysql_galera_hostgroups), keyed by C(writer_hostgroup). Their four hostgroups are
        where the runtime check looks for the servers, which the Galera monitor moves between them.
    type: list
    elements: dict
  mysql_users:
    description: Rows of C(mysql_users), keyed by C(username), C(frontend), C(backend).
    type: list
    elements: dict
  mysql_query_rules:
    description: Rows of C(mysql_query_rules), keyed by C(rule_id).
    type: list
    elements: dict
  proxysql_servers:
    description: Rows of C(proxysql_servers) (the ProxySQL Cluster peers), keyed by C(hostname), C(port).
    type: list
    elements: dict
  global_variables:
    description:
      - C(mysql-*) and C(admin-*) variables, name to value. Only the variables named are managed.
      - A name this ProxySQL does not know fails the task before anything changes.
    type: dict
  save_to_disk:
    description: Save each loaded table to disk, so a restart keeps it.
    type: bool
    default: true
extends_documentation_fragment:
  - hastack.web.proxysql
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads and compares; writes nothing and loads nothing.
  diff_mode:
    support: full
    details: Tables and variables before and after; passwords, password hashes and credentials are masked.
  platform:
    support: full
    platforms: posix
notes:
  - Configure a ProxySQL Cluster peer through one instance only, or give both the same rows -
    the cluster sync copies the tables it syncs between them.
seealso:
  - plugin: hastack.web.proxysql_tables
    plugin_type: filter
  - name: ProxySQL - configuring with the admin interface
    description: The memory, runtime and disk layers, and the LOAD and SAVE commands.
    link: https://proxysql.com/documentation/configuring-proxysql/
"""

EXAMPLES = r"""
- name: Route reads to the readers and writes to the writer
  hastack.web.proxysql_config:
    login_user: "{{ proxysql_admin_user }}"
    login_password: "{{ proxysql_admin_password }}"
    mysql_query_rules:
      - {rule_id: 100, active: 1, match_digest: '^SELECT .* FOR UPDATE', destination_hostgroup: 10, apply: 1}
      - {rule_id: 200, active: 1, match_digest: '^SELECT', destination_hostgroup: 30, apply: 1}
    global_variables:
      mysql-monitor_galera_healthcheck_interval: 500
"""

RETURN = r"""
changed_tables:
  description:
    - The admin tables written (or that would be, in check mode); C(global_variables) when a variable
      changed. A table whose runtime copy only was reloaded is not listed, but its LOAD is in RV(commands).
  returned: always
  type: list
  elements: str
  sample: [mysql_query_rules, global_variables]
commands:
  description: The LOAD and SAVE commands run (none in check mode).
  returned: always
  type: list
  elements: str
  sample: [LOAD MYSQL QUERY RULES TO RUNTIME, SAVE MYSQL QUERY RULES TO DISK]
restart_required:
  description: Variables saved to disk that take effect only when ProxySQL restarts.
  returned: always
  type: list
  elements: str
  sample: [mysql-interfaces]
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hastack.web.plugins.module_utils import proxysql
from ansible_collections.hastack.web.plugins.module_utils.proxysql_admin import (
    LOGIN_OPTIONS, PYMYSQL_ERROR, Admin, connect, login, pymysql)

SECRET_VARIABLES = ("password", "credentials")


def variable_group(name):
    return "admin variables" if name.startswith("admin-") else "mysql variables"


def masked(name, value):
    return "********" if any(word in name for word in SECRET_VARIABLES) else value


def masked_rows(rows):
    """A mysql_native_password hash logs in as well as the password: keep it out of diffs."""
    return [dict(row, password="********") if row.get("password") else row for row in rows]


def hostgroups_of(galera_rows):
    roles = ("writer_hostgroup", "backup_writer_hostgroup", "reader_hostgroup", "offline_hostgroup")
    return dict(("%s:%s" % (index, role), row.get(role)) for index, row in enumerate(galera_rows or [])
                for role in roles)


def normalise_rows(rows):
    return [dict((key, proxysql.text(value)) for key, value in row.items()) for row in rows]


def plan(admin, desired):
    """Which tables and variable groups need writing, which need loading, and the diff."""
    write, load = {}, set()
    before, after = {}, {}
    for table, keys in proxysql.TABLE_KEYS.items():
        if table not in desired:
            continue
        current = admin.rows(table)
        changes = proxysql.table_changes(proxysql.comparable(table, desired[table]),
                                         proxysql.comparable(table, current), keys)
        if proxysql.has_changes(changes):
            write[table] = desired[table]
            load.add(proxysql.TABLE_MODULES[table])
            before[table], after[table] = masked_rows(current), masked_rows(desired[table])
    variables = desired.get("global_variables") or {}
    if variables:
        current = admin.variables()
        changes = proxysql.variable_changes(variables, current)
        if changes:
            write["global_variables"] = dict((name, want) for name, (_have, want) in changes.items())
            load.update(variable_group(name).upper() for name in changes)
            before["global_variables"] = dict((n, masked(n, have)) for n, (have, _want) in changes.items())
            after["global_variables"] = dict((n, masked(n, want)) for n, (_have, want) in changes.items())
    return write, load, before, after


def runtime_state(admin, desired):
    state = {}
    for table in proxysql.TABLE_KEYS:
        if table in desired:
            state[table] = admin.rows("runtime_" + table)
    if desired.get("global_variables"):
        state["global_variables"] = admin.variables("runtime_global_variables")
    return state


def drifted_modules(problems):
    """The LOAD targets whose runtime copy differs although memory may already match."""
    modules = set()
    for problem in problems:
        table = problem.split(":", 1)[0]
        if table in proxysql.TABLE_MODULES:
            modules.add(proxysql.TABLE_MODULES[table])
        elif table == "global_variables":
            modules.add(variable_group(problem.split(":", 1)[1].split()[0]).upper())
    return modules


def main():
    table_option = dict(type="list", elements="dict")
    module = AnsibleModule(
        argument_spec=dict(
            LOGIN_OPTIONS,
            mysql_servers=table_option,
            mysql_galera_hostgroups=table_option,
            mysql_users=dict(table_option, no_log=False),
            mysql_query_rules=table_option,
            proxysql_servers=table_option,
            global_variables=dict(type="dict"),
            save_to_disk=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if PYMYSQL_ERROR:
        module.fail_json(msg=missing_required_lib("PyMySQL"), exception=PYMYSQL_ERROR)
    for name, value in (module.params["global_variables"] or {}).items():
        if any(word in name for word in SECRET_VARIABLES):
            module.no_log_values.add(str(value))

    desired = dict((table, normalise_rows(module.params[table])) for table in proxysql.TABLE_KEYS
                   if module.params[table] is not None)
    if module.params["global_variables"]:
        desired["global_variables"] = dict((name, proxysql.text(value))
                                           for name, value in module.params["global_variables"].items())
    hostgroups = hostgroups_of(desired.get("mysql_galera_hostgroups"))

    admin = Admin(login(module, connect))
    try:
        if desired.get("global_variables"):
            unknown = proxysql.unknown_variables(desired["global_variables"], admin.variables())
            if unknown:
                module.fail_json(msg="this ProxySQL has no variable %s: check the name and the ProxySQL version"
                                 % ", ".join(unknown))
        write, load, before, after = plan(admin, desired)
        load |= drifted_modules(proxysql.runtime_problems(desired, runtime_state(admin, desired), hostgroups))
        commands = []
        if load and not module.check_mode:
            for table, rows in write.items():
                if table == "global_variables":
                    admin.set_variables(rows)
                else:
                    admin.replace(table, rows)
            ordered = [m for m in ("MYSQL SERVERS", "MYSQL USERS", "MYSQL QUERY RULES", "PROXYSQL SERVERS",
                                   "MYSQL VARIABLES", "ADMIN VARIABLES") if m in load]
            for target in ordered:
                commands.append("LOAD %s TO RUNTIME" % target)
                if module.params["save_to_disk"]:
                    commands.append("SAVE %s TO DISK" % target)
            for command in commands:
                admin.run(command)
        runtime = runtime_state(admin, desired)
        restart = proxysql.restart_pending(desired.get("global_variables"), runtime.get("global_variables", {}))
        if not module.check_mode:
            problems = proxysql.runtime_problems(desired, runtime, hostgroups)
            if problems:
                module.fail_json(msg="ProxySQL's runtime does not hold what was loaded: %s" % "; ".join(problems),
                                 problems=problems, commands=commands)
    except pymysql.err.MySQLError as exc:
        module.fail_json(msg="ProxySQL's admin interface refused a statement: %s" % exc,
                         exception=traceback.format_exc())
    result = dict(changed=bool(write or load), changed_tables=sorted(write), commands=commands,
                  restart_required=restart)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
