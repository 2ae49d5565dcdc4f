#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: proxmox_vm
version_added: 0.1.0
author: hastack.web developers (@hastack)
short_description: One declarative task for a Proxmox VE virtual machine, from clone to power state
description:
  - Makes a QEMU virtual machine exist on a Proxmox VE cluster with the settings asked, in the power
    state asked, or makes it go away.
  - A VM is found by O(vmid), or else by its unique O(name). An existing VM is never created again and
    never gets a new id; two VMs with the asked name are an error.
  - A new VM is a clone of O(template) (its node is found automatically) or, without one, made from
    scratch. Every setting asked (CPU, memory, disk size, NICs, cloud-init, tags, onboot) is applied in
    the same task, also on the run that clones.
  - Settings are compared with what the VM will have once its pending changes apply (Proxmox's
    C(pending) view), normalised (numbers, booleans, property strings, MAC addresses, URL-encoded SSH
    keys, C(ipconfig)); only keys that differ are written, guarded by the config digest. A second run
    writes nothing.
  - Changes Proxmox cannot apply to a running VM are reported in RV(reboot_required); O(apply_pending)
    says whether the task reboots the VM to apply them.
  - Tasks (clone, start, shutdown, delete) are waited for against their own deadline; a task that ends
    in error fails the module at once with the end of its log.
  - Everything that can be checked without Proxmox (sizes, counts, addresses with their prefix, gateways,
    VLAN tags, node names) is checked before the first API call, and the target node and the template's disk
    before anything is created. What only Proxmox can check comes back with its reason per parameter.
  - A VM this task created but could not finish (a setting Proxmox refused, a failed migration) is removed
    again, so the next run starts clean; the message says so, or says why it could not be removed.
options:
  name:
    description:
      - Name of the VM. Identifies it when O(vmid) is not given; with O(vmid), a different name
        renames the VM.
    type: str
  vmid:
    description:
      - Id of the VM. When creating without it, the lowest free id from O(vmid_start) is taken, and a
        race with another creator is resolved by taking the next one.
    type: int
  vmid_start:
    description: The lowest id given to a new VM when O(vmid) is not set.
    type: int
    default: 100
  state:
    description:
      - C(present) - the VM exists with these settings; a new one stays stopped.
      - C(started) / C(stopped) - as present, and running / not running.
      - C(restarted) - as present, then stopped (as O(stop_mode) says) and started again, or started if it was
        not running. Always a change.
      - C(absent) - the VM does not exist. It is stopped at once (not shut down) and deleted with its
        disks and its references (C(purge)).
    type: str
    choices: [present, started, stopped, restarted, absent]
    default: present
  node:
    description:
      - Node the VM belongs on. Without it, a clone goes to the template's node, unless
        O(keep_apart_from) asks for placement.
      - Checked before anything is created - a node that is not in the cluster or is not online fails
        the task at once, naming it. An existing VM on another node is moved there (see O(move)).
    type: str
  keep_apart_from:
    description:
      - Names of VMs that must not share a node with this one (the paper's one VM per physical host).
        Without O(node), a new VM goes to the least-loaded online node holding none of them (memory
        share first, then CPU). When no node qualifies, the task fails, naming each node and why.
      - An existing VM that shares a node with one of them is moved to a node that qualifies (see
        O(move)); when none does, the task fails naming each node and why.
    type: list
    elements: str
    default: []
  move:
    description:
      - What to do with an existing VM on the wrong node - not on O(node), or beside a VM of
        O(keep_apart_from). This is also how a run finishes a move that failed before.
      - C(true) - migrate it there, offline when it is stopped, online (with its local disks) when it runs.
      - C(false) - leave it, and report the conflict in RV(placement_conflict) (C(playbooks/provision.yml)
        then fails, unless told otherwise).
      - A new VM that has to be cloned beside its template (storage not shared) and then migrated is always
        moved; when that migration fails, the new VM is removed again and the task fails with the reason.
    type: bool
    default: true
  nodes:
    description: Nodes placement may choose from; all online nodes when not set.
    type: list
    elements: str
  template:
    description:
      - Name or id of the template to clone a new VM from. Its node is looked up.
      - Without it, a new VM is made from scratch; then O(storage) and O(disk_size) are needed.
    type: str
  full_clone:
    description: Full clone (independent disks) or linked clone (shares the template's base disks).
    type: bool
    default: true
  storage:
    description:
      - Storage for a full clone's disks (default - the template's), or for a VM made from scratch (its
        disk and cloud-init drive).
      - A clone onto another node needs shared storage; otherwise the VM is cloned on the template's
        node and then migrated (offline) to its node.
    type: str
  pool:
    description: Resource pool a new VM joins.
    type: str
  cores:
    description: CPU cores per socket.
    type: int
  sockets:
    description: CPU sockets.
    type: int
  memory:
    description: Memory in MiB.
    type: int
  cpu:
    description: CPU type (C(host), C(x86-64-v2-AES), ...).
    type: str
  ostype:
    description: Guest OS type; used when creating from scratch (default C(l26)) and managed when given.
    type: str
  scsihw:
    description: SCSI controller; used when creating from scratch (default C(virtio-scsi-single)).
    type: str
  disk:
    description: The disk O(disk_size) applies to.
    type: str
    default: scsi0
  disk_size:
    description:
      - Size of O(disk) (C(20G), C(500G)). Disks only grow - asking for less than the disk has fails,
        naming both sizes. Growing happens while the VM runs; the guest grows its file system itself
        (cloud-init's growpart does on boot).
    type: str
  nics:
    description:
      - Network cards, in order (C(net0), C(net1), ...). Only the cards listed are managed. A card that
        changes keeps its MAC address unless O(nics[].macaddr) is given.
    type: list
    elements: dict
    suboptions:
      bridge:
        description: Bridge (C(vmbr0)).
        type: str
        required: true
      model:
        description: Card model.
        type: str
        default: virtio
      tag:
        description: VLAN tag; none when not set.
        type: int
      firewall:
        description: Proxmox firewall on this card.
        type: bool
        default: false
      mtu:
        description: MTU (virtio only); Proxmox's default when not set.
        type: int
      macaddr:
        description: MAC address; kept as Proxmox chose it when not set.
        type: str
  ipconfig:
    description:
      - Cloud-init network settings, one per card in the order of O(nics) (C(ipconfig0), ...).
      - The VM needs a cloud-init drive (the template's, or the one a VM made from scratch gets).
    type: list
    elements: dict
    suboptions:
      ip:
        description: Address with prefix length (C(172.22.77.14/24)), or C(dhcp).
        type: str
      gw:
        description: Gateway.
        type: str
      ip6:
        description: IPv6 address with prefix, C(dhcp) or C(auto).
        type: str
      gw6:
        description: IPv6 gateway.
        type: str
  ciuser:
    description: Cloud-init user.
    type: str
  cipassword:
    description:
      - Cloud-init password. Proxmox never returns it, so it is only set when the VM has none (on the
        run that creates it); prefer O(sshkeys).
    type: str
  sshkeys:
    description: Public SSH keys for O(ciuser), one per item (encoded as Proxmox requires).
    type: list
    elements: str
  nameserver:
    description: Cloud-init DNS servers, separated by spaces.
    type: str
  searchdomain:
    description: Cloud-init DNS search domain.
    type: str
  tags:
    description: Tags of the VM (compared as a set, lower case).
    type: list
    elements: str
  onboot:
    description: Start the VM when its node boots.
    type: bool
  agent:
    description: Enable the QEMU guest agent device.
    type: bool
  protection:
    description: Protect the VM and its disks from deletion. A protected VM is never deleted by O(state=absent).
    type: bool
  description:
    description: Notes of the VM.
    type: str
  apply_pending:
    description:
      - What to do when a running VM has changes that wait for a restart.
      - C(never) - leave them pending and report RV(reboot_required).
      - C(reboot) - stop the VM (as O(stop_mode) says) and start it again, which applies them.
    type: str
    choices: [never, reboot]
    default: never
  stop_mode:
    description:
      - How O(state=stopped) stops a running VM.
      - C(shutdown) - ask the guest (ACPI) and wait up to O(shutdown_timeout); then a hard stop if
        O(force_stop), else fail.
      - C(hard) - stop at once, as a power cut (the experiments' "power loss").
    type: str
    choices: [shutdown, hard]
    default: shutdown
  force_stop:
    description: Stop hard when a shutdown outlasts O(shutdown_timeout).
    type: bool
    default: true
  shutdown_timeout:
    description: Seconds a guest has to shut down.
    type: int
    default: 180
  clone_timeout:
    description: Seconds a clone (and a migration after it) may take.
    type: int
    default: 900
  start_timeout:
    description: Seconds a start, stop or delete task may take.
    type: int
    default: 120
  wait_for:
    description:
      - After the VM is running, wait until it is usable.
      - C(agent) - the guest agent answers.
      - C(ip) - the guest agent reports O(wait_ip) (default - the first address of O(ipconfig)).
      - C(ssh) - a TCP connection to O(wait_ip) port 22 opens, from the host running the task.
    type: str
    choices: [none, agent, ip, ssh]
    default: none
  wait_ip:
    description: The address O(wait_for=ip) and O(wait_for=ssh) wait for.
    type: str
  wait_timeout:
    description: Seconds O(wait_for) may take.
    type: int
    default: 300
extends_documentation_fragment:
  - hastack.web.proxmox
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the cluster and reports what would change; makes no API write.
  diff_mode:
    support: full
    details:
      - The managed config keys, disk size, node and power state before and after; passwords masked.
      - For a VM that does not exist yet, before is C(state=absent) and after the whole VM the task makes
        (CPU, memory, disk size, NICs, cloud-init, tags), in check mode too; RV(changes) lists its keys.
  idempotent:
    description: Whether a second run with the same options changes nothing.
    support: full
    details: A second run with the same options makes no API write and reports no change.
  platform:
    support: full
    platforms: posix
  action_group:
    description: Use C(group/hastack.web.proxmox) in C(module_defaults) to set the connection options.
    support: full
    membership: [hastack.web.proxmox]
notes:
  - Proxmox VE 8 and 9. Tested against fakepve, a fake of the PVE 9 API, extended in the project's tests
    where it differs from Proxmox (a migration moves the VM, a resize grows the disk, a clone to another
    node from local storage is refused).
  - Registering the VM as an HA resource is not done by this module yet.
seealso:
  - name: Proxmox VE API viewer
    description: The endpoints this module uses (clone, config, pending, resize, status, tasks).
    link: https://pve.proxmox.com/pve-docs/api-viewer/
  - name: qm(1) - cloud-init options
    description: ipconfig, sshkeys and the cloud-init drive.
    link: https://pve.proxmox.com/pve-docs/qm.1.html
"""

EXAMPLES = r"""
- name: The paper's lb1, cloned from a Debian template, on a node of its own
  hastack.web.proxmox_vm:
    api_host: pve1.example.org
    api_user: ansible@pve
    api_token_id: provision
    api_token_secret: "{{ vault_proxmox_token }}"
    ca_path: /etc/ssl/pve-root-ca.pem
    name: lb1
    template: debian-12-cloud
    keep_apart_from: [lb2]
    cores: 4
    memory: 4096
    disk_size: 20G
    nics:
      - {bridge: vmbr0}
      - {bridge: vmbr1, tag: 77}
    ipconfig:
      - {ip: 103.30.180.234/24, gw: 103.30.180.1}
      - {ip: 172.22.77.14/24}
    ciuser: debian
    sshkeys: ["{{ lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub') }}"]
    tags: [hastack, balancer]
    onboot: true
    state: started
    wait_for: ssh

- name: Power loss, for a failover experiment
  hastack.web.proxmox_vm:
    name: lb1
    state: stopped
    stop_mode: hard

- name: Set the connection once for a whole play (action group)
  module_defaults:
    group/hastack.web.proxmox:
      api_host: pve1.example.org
      api_user: ansible@pve
      api_token_id: provision
      api_token_secret: "{{ vault_proxmox_token }}"
  block:
    - name: Remove a VM, disks and all
      hastack.web.proxmox_vm:
        name: scratch
        state: absent
"""

RETURN = r"""
vmid:
  description: Id of the managed VM (the one it would get, in check mode on a new VM; null when absent).
  returned: always
  type: int
  sample: 101
node:
  description: Node the VM is on (or would be created on).
  returned: always
  type: str
  sample: pve2
name:
  description: Name of the VM.
  returned: always
  type: str
  sample: lb1
status:
  description: Power state after the task (C(running), C(stopped)); C(absent) when the VM does not exist.
  returned: always
  type: str
  sample: running
created:
  description: Whether the task created the VM.
  returned: always
  type: bool
changes:
  description: Config keys written (or that would be written in check mode).
  returned: always
  type: list
  elements: str
  sample: [cores, memory, net1]
resized:
  description: The new size of O(disk) when it grew, else null.
  returned: always
  type: str
  sample: 20G
reboot_required:
  description: Keys whose change waits for the VM to restart (left pending, per O(apply_pending)).
  returned: always
  type: list
  elements: str
  sample: [memory]
placement_conflict:
  description:
    - With O(move=false), the VMs of O(keep_apart_from) on the same node as this existing VM (or its node, when
      it is not on O(node)); empty when the placement is right. Also returned by a failed move.
  returned: always
  type: list
  elements: str
  sample: []
"""

import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.web.plugins.module_utils.proxmox import (
    PROXMOX_AUTH_MUTUALLY_EXCLUSIVE, PROXMOX_AUTH_REQUIRED_ONE_OF, PROXMOX_AUTH_REQUIRED_TOGETHER,
    ProxmoxClient, ProxmoxFailure, proxmox_auth_argument_spec)
from ansible_collections.hastack.web.plugins.module_utils.proxmox_vm import (
    ProxmoxVmError, choose_node, config_changes, disk_resize, disk_size_of, effective_config, free_vmid,
    has_cloudinit_drive, input_problems, masked, new_vm_view, node_problem, parse_props, pending_keys, size_bytes,
    size_text)

# What a VM made from scratch gets unless the options say otherwise.
CREATE_DEFAULTS = {"ostype": "l26", "scsihw": "virtio-scsi-single"}


def argument_spec():
    spec = proxmox_auth_argument_spec()
    nic = dict(bridge=dict(type="str", required=True), model=dict(type="str", default="virtio"),
               tag=dict(type="int"), firewall=dict(type="bool", default=False), mtu=dict(type="int"),
               macaddr=dict(type="str"))
    ipconfig = dict(ip=dict(type="str"), gw=dict(type="str"), ip6=dict(type="str"), gw6=dict(type="str"))
    spec.update(
        name=dict(type="str"), vmid=dict(type="int"), vmid_start=dict(type="int", default=100),
        state=dict(type="str", default="present", choices=["present", "started", "stopped", "restarted", "absent"]),
        node=dict(type="str"), keep_apart_from=dict(type="list", elements="str", default=[]),
        move=dict(type="bool", default=True),
        nodes=dict(type="list", elements="str"),
        template=dict(type="str"), full_clone=dict(type="bool", default=True), storage=dict(type="str"),
        pool=dict(type="str"),
        cores=dict(type="int"), sockets=dict(type="int"), memory=dict(type="int"), cpu=dict(type="str"),
        ostype=dict(type="str"), scsihw=dict(type="str"),
        disk=dict(type="str", default="scsi0"), disk_size=dict(type="str"),
        nics=dict(type="list", elements="dict", options=nic),
        ipconfig=dict(type="list", elements="dict", options=ipconfig),
        ciuser=dict(type="str"), cipassword=dict(type="str", no_log=True),
        sshkeys=dict(type="list", elements="str", no_log=False),
        nameserver=dict(type="str"), searchdomain=dict(type="str"),
        tags=dict(type="list", elements="str"), onboot=dict(type="bool"), agent=dict(type="bool"),
        protection=dict(type="bool"), description=dict(type="str"),
        apply_pending=dict(type="str", default="never", choices=["never", "reboot"]),
        stop_mode=dict(type="str", default="shutdown", choices=["shutdown", "hard"]),
        force_stop=dict(type="bool", default=True),
        shutdown_timeout=dict(type="int", default=180), clone_timeout=dict(type="int", default=900),
        start_timeout=dict(type="int", default=120),
        wait_for=dict(type="str", default="none", choices=["none", "agent", "ip", "ssh"]),
        wait_ip=dict(type="str"), wait_timeout=dict(type="int", default=300),
    )
    return spec


class VmTask(object):
    """One run of the module: read, compare, decide, act once per difference, report."""

    def __init__(self, module, client):
        self.module = module
        self.params = module.params
        self.client = client
        self.check = module.check_mode
        self.result = dict(changed=False, vmid=None, node=None, name=self.params["name"], status="absent",
                           created=False, changes=[], resized=None, reboot_required=[], placement_conflict=[])
        self.before = {}
        self.after = {}
        self.unfinished = None  # (node, vmid) of a VM this task created and has not finished yet

    # ------------------------------------------------------------ reading

    def resources(self):
        return self.client.call("GET", ["cluster", "resources"], type="vm")

    def find(self, resources):
        """The VM as /cluster/resources lists it, or None."""
        qemu = [r for r in resources if r.get("type") == "qemu" and not r.get("template")]
        if self.params["vmid"] is not None:
            for vm in resources:
                if int(vm.get("vmid", -1)) == self.params["vmid"]:
                    if vm.get("type") != "qemu" or vm.get("template"):
                        self.fail("vmid %d is a %s, not a VM this module manages" % (
                            self.params["vmid"], "template" if vm.get("template") else "container"))
                    return vm
            return None
        found = [vm for vm in qemu if vm.get("name") == self.params["name"]]
        if len(found) > 1:
            self.fail("%d VMs are named %s (vmids %s): give the vmid of the one to manage" % (
                len(found), self.params["name"], ", ".join(str(vm["vmid"]) for vm in found)))
        return found[0] if found else None

    def read(self, node, vmid):
        pending = self.client.call("GET", ["nodes", node, "qemu", vmid, "pending"])
        config = self.client.call("GET", ["nodes", node, "qemu", vmid, "config"])
        return pending, config.get("digest")

    def power(self, node, vmid):
        return self.client.call("GET", ["nodes", node, "qemu", vmid, "status", "current"]).get("status")

    # ------------------------------------------------------------ the run

    def run(self):
        params = self.params
        if not params["name"] and params["vmid"] is None:
            self.fail("give name or vmid: the VM is found by its vmid, or else by its unique name")
        resources = self.resources()
        vm = self.find(resources)
        if params["state"] == "absent":
            if vm is not None:
                self.remove(vm)
            return self.finish()
        if vm is None:
            vm = self.create(resources)
            if vm is None:  # check mode: nothing to read back
                return self.finish()
        else:
            self.place_existing(vm, resources)
        node, vmid = vm["node"], int(vm["vmid"])
        self.result.update(vmid=vmid, node=node, name=vm.get("name") or params["name"])
        self.configure(node, vmid)
        self.unfinished = None  # created and configured: from here on, a failure leaves a whole VM
        self.set_power(node, vmid)
        return self.finish()

    def finish(self):
        if self.module._diff:
            self.result["diff"] = dict(before=self.before, after=self.after)
        return self.result

    def fail(self, msg, **extra):
        if self.unfinished is not None:
            msg += " " + self.remove_unfinished()
        self.module.fail_json(msg=msg, **dict(self.result, **extra))

    def remove_unfinished(self):
        """A VM this task created but could not finish is removed again, so that the next run
        starts clean instead of adopting a half-made VM; the message says which happened."""
        node, vmid = self.unfinished
        self.unfinished = None
        try:
            self.client.run_task("DELETE", ["nodes", node, "qemu", vmid], node, self.params["start_timeout"],
                                 "removing the unfinished VM %d" % vmid, purge=1,
                                 **{"destroy-unreferenced-disks": 1})
        except ProxmoxFailure as failure:
            return ("VM %d, which this task created on %s, is left unfinished because removing it failed too (%s): "
                    "remove it (qm destroy %d --purge), or fix the cause and run again to finish it." % (
                        vmid, node, failure, vmid))
        self.result.update(created=False, status="absent")
        return "VM %d, which this task had created on %s, was removed again, so nothing is left half made." % (
            vmid, node)

    # ------------------------------------------------------------ create

    def create(self, resources):
        params = self.params
        if not params["name"]:
            self.fail("a new VM needs a name")
        template = self.find_template(resources) if params["template"] else None
        if template is None and not (params["storage"] and params["disk_size"]):
            self.fail("%s does not exist; to create it, give template (to clone) or storage and disk_size "
                      "(to make it from scratch)" % params["name"])
        base = self.template_config(template) if template is not None else {}
        node = self.place(resources, template)
        used = [int(r["vmid"]) for r in resources if r.get("vmid") is not None]
        vmid = params["vmid"] if params["vmid"] is not None else free_vmid(used, params["vmid_start"])
        try:
            view, written = new_vm_view(base, params)
        except ProxmoxVmError as exc:
            self.fail(str(exc))
        self.result.update(changed=True, created=True, vmid=vmid, node=node, name=params["name"])
        self.before = {"state": "absent"}
        self.after = dict(masked(view), state="present", node=node, vmid=vmid)
        if self.check:
            self.result["status"] = "running" if params["state"] in ("started", "restarted") else "stopped"
            self.result["changes"] = written
            self.after["status"] = self.result["status"]
            return None
        skip = set()
        for attempt in range(1 + params["lock_retries"]):
            try:
                if template is not None:
                    self.clone(template, node, vmid)
                else:
                    self.create_scratch(node, vmid)
                break
            except ProxmoxFailure as failure:
                if failure.kind != "exists":
                    self.fail(str(failure))
                if params["vmid"] is not None:
                    self.fail("vmid %d is taken by another guest (it was free when this task looked): choose "
                              "another vmid, or leave it out to take the next free one" % vmid)
                skip.add(vmid)  # a parallel creator took it: take the next free id
                used = [int(r["vmid"]) for r in self.resources() if r.get("vmid") is not None]
                vmid = free_vmid(used, params["vmid_start"], skip)
                self.result["vmid"] = self.after["vmid"] = vmid
        else:
            self.fail("no free vmid after %d tries: other tasks keep taking them" % (1 + params["lock_retries"]))
        if self.unfinished[0] != node:  # cloned beside the template: move it where it belongs
            self.finish_move(self.unfinished[0], vmid, node)
            self.unfinished = (node, vmid)
        return {"node": node, "vmid": vmid, "name": params["name"]}

    def template_config(self, template):
        """The template's config, read before anything is made: the disk must be there and not
        larger than disk_size asks, or the clone would be made only to fail."""
        params = self.params
        config = self.client.call("GET", ["nodes", template["node"], "qemu", template["vmid"], "config"])
        if params["disk_size"] is not None:
            have = disk_size_of(config, params["disk"])
            if params["disk"] not in config:
                self.fail("template %s has no disk %s: set disk to the disk disk_size is for (it has %s)" % (
                    params["template"], params["disk"], ", ".join(sorted(
                        key for key in config if key[:4] in ("scsi", "sata") or key.startswith(("virtio", "ide"))))
                    or "none"))
            if have is not None and size_bytes(params["disk_size"]) < have:
                self.fail("disk_size=%s is smaller than the template's %s of %s: Proxmox cannot shrink a disk. "
                          "Use %s or more." % (params["disk_size"], params["disk"], size_text(have), size_text(have)))
        return dict((key, value) for key, value in config.items() if key not in ("digest", "template"))

    def find_template(self, resources):
        wanted = self.params["template"]
        found = [r for r in resources if r.get("type") == "qemu" and r.get("template")
                 and (r.get("name") == wanted or str(r.get("vmid")) == wanted)]
        if not found:
            self.fail("template %s not found: name or vmid of a VM template of this cluster" % wanted)
        if len(found) > 1:
            self.fail("%d templates are named %s (vmids %s): give the template's vmid" % (
                len(found), wanted, ", ".join(str(r["vmid"]) for r in found)))
        return found[0]

    def nodes(self):
        return self.client.call("GET", ["cluster", "resources"], type="node")

    def place(self, resources, template):
        params = self.params
        if params["node"]:
            problem = node_problem(self.nodes(), params["node"])
            if problem:
                self.fail("%s cannot be created on %s: %s" % (params["name"], params["node"], problem))
            beside = sorted(r["name"] for r in resources if r.get("node") == params["node"] and r.get("type") == "qemu"
                            and r.get("name") in params["keep_apart_from"] and r.get("name") != params["name"])
            if beside:
                self.fail("%s is pinned to node %s, which holds %s: keep_apart_from and node disagree; change one" % (
                    params["name"], params["node"], ", ".join(beside)))
            return params["node"]
        if not params["keep_apart_from"] and template is not None:
            return template["node"]
        try:
            return choose_node(self.nodes(), [r for r in resources if r.get("type") == "qemu"], params["name"],
                               params["keep_apart_from"], params["nodes"])
        except ProxmoxVmError as exc:
            self.fail(str(exc))

    def shared(self, storage):
        try:
            return str(self.client.call("GET", ["storage", storage]).get("shared", 0)) == "1"
        except ProxmoxFailure:
            return False

    def template_storages(self, template):
        config = self.client.call("GET", ["nodes", template["node"], "qemu", template["vmid"], "config"])
        storages = set()
        for key, value in config.items():
            if key[:4] in ("scsi", "sata") or key.startswith(("virtio", "ide", "efidisk", "tpmstate")):
                volume = parse_props(value)[0][0] if parse_props(value) else ""
                if ":" in volume and "media=cdrom" not in str(value):
                    storages.add(volume.split(":", 1)[0])
        return storages

    def clone(self, template, node, vmid):
        params = self.params
        source_node = template["node"]
        data = dict(newid=vmid, name=params["name"], full=1 if params["full_clone"] else 0)
        if params["pool"]:
            data["pool"] = params["pool"]
        if params["storage"] and params["full_clone"]:
            data["storage"] = params["storage"]
        if node != source_node:
            storages = {params["storage"]} if data.get("storage") else self.template_storages(template)
            if all(self.shared(storage) for storage in storages):
                data["target"] = node
            # else: cloned beside the template, then moved (create() calls finish_move)
        self.client.run_task("POST", ["nodes", source_node, "qemu", template["vmid"], "clone"], source_node,
                             params["clone_timeout"], "cloning %s to VM %d" % (template.get("name"), vmid), **data)
        self.unfinished = (node if data.get("target") else source_node, vmid)

    def create_scratch(self, node, vmid):
        params = self.params
        data = dict(vmid=vmid, name=params["name"])
        for key, default in CREATE_DEFAULTS.items():
            data[key] = params[key] or default
        data[params["disk"]] = "%s:%d" % (params["storage"], max(1, size_bytes(params["disk_size"]) // 1024 ** 3))
        if params["ipconfig"] or params["sshkeys"] or params["ciuser"]:
            data["ide2"] = "%s:cloudinit" % params["storage"]
        data["boot"] = "order=%s" % params["disk"]
        if params["pool"]:
            data["pool"] = params["pool"]
        # the rest (CPU, memory, NICs, cloud-init...) is applied by configure(), as on a clone
        self.client.run_task("POST", ["nodes", node, "qemu"], node, params["start_timeout"],
                             "creating VM %d" % vmid, **data)
        self.unfinished = (node, vmid)

    # ------------------------------------------------------------ placement of an existing VM

    def place_existing(self, vm, resources):
        """An existing VM on the wrong node - not the node asked, or beside a VM it must be kept
        apart from - is moved there (move=true), or the conflict is reported (move=false)."""
        params = self.params
        conflict = sorted(r["name"] for r in resources
                          if r.get("node") == vm["node"] and r.get("name") in params["keep_apart_from"]
                          and r.get("vmid") != vm["vmid"] and r.get("type") == "qemu")
        target = None
        if params["node"] and vm["node"] != params["node"]:
            target = params["node"]
            problem = node_problem(self.nodes(), target)
            if problem:
                self.fail("%s is on %s, not on node %s as asked, and cannot be moved there: %s" % (
                    vm.get("name"), vm["node"], target, problem))
        elif conflict and not params["node"]:
            try:
                target = choose_node(self.nodes(), [r for r in resources if r.get("type") == "qemu"
                                                    and r.get("vmid") != vm["vmid"]],
                                     vm.get("name"), params["keep_apart_from"], params["nodes"])
            except ProxmoxVmError as exc:
                self.fail("%s shares %s with %s, which keep_apart_from forbids, and no node can take it: %s" % (
                    vm.get("name"), vm["node"], ", ".join(conflict), exc), placement_conflict=conflict)
        elif conflict:
            self.fail("%s is pinned to node %s, which also holds %s: keep_apart_from and node disagree; change one" % (
                vm.get("name"), vm["node"], ", ".join(conflict)), placement_conflict=conflict)
        if target is None:
            return
        if not params["move"]:
            self.result["placement_conflict"] = conflict or [vm["node"]]
            return
        self.result["changed"] = True
        self.before["node"], self.after["node"] = vm["node"], target
        if not self.check:
            self.finish_move(vm["node"], int(vm["vmid"]), target, running=vm.get("status") == "running")
        vm["node"] = target

    def finish_move(self, source, vmid, target, running=False):
        """Migrate a VM: offline when stopped; when running, online, with its local disks."""
        data = dict(target=target, online=1 if running else 0)
        if running:
            data["with-local-disks"] = 1
        try:
            self.client.run_task("POST", ["nodes", source, "qemu", vmid, "migrate"], source,
                                 self.params["clone_timeout"], "moving VM %d from %s to %s" % (vmid, source, target),
                                 **data)
        except ProxmoxFailure as failure:
            self.fail("VM %d is on %s, not on %s where it belongs, because the migration failed: %s" % (
                vmid, source, target, failure), placement_conflict=[source])

    # ------------------------------------------------------------ configure

    def configure(self, node, vmid):
        params = self.params
        for attempt in range(1 + params["lock_retries"]):
            pending, digest = self.read(node, vmid)
            current = effective_config(pending)
            try:
                changes = config_changes(current, params)
                resize = disk_resize(current, params["disk"], params["disk_size"])
            except ProxmoxVmError as exc:
                self.fail(str(exc))
            if (params["ipconfig"] or params["sshkeys"] or params["ciuser"]) and not has_cloudinit_drive(current):
                self.fail("VM %d has no cloud-init drive, so ipconfig, sshkeys and ciuser would do nothing: add one "
                          "to the template (qm set <id> --ide2 <storage>:cloudinit)" % vmid)
            self.record_diff(current, changes, resize)
            if not changes and not resize:
                break
            self.result["changed"] = True
            self.result["changes"] = sorted(changes)
            self.result["resized"] = resize
            if self.check:
                break
            if changes:
                try:
                    self.client.call("PUT", ["nodes", node, "qemu", vmid, "config"], digest=digest, **changes)
                except ProxmoxFailure as failure:
                    if failure.kind == "checksum" and attempt < params["lock_retries"]:
                        continue  # changed under us: read it again and decide again
                    self.fail(str(failure))
            if resize:
                self.call_or_fail("PUT", ["nodes", node, "qemu", vmid, "resize"], disk=params["disk"], size=resize)
            break
        else:
            self.fail("the config of VM %d kept changing under this task (another client writes it)" % vmid)
        if not self.check:
            pending = self.read(node, vmid)[0]
            self.result["reboot_required"] = pending_keys(pending)

    def record_diff(self, current, changes, resize):
        if self.result["created"]:
            return  # before is "absent" and after the whole new VM (create() recorded both)
        keys = set(changes)
        before = dict((key, current.get(key)) for key in keys)
        after = dict(before, **changes)
        disk = self.params["disk"]
        if resize:
            before["size"] = dict(parse_props(current.get(disk, ""))).get("size")
            after["size"] = resize
        self.before.update(masked(before))
        self.after.update(masked(after))

    # ------------------------------------------------------------ power

    def set_power(self, node, vmid):
        params = self.params
        state = params["state"]
        status = "stopped" if self.result["created"] and self.check else self.power(node, vmid)
        pending = self.result["reboot_required"]
        want = {"started": "running", "restarted": "running", "stopped": "stopped"}.get(state, status)
        if not self.result["created"]:
            self.before["status"] = status
        self.after["status"] = want
        if status == want and state != "restarted" and not (pending and status == "running"
                                                            and params["apply_pending"] == "reboot"):
            self.result["status"] = status
            self.wait_ready(node, vmid, status)
            return
        self.result.update(changed=True, status=want)
        if self.check:
            return
        what = "VM %d" % vmid
        if want == "running" and status == "running":
            self.stop(node, vmid, what)  # restarted, or pending changes to apply: a full stop applies them
            self.start(node, vmid, what)
            self.result["reboot_required"] = []
        elif want == "running":
            self.start(node, vmid, what)
            self.result["reboot_required"] = []
        else:
            self.stop(node, vmid, what)
        self.wait_ready(node, vmid, want)

    def start(self, node, vmid, what):
        self.task_or_fail("POST", ["nodes", node, "qemu", vmid, "status", "start"], node,
                          self.params["start_timeout"], "starting " + what)

    def stop(self, node, vmid, what):
        params = self.params
        if params["stop_mode"] == "hard":
            self.task_or_fail("POST", ["nodes", node, "qemu", vmid, "status", "stop"], node,
                              params["start_timeout"], "stopping " + what)
            return
        self.task_or_fail("POST", ["nodes", node, "qemu", vmid, "status", "shutdown"], node,
                          params["shutdown_timeout"] + params["start_timeout"], "shutting down " + what,
                          timeout=params["shutdown_timeout"], forceStop=1 if params["force_stop"] else 0)

    def wait_ready(self, node, vmid, status):
        params = self.params
        if params["wait_for"] == "none" or status != "running" or self.check:
            return
        address = params["wait_ip"] or next(
            (str(spec.get("ip")).split("/", 1)[0] for spec in params["ipconfig"] or []
             if spec.get("ip") and spec.get("ip") != "dhcp"), None)
        if params["wait_for"] in ("ip", "ssh") and not address:
            self.fail("wait_for=%s needs wait_ip, or a static ip in ipconfig" % params["wait_for"])
        deadline = time.monotonic() + params["wait_timeout"]
        while True:
            if self.ready(node, vmid, address):
                return
            if time.monotonic() >= deadline:
                self.fail("VM %d is running but %s within %d s" % (vmid, {
                    "agent": "its guest agent did not answer",
                    "ip": "its guest agent did not report %s" % address,
                    "ssh": "%s:22 did not accept a connection" % address}[params["wait_for"]], params["wait_timeout"]))
            time.sleep(2)

    def ready(self, node, vmid, address):
        kind = self.params["wait_for"]
        if kind == "ssh":
            try:
                socket.create_connection((address, 22), timeout=3).close()
                return True
            except OSError:
                return False
        try:
            if kind == "agent":
                self.client.call("POST", ["nodes", node, "qemu", vmid, "agent", "ping"], retry=False)
                return True
            answer = self.client.call("GET", ["nodes", node, "qemu", vmid, "agent", "network-get-interfaces"],
                                      retry=False)
        except ProxmoxFailure:
            return False
        for interface in (answer or {}).get("result", []):
            for ip in interface.get("ip-addresses", []):
                if ip.get("ip-address") == address:
                    return True
        return False

    # ------------------------------------------------------------ absent

    def remove(self, vm):
        node, vmid = vm["node"], int(vm["vmid"])
        self.result.update(vmid=vmid, node=node, name=vm.get("name"))
        config = self.client.call("GET", ["nodes", node, "qemu", vmid, "config"])
        if str(config.get("protection", "0")) == "1":
            self.fail("VM %d (%s) is protected: set protection: false on it first, if it really is to go" % (
                vmid, vm.get("name")))
        self.result["changed"] = True
        self.before = {"state": "present", "status": vm.get("status"), "node": node, "vmid": vmid}
        self.after = {"state": "absent"}
        if self.check:
            return
        if vm.get("status") == "running":
            self.task_or_fail("POST", ["nodes", node, "qemu", vmid, "status", "stop"], node,
                              self.params["start_timeout"], "stopping VM %d" % vmid)
        self.task_or_fail("DELETE", ["nodes", node, "qemu", vmid], node, self.params["start_timeout"],
                          "deleting VM %d" % vmid, purge=1, **{"destroy-unreferenced-disks": 1})
        self.result["status"] = "absent"

    # ------------------------------------------------------------ helpers

    def call_or_fail(self, method, path, **data):
        try:
            return self.client.call(method, path, **data)
        except ProxmoxFailure as failure:
            self.fail(str(failure))

    def task_or_fail(self, method, path, node, deadline, what, **data):
        try:
            return self.client.run_task(method, path, node, deadline, what, **data)
        except ProxmoxFailure as failure:
            self.fail(str(failure))


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=PROXMOX_AUTH_MUTUALLY_EXCLUSIVE,
        required_one_of=PROXMOX_AUTH_REQUIRED_ONE_OF,
        required_together=PROXMOX_AUTH_REQUIRED_TOGETHER,
    )
    problems = input_problems(module.params) if module.params["state"] != "absent" else []
    if problems:
        module.fail_json(msg="nothing was done, because: %s" % "; ".join(problems))
    client = ProxmoxClient(module)
    try:
        result = VmTask(module, client).run()
    except ProxmoxFailure as failure:
        module.fail_json(msg=str(failure))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
