#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: galera_node_info
version_added: 0.1.0
author: hastack.web developers (@hastack)
short_description: Gather one MariaDB Galera node's state for bootstrap ordering
description:
  - Reads what deciding a safe bootstrap needs from one node - whether the service runs, and
    then its C(wsrep_cluster_status), C(wsrep_local_state_comment) and cluster size; the
    cluster UUID, C(seqno) and C(safe_to_bootstrap) from C(grastate.dat); and, when the
    service is stopped and C(seqno) is C(-1) (a crash), the committed position that
    C(mysqld --wsrep-recover) finds in the InnoDB logs.
  - Gather the state of every node, then give them all to the
    P(hastack.web.galera_plan#filter) filter, which decides who may bootstrap.
  - Root reaches the server through its unix socket, as on Debian; no password is used.
  - With O(wait), it reads the state again until the node is where the play needs it, and
    fails with a message that says where it is instead.
options:
  service:
    description: The systemd unit of the server.
    type: str
    default: mariadb
  datadir:
    description: The data directory, where C(grastate.dat) lives.
    type: path
    default: /var/lib/mysql
  login_unix_socket:
    description: The server's unix socket, used by the C(mariadb) client as root.
    type: path
    default: /run/mysqld/mysqld.sock
  recover:
    description:
      - Run C(mysqld --wsrep-recover) when the service is stopped and C(grastate.dat) has
        C(seqno) C(-1). This starts the server binary in recovery mode (InnoDB crash recovery,
        no client connections) for a few seconds, as Debian's unit does before every start.
      - Off by default, so that gathering changes nothing; the galera role asks for it where
        it plans a bootstrap after a crash. Without it such a node's position is reported
        unknown, and the reason is in RV(not_run).
      - Never runs in check mode.
    type: bool
    default: false
  recover_timeout:
    description: Seconds the recovery may take before the module fails.
    type: int
    default: 300
  wait:
    description:
      - Read the state again, every O(wait.interval) seconds, until the node is in the state
        O(wait.until) names; fail when it does not get there within O(wait.timeout) seconds, or
        when it cannot get there any more. The failure message says the node's last state.
      - The result is the state in which the wait ended.
      - Cannot be combined with O(recover=true).
    type: dict
    suboptions:
      until:
        description:
          - V(settled) - systemd is neither starting nor stopping the service (it runs, or it
            stopped or failed).
          - V(synced) - Primary and Synced, in a component of at least O(wait.cluster_size) nodes
            that counts every one of O(wait.addresses); other nodes may still be on their way.
          - V(joined) - as V(synced), for a node that was just started to join. Synced in a
            primary component smaller than O(wait.cluster_size) means it formed a cluster of
            its own, which never merges, and the module fails at once.
          - With V(synced) and V(joined) a service that failed ends the wait at once; systemd
            restarts MariaDB only after a crash by signal.
        type: str
        choices: [settled, synced, joined]
        required: true
      cluster_size:
        description: The least C(wsrep_cluster_size), which counts arbitrators too.
        type: int
      addresses:
        description:
          - Addresses that must be among C(wsrep_incoming_addresses) (each member back in the
            component). An address without a port matches any port.
        type: list
        elements: str
        default: []
      timeout:
        description: Seconds to wait.
        type: int
        default: 300
      interval:
        description: Seconds between two readings.
        type: float
        default: 2
      hint:
        description: Added to the failure message - where to look, what to fix.
        type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads only; the position recovery that would start the server binary is skipped.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
notes:
  - Runs on the database node, as root.
seealso:
  - plugin: hastack.web.galera_plan
    plugin_type: filter
  - name: Galera Cluster - restarting the cluster
    description: How grastate.dat, safe_to_bootstrap and --wsrep-recover fit together.
    link: https://galeracluster.com/library/training/tutorials/restarting-cluster.html
"""

EXAMPLES = r"""
# Start a node, then wait until it is in the cluster of three
- name: Wait until db2 has joined
  hastack.web.galera_node_info:
    wait:
      until: joined
      cluster_size: 3
      timeout: 600

# After a crash (every node stopped, seqno -1), ask for the position InnoDB holds
- name: Read each node's Galera state, recovering the position of a crashed node
  hastack.web.galera_node_info:
    recover: true
  register: galera_node

- name: Decide who bootstraps
  ansible.builtin.set_fact:
    galera_bootstrap_plan: >-
      {{ dict(groups['databases'] | zip(groups['databases'] | map('extract', hostvars, ['galera_node', 'state'])))
         | hastack.web.galera_plan(groups['databases']) }}
  run_once: true
"""

RETURN = r"""
state:
  description: The node's state, the input of the P(hastack.web.galera_plan#filter) filter.
  returned: always
  type: dict
  contains:
    reachable:
      description: Always true; the filter treats a node without state as unreachable.
      type: bool
      sample: true
    service_state:
      description: What C(systemctl is-active) says about O(service).
      type: str
      sample: active
    running:
      description: Whether the server answers on its socket.
      type: bool
      sample: true
    cluster_status:
      description: C(wsrep_cluster_status) (Primary, non-Primary, Disconnected); null when not running.
      type: str
      sample: Primary
    local_state:
      description: C(wsrep_local_state_comment) (Synced, Donor/Desynced, Joining...); null when not running.
      type: str
      sample: Synced
    cluster_size:
      description: C(wsrep_cluster_size); null when not running.
      type: int
      sample: 3
    cluster_state_uuid:
      description: C(wsrep_cluster_state_uuid); null when not running.
      type: str
    incoming_addresses:
      description: C(wsrep_incoming_addresses), split; empty when not running.
      type: list
      elements: str
    last_committed:
      description: C(wsrep_last_committed); null when not running.
      type: int
    uuid:
      description: The cluster UUID in C(grastate.dat); null when there is none.
      type: str
      sample: 6c1d4f2a-1111-11ef-8000-0242ac164d15
    seqno:
      description: The C(seqno) in C(grastate.dat); C(-1) when unknown (running, or crashed).
      type: int
      sample: 1234
    safe_to_bootstrap:
      description: The C(safe_to_bootstrap) flag in C(grastate.dat).
      type: bool
    recovered_uuid:
      description: The cluster UUID C(--wsrep-recover) found; null when it did not run.
      type: str
    recovered_seqno:
      description: The committed seqno C(--wsrep-recover) found; null when it did not run.
      type: int
commands:
  description: The commands the module ran, in order.
  returned: always
  type: list
  elements: str
  sample: ["systemctl is-active mariadb", "mariadb --protocol=socket ... SHOW GLOBAL STATUS LIKE 'wsrep%'"]
not_run:
  description:
    - Why a step that would have run did not (check mode, O(recover=false)).
    - Not called C(skipped), which Ansible takes for a skipped task.
  returned: always
  type: list
  elements: str
  sample: []
waited:
  description: How long the O(wait) took, and how many readings it made.
  returned: when O(wait) is set
  type: dict
  sample: {"seconds": 12.1, "readings": 7}
recovery_log:
  description: The last lines of the recovery's log when it ran but found no position.
  returned: when the recovery found no position
  type: str
"""

import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.web.plugins.module_utils import galera


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Gatherer(object):
    def __init__(self, module):
        self.module = module
        self.commands = []
        self.not_run = []

    def run(self, args, **kwargs):
        self.commands.append(" ".join(args))
        return self.module.run_command(args, **kwargs)

    def service_state(self):
        systemctl = self.module.get_bin_path("systemctl", required=True)
        dummy_rc, out, dummy_err = self.run([systemctl, "is-active", self.module.params["service"]])
        return out.strip() or "unknown"

    def wsrep_status(self):
        client = self.module.get_bin_path("mariadb") or self.module.get_bin_path("mysql", required=True)
        rc, out, dummy_err = self.run([client, "--protocol=socket", "-S", self.module.params["login_unix_socket"],
                                       "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE 'wsrep%'"])
        return galera.parse_status(out) if rc == 0 else None

    def recover(self):
        """The committed position from the InnoDB logs, as the unit's pre-start does it."""
        mysqld = self.module.get_bin_path("mariadbd", opt_dirs=["/usr/sbin"]) or \
            self.module.get_bin_path("mysqld", required=True, opt_dirs=["/usr/sbin"])
        fd, log = tempfile.mkstemp(prefix="wsrep-recover-", suffix=".log")
        os.close(fd)
        try:
            # mysqld runs as mysql and must be able to write its log.
            self.module.set_owner_if_different(log, "mysql", False)
            timeout = self.module.get_bin_path("timeout", required=True)
            dummy_rc, out, err = self.run(
                [timeout, str(self.module.params["recover_timeout"]), mysqld, "--user=mysql", "--wsrep-recover",
                 "--log-error=%s" % log],
                environ_update={"LC_ALL": "C"})
            text = (_read(log) or "") + out + err
        finally:
            os.unlink(log)
        return galera.parse_recovered_position(text), text

    def gather(self):
        params = self.module.params
        state = {"reachable": True, "running": False, "cluster_status": None, "local_state": None,
                 "cluster_size": None, "cluster_state_uuid": None, "incoming_addresses": [],
                 "last_committed": None, "uuid": None, "seqno": -1, "safe_to_bootstrap": False,
                 "recovered_uuid": None, "recovered_seqno": None}
        extra = {}
        state["service_state"] = self.service_state()
        status = self.wsrep_status() if state["service_state"] in ("active", "reloading") else None
        if status is not None:
            state.update({
                "running": True,
                "cluster_status": status.get("wsrep_cluster_status"),
                "local_state": status.get("wsrep_local_state_comment"),
                "cluster_size": _int(status.get("wsrep_cluster_size")),
                "cluster_state_uuid": status.get("wsrep_cluster_state_uuid"),
                "incoming_addresses": [a for a in status.get("wsrep_incoming_addresses", "").split(",") if a],
                "last_committed": _int(status.get("wsrep_last_committed")),
            })
        grastate = galera.parse_grastate(_read(os.path.join(params["datadir"], "grastate.dat")))
        if grastate:
            state.update(grastate)
        needs_recovery = (state["service_state"] not in ("active", "activating", "reloading")
                          and grastate is not None and state["seqno"] < 0)
        if needs_recovery and not params["recover"]:
            self.not_run.append("position recovery: recover=false")
        elif needs_recovery and self.module.check_mode:
            self.not_run.append("position recovery: check mode (it would start the server binary)")
        elif needs_recovery:
            position, text = self.recover()
            if position:
                state["recovered_uuid"], state["recovered_seqno"] = position
            else:
                extra["recovery_log"] = "\n".join(text.splitlines()[-20:])
        return state, extra


def wait(module, gatherer):
    """Gather until the verdict is done; fail with the last state's description otherwise."""
    options = module.params["wait"]
    started = time.monotonic()
    readings = 0
    while True:
        gatherer.commands = []
        state, extra = gatherer.gather()
        readings += 1
        verdict, why = galera.wait_verdict(state, options["until"], options["cluster_size"], options["addresses"])
        waited = {"seconds": round(time.monotonic() - started, 1), "readings": readings}
        if verdict == "done":
            return state, extra, waited
        if verdict == "fail" or waited["seconds"] + options["interval"] > options["timeout"]:
            module.fail_json(msg=galera.wait_failure(options["until"], why, waited["seconds"],
                                                     module.params["service"], options["hint"]),
                             state=state, waited=waited, commands=gatherer.commands, not_run=gatherer.not_run)
        time.sleep(options["interval"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type="str", default="mariadb"),
            datadir=dict(type="path", default="/var/lib/mysql"),
            login_unix_socket=dict(type="path", default="/run/mysqld/mysqld.sock"),
            recover=dict(type="bool", default=False),
            recover_timeout=dict(type="int", default=300),
            wait=dict(type="dict", options=dict(
                until=dict(type="str", required=True, choices=list(galera.WAIT_STATES)),
                cluster_size=dict(type="int"),
                addresses=dict(type="list", elements="str", default=[]),
                timeout=dict(type="int", default=300),
                interval=dict(type="float", default=2),
                hint=dict(type="str"),
            )),
        ),
        supports_check_mode=True,
    )
    if module.params["wait"] and module.params["recover"]:
        module.fail_json(msg="recover and wait cannot be combined: recover the position of a stopped node, "
                             "or wait for a node to reach a state")
    gatherer = Gatherer(module)
    if module.params["wait"]:
        state, extra, waited = wait(module, gatherer)
        extra["waited"] = waited
    else:
        state, extra = gatherer.gather()
    module.exit_json(changed=False, state=state, commands=gatherer.commands, not_run=gatherer.not_run, **extra)


if __name__ == "__main__":
    main()
