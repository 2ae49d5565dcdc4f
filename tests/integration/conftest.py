"""fakepve, made as faithful as the proxmox_vm tests need.

fakepve 0.5.0 accepts a VM's migration and a disk resize and changes nothing, and clones to
another node from local storage. That hides the very behaviours the module must handle, so
the `fakepve` fixture here serves a subclass that does what Proxmox VE documents
(https://pve.proxmox.com/pve-docs/api-viewer/, qm(1)):
- POST /nodes/{node}/qemu/{vmid}/migrate is a task that moves the VM to `target`. It is
  refused for the node the VM is on, an unknown node, a running VM without `online`, and a
  running VM with local disks without `with-local-disks`; the task fails when the target is
  offline.
- PUT /nodes/{node}/qemu/{vmid}/resize sets the disk's size= (absolute or +N), and refuses to
  shrink it.
- A clone with `target` fails when a disk of the source is on storage that is not shared
  ("can't clone VM to node ... (VM uses local storage)").
Everything else is fakepve's own.
"""

import re

import pytest
from fakepve.model import TaskError
from fakepve.pytest_plugin import _options, _Serving
from fakepve.routing import die, param_error
from fakepve.server import FakePve

SIZE = re.compile(r"^(\+)?(\d+(?:\.\d+)?)([KMGT]?)$")
UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def _bytes(number, unit):
    return int(float(number) * UNITS[unit])


def _size_text(value):
    for unit in ("T", "G", "M", "K"):
        if value % UNITS[unit] == 0:
            return "%d%s" % (value // UNITS[unit], unit)
    return str(value)


def _disks(config):
    """(key, volume, props) of the VM's disks, CD-ROMs left out."""
    for key, value in sorted(config.items()):
        if re.fullmatch(r"(scsi|virtio|sata|ide|efidisk|tpmstate)\d+", key):
            volume, _sep, rest = str(value).partition(",")
            if "media=cdrom" in rest or ":" not in volume:
                continue
            yield key, volume, rest


def _flag(value):
    return str(value).lower() in ("1", "true", "yes", "on")


class FaithfulPve(FakePve):
    """fakepve with migrate, resize and cross-node clones as Proxmox VE does them."""

    def _routes_hastack_faithful(self):
        one = "/nodes/{node}/qemu/{vmid}"
        return [("POST", one + "/migrate", self._hastack_migrate), ("PUT", one + "/resize", self._hastack_resize)]

    def _local_volumes(self, config):
        return [volume for _key, volume, _props in _disks(config)
                if not (self.storages.get(volume.split(":", 1)[0]) or {}).get("shared")]

    async def _hastack_migrate(self, v, user):
        vm = self.find(v["node"], v["vmid"])
        target = v.get("target")
        if target == vm.node:
            raise die("target is local node.")
        if target not in self.nodes:
            raise die("no such cluster node '{0}'".format(target))
        self.need_quorum()
        self._check_lock(vm)
        online = _flag(v.get("online", 0))
        if vm.status == "running" and not online:
            raise die("can't migrate running VM without --online")
        if vm.status == "running" and self._local_volumes(vm.config) and not _flag(v.get("with-local-disks", 0)):
            raise die("can't live migrate attached local disks without with-local-disks option")

        async def body():
            vm.lock = "migrate"
            try:
                if not self.nodes[target].get("online", True):
                    raise TaskError("migration aborted: target node '{0}' is not online".format(target))
                await self.pause(20)
                vm.node = target
            finally:
                vm.lock = None
            return "migration finished successfully"
        return await self.task(vm.node, "qmigrate", vm.vmid, user, body, vm=vm,
                               log=["starting migration of VM {0} to node '{1}'".format(vm.vmid, target)])

    async def _hastack_resize(self, v, user):
        vm = self.find(v["node"], v["vmid"])
        disk, size = v.get("disk"), str(v.get("size", ""))
        self._check_lock(vm)
        if disk not in vm.config:
            raise param_error(disk="disk '{0}' does not exist".format(disk))
        volume, _sep, rest = str(vm.config[disk]).partition(",")
        props = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
        have = SIZE.match(props.get("size", "0"))
        have = _bytes(have.group(2), have.group(3)) if have else 0
        want = SIZE.match(size)
        if not want:
            raise param_error(size="value does not match the regex pattern")
        new = have + _bytes(want.group(2), want.group(3)) if want.group(1) else _bytes(want.group(2), want.group(3))
        if new < have:
            raise die("shrinking disks is not supported")
        props["size"] = _size_text(new)
        vm.config[disk] = ",".join([volume] + ["%s=%s" % (key, props[key]) for key in props])
        return None

    async def _qm_clone(self, v, user):
        target = v.get("target")
        if target and target not in (v["node"], "localhost") and not v.get("storage"):
            local = self._local_volumes(self.find(v["node"], v["vmid"]).config)
            if local:
                raise die("can't clone VM to node '{0}' (VM uses local storage)".format(target))
        return await super()._qm_clone(v, user)


@pytest.fixture
def fakepve(request, _fakepve_pki):
    """The plugin's fixture, serving FaithfulPve (same options and markers)."""
    options = _options(request)
    pve = FaithfulPve(user=options["user"], password=options["password"], host="127.0.0.1", port=0)
    pve.time_scale = options["time_scale"]
    serving = _Serving(pve, *_fakepve_pki)
    try:
        yield pve
    finally:
        serving.stop()
