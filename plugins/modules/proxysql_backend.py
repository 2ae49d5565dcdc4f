#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: proxysql_backend
version_added: 0.1.0
author: hastack.web developers (@hastack)
short_description: Take one database server out of ProxySQL's traffic without failing a statement, or put it back
description:
  - O(state=drained) gives the server's rows weight 0 in runtime. ProxySQL picks a server for each new statement or
    transaction at random by weight, so it sends the server nothing new, while the connections in use on it finish
    their statements and transactions. Then it waits until the server takes new statements in none of
    O(serving_hostgroups) and no backend connection is in use on it.
  - When the server is the C(ONLINE) writer of O(writer_hostgroup), the standby writer ProxySQL's Galera monitor keeps
    C(SHUNNED) there is set C(ONLINE) in the same load, so the writes move at once. Without a standby the task fails
    before anything changes.
  - O(state=online) gives the rows of weight 0 the server's configured weight back (the Galera monitor then elects the
    writer by weight, as after a failover) and waits until a serving hostgroup takes statements to it again.
  - Why a weight and not a status - the Galera monitor keeps the weights it finds, but sets a healthy node it finds
    C(OFFLINE_SOFT) back to C(ONLINE) at its next check (ProxySQL issue 5169), and taking a server out of a hostgroup
    fails the statements under way on it.
  - Only the server's rows (and the standby's status) change in runtime. Runtime's rows, as the monitor has placed
    them, are copied to memory, changed there and loaded, and memory is then reloaded from disk - no other server
    moves, and the saved configuration is as it was. An unsaved edit of C(mysql_servers) in memory is discarded.
    A ProxySQL restart, or the proxysql role's next change of the servers, serves the server again.
options:
  hostname:
    description: The server's address, as in C(mysql_servers.hostname).
    type: str
    required: true
  port:
    description: The server's port.
    type: int
    default: 3306
  state:
    description: C(drained) - no new statement, and none under way; C(online) - serving again.
    type: str
    choices: [drained, online]
    required: true
  serving_hostgroups:
    description:
      - The hostgroups that query rules and users send statements to - the writer and reader hostgroups
        of a Galera layout. A row in another hostgroup (backup writer, offline) does not count.
    type: list
    elements: int
    required: true
  writer_hostgroup:
    description:
      - The Galera writer hostgroup. When the server being drained is the C(ONLINE) writer there, the
        highest-weight server ProxySQL's Galera monitor keeps C(SHUNNED) there as a standby writer is set
        C(ONLINE) in the same load.
    type: int
  timeout:
    description: Seconds to wait for the state; C(0) changes the status and does not wait.
    type: float
    default: 120
extends_documentation_fragment:
  - hastack.web.proxysql
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports whether the status would change; writes, loads and waits for nothing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: hastack.web.proxysql_config
  - name: ProxySQL - mysql_servers status
    description: ONLINE, SHUNNED, OFFLINE_SOFT and OFFLINE_HARD.
    link: https://proxysql.com/documentation/main-runtime/#mysql_servers
"""

EXAMPLES = r"""
- name: Stop sending statements to db1, and wait for those under way
  hastack.web.proxysql_backend:
    login_user: "{{ proxysql_admin_user }}"
    login_password: "{{ proxysql_admin_password }}"
    hostname: 10.10.10.21
    state: drained
    serving_hostgroups: [10, 30]
    timeout: 120
"""

RETURN = r"""
online_in:
  description: The serving hostgroups in which the server is ONLINE at the end.
  returned: always
  type: list
  elements: int
  sample: []
connections_used:
  description: Backend connections in use on the server at the end.
  returned: always
  type: int
  sample: 0
writes_to:
  description: The server the writes were handed over to (O(writer_hostgroup)), or null.
  returned: always
  type: str
  sample: 10.10.10.22
waited:
  description: Seconds spent waiting for the state.
  returned: always
  type: float
  sample: 0.4
"""

import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hastack.web.plugins.module_utils import proxysql
from ansible_collections.hastack.web.plugins.module_utils.proxysql import text
from ansible_collections.hastack.web.plugins.module_utils.proxysql_admin import (
    LOGIN_OPTIONS, PYMYSQL_ERROR, Admin, connect, login, pymysql)

POLL_SECONDS = 0.2


def traffic(admin, params):
    return proxysql.backend_traffic(admin.rows("runtime_mysql_servers"),
                                    admin.rows("stats_mysql_connection_pool"),
                                    params["hostname"], params["port"], params["serving_hostgroups"])


def wait(admin, params, clock=time.monotonic, sleep=time.sleep):
    """Poll until the backend is in the asked state or the timeout passes: (traffic,
    what it is still waiting for, seconds waited)."""
    started = clock()
    while True:
        now = traffic(admin, params)
        waiting = proxysql.backend_waiting_for(now, params["state"])
        if not waiting or clock() - started >= params["timeout"]:
            return now, waiting, round(clock() - started, 2)
        sleep(POLL_SECONDS)


def apply(admin, runtime, changes):
    """Load runtime's rows with `changes` made, and nothing else: memory takes runtime's
    rows (where the Galera monitor placed each server, with the statuses it gave them; SAVE
    MYSQL SERVERS FROM RUNTIME would turn a SHUNNED standby writer into an ONLINE one), the
    changes are made there and loaded, and memory takes the saved configuration back from
    disk, leaving runtime as it is. Loading the configured rows instead would put every node
    in the writer hostgroup until the monitor's next check."""
    def key(row):
        return (text(row["hostgroup_id"]), row["hostname"], text(row["port"]))

    updates = dict((key(row), change) for row, change in changes)
    admin.replace("mysql_servers", [dict(row, **updates.get(key(row), {})) for row in runtime])
    admin.run("LOAD MYSQL SERVERS TO RUNTIME")
    admin.run("LOAD MYSQL SERVERS FROM DISK")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            LOGIN_OPTIONS,
            hostname=dict(type="str", required=True),
            port=dict(type="int", default=3306),
            state=dict(type="str", required=True, choices=list(proxysql.BACKEND_STATES)),
            serving_hostgroups=dict(type="list", elements="int", required=True),
            writer_hostgroup=dict(type="int"),
            timeout=dict(type="float", default=120),
        ),
        supports_check_mode=True,
    )
    if PYMYSQL_ERROR:
        module.fail_json(msg=missing_required_lib("PyMySQL"), exception=PYMYSQL_ERROR)
    params = module.params
    admin = Admin(login(module, connect))
    try:
        runtime = admin.rows("runtime_mysql_servers")
        configured = admin.rows("mysql_servers")
        if not [row for row in runtime + configured
                if row["hostname"] == params["hostname"] and text(row["port"]) == text(params["port"])]:
            known = sorted(set("%s:%s" % (r["hostname"], r["port"]) for r in configured))
            module.fail_json(msg="%s:%s is not a server of this ProxySQL (mysql_servers has %s): check the address"
                             % (params["hostname"], params["port"], ", ".join(known) or "none"))
        changes, problem = proxysql.backend_changes(runtime, configured, params["hostname"], params["port"],
                                                    params["state"], params["writer_hostgroup"])
        if problem:
            module.fail_json(msg="not draining %s:%s: %s, so draining it would stop every write" % (
                params["hostname"], params["port"], problem))
        handover = [row["hostname"] for row, change in changes if change.get("status") == "ONLINE"]
        writes_to = handover[0] if handover else None
        if module.check_mode:
            module.exit_json(changed=bool(changes), waited=0.0, writes_to=writes_to, **traffic(admin, params))
        if changes:
            apply(admin, runtime, changes)
        if params["timeout"] > 0:
            now, waiting, waited = wait(admin, params)
        else:
            now, waiting, waited = traffic(admin, params), "", 0.0
    except pymysql.err.MySQLError as exc:
        module.fail_json(msg="ProxySQL's admin interface refused a statement: %s" % exc,
                         exception=traceback.format_exc())
    if waiting:
        module.fail_json(msg="%s:%s is not %s after %g s: %s" % (params["hostname"], params["port"], params["state"],
                                                                 params["timeout"], waiting),
                         changed=bool(changes), waited=waited, writes_to=writes_to, **now)
    module.exit_json(changed=bool(changes), waited=waited, writes_to=writes_to, **now)


if __name__ == "__main__":
    main()
