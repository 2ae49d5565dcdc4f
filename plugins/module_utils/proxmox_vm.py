# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for the proxmox_vm module: what a VM's Proxmox config should hold, how it
differs from what Proxmox has, and where a new VM goes. No I/O: the module reads the API,
calls these, and writes what they say."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

try:  # Python 3
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported by the module
    from urllib import quote, unquote  # type: ignore

NIC_MODELS = ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3", "i82551", "i82557b", "i82559er", "ne2k_isa",
              "ne2k_pci", "pcnet")
SIZE_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


class ProxmoxVmError(Exception):
    """Bad input or an impossible change; the message says what to change."""


# ---------------------------------------------------------------- property strings

def parse_props(text):
    """'virtio=AA:..,bridge=vmbr0,tag=20' -> ordered list of (key, value); a bare item has value None."""
    items = []
    for part in str(text or "").split(","):
        if not part:
            continue
        key, sep, value = part.partition("=")
        items.append((key.strip(), value.strip() if sep else None))
    return items


def size_bytes(text):
    """'20G', '512M', '1.5T', '1073741824' -> bytes (Proxmox's units are powers of 1024)."""
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$", str(text), re.IGNORECASE)
    if not match:
        raise ProxmoxVmError("%r is not a size: use a number with K, M, G or T (e.g. 20G)" % (text,))
    return int(float(match.group(1)) * SIZE_UNITS[match.group(2).upper()])


def size_text(value):
    """Bytes -> Proxmox's size notation, the largest unit that divides it."""
    for unit in ("T", "G", "M", "K"):
        if value % SIZE_UNITS[unit] == 0:
            return "%d%s" % (value // SIZE_UNITS[unit], unit)
    return str(value)


# ---------------------------------------------------------------- NICs

def parse_nic(text):
    """A netN value -> {model, macaddr, bridge, tag, firewall, ...} (strings)."""
    nic = {}
    for key, value in parse_props(text):
        if key in NIC_MODELS:
            nic["model"] = key
            if value:
                nic["macaddr"] = value.upper()
        elif key == "model":
            nic["model"] = value
        elif value is not None:
            nic[key] = value.upper() if key == "macaddr" else value
    return nic


def nic_text(nic):
    """{model, macaddr, bridge, tag, firewall, ...} -> the netN value Proxmox stores."""
    head = nic["model"] + ("=" + nic["macaddr"] if nic.get("macaddr") else "")
    rest = ["%s=%s" % (key, nic[key]) for key in sorted(nic)
            if key not in ("model", "macaddr") and nic[key] not in (None, "")]
    return ",".join([head] + rest)


def desired_nic(spec):
    """The module's NIC option -> the fields it manages, as Proxmox writes them."""
    nic = {"model": spec.get("model") or "virtio", "bridge": spec["bridge"],
           "firewall": "1" if spec.get("firewall") else "0"}
    if spec.get("tag") is not None:
        nic["tag"] = str(spec["tag"])
    if spec.get("mtu") is not None:
        nic["mtu"] = str(spec["mtu"])
    if spec.get("macaddr"):
        if not MAC_RE.match(spec["macaddr"]):
            raise ProxmoxVmError("nics: macaddr %r is not a MAC address (aa:bb:cc:dd:ee:ff)" % spec["macaddr"])
        nic["macaddr"] = spec["macaddr"].upper()
    return nic


def nic_value(spec, current_text):
    """The netN value to write, or None when Proxmox already has it. The current MAC is kept
    unless the spec names one; fields the module does not manage (rate, queues...) are kept."""
    want = desired_nic(spec)
    have = parse_nic(current_text) if current_text else {}
    managed = ("model", "bridge", "firewall", "tag", "mtu") + (("macaddr",) if "macaddr" in want else ())
    defaults = {"firewall": "0"}
    if all(have.get(key, defaults.get(key)) == want.get(key, defaults.get(key)) for key in managed):
        return None
    merged = dict((key, value) for key, value in have.items() if key not in managed or key == "macaddr")
    merged.update(want)
    return nic_text(merged)


# ---------------------------------------------------------------- cloud-init

def ipconfig_text(spec):
    """{ip: 10.0.0.5/24 | dhcp, gw, ip6, gw6} -> 'ip=10.0.0.5/24,gw=10.0.0.1'."""
    parts = []
    for key in ("ip", "gw", "ip6", "gw6"):
        if spec.get(key):
            parts.append("%s=%s" % (key, spec[key]))
    if not parts:
        raise ProxmoxVmError("ipconfig entries need ip (an address with prefix, or dhcp)")
    return ",".join(parts)


def same_ipconfig(current, desired):
    return dict(parse_props(current)) == dict(parse_props(desired))


def sshkeys_text(keys):
    """Public keys -> the value Proxmox stores: one key a line, URL-encoded (spaces as %20)."""
    lines = []
    for key in keys:
        for line in str(key).splitlines():
            if line.strip():
                lines.append(line.strip())
    return quote("\n".join(lines) + "\n", safe="")


def same_sshkeys(current, desired):
    def keys(text):
        return sorted(line.strip() for line in unquote(str(text or "")).splitlines() if line.strip())
    return keys(current) == keys(desired)


# ---------------------------------------------------------------- the whole config

def tags_text(tags):
    return ";".join(sorted(set(str(tag).strip().lower() for tag in tags if str(tag).strip())))


def flag(value):
    """Proxmox's booleans ('1', 1, 'enabled=1,fstrim...', True) -> '1' or '0'."""
    first = str(value).split(",", 1)[0]
    first = first.rsplit("=", 1)[-1]
    return "1" if first.strip().lower() in ("1", "true", "yes", "on") else "0"


def desired_config(params):
    """Module options -> {config key: value as Proxmox stores it} for the keys the task manages.
    Options left unset (None) are not managed."""
    want = {}
    for key in ("cores", "sockets", "memory", "balloon"):
        if params.get(key) is not None:
            want[key] = str(int(params[key]))
    for key in ("cpu", "name", "description", "ostype", "scsihw", "ciuser", "nameserver", "searchdomain",
                "citype"):
        if params.get(key) not in (None, ""):
            want[key] = str(params[key])
    for key in ("onboot", "agent", "protection"):
        if params.get(key) is not None:
            want[key] = "1" if params[key] else "0"
    if params.get("tags") is not None:
        want["tags"] = tags_text(params["tags"])
    if params.get("sshkeys") is not None:
        want["sshkeys"] = sshkeys_text(params["sshkeys"])
    for index, spec in enumerate(params.get("ipconfig") or []):
        want["ipconfig%d" % index] = ipconfig_text(spec)
    return want


def same_value(key, current, desired):
    """Whether Proxmox's current value means the desired one."""
    if current is None:
        return False
    if key in ("onboot", "agent", "protection"):
        return flag(current) == desired
    if key == "tags":
        return tags_text(re.split(r"[;, ]+", str(current))) == desired
    if key == "sshkeys":
        return same_sshkeys(current, desired)
    if key.startswith("ipconfig"):
        return same_ipconfig(current, desired)
    if key in ("cores", "sockets", "memory", "balloon"):
        try:
            return int(str(current).rsplit("=", 1)[-1]) == int(desired)
        except ValueError:
            return False
    return str(current) == desired


def effective_config(pending):
    """/nodes/N/qemu/V/pending rows -> the config the VM will have once pending changes apply.
    That is what a task compares against: a change already written but waiting for a restart
    is not written again."""
    config = {}
    for row in pending:
        if row.get("delete"):
            continue
        if "pending" in row:
            config[row["key"]] = row["pending"]
        elif "value" in row:
            config[row["key"]] = row["value"]
    return config


def pending_keys(pending):
    """Keys whose change waits for the next start."""
    return sorted(row["key"] for row in pending if "pending" in row or row.get("delete"))


def config_changes(current, params):
    """{key: new value} to write so that `current` (the effective config) holds what the
    options ask. Keys the options do not manage are never touched."""
    changes = {}
    for key, value in sorted(desired_config(params).items()):
        if not same_value(key, current.get(key), value):
            changes[key] = value
    if params.get("cipassword") and "cipassword" not in current:
        changes["cipassword"] = params["cipassword"]
    for index, spec in enumerate(params.get("nics") or []):
        key = "net%d" % index
        value = nic_value(spec, current.get(key))
        if value is not None:
            changes[key] = value
    return changes


def disk_resize(current, disk, size):
    """The size to grow `disk` to, or None when it is already that large. Proxmox cannot
    shrink a disk, so asking for less fails with the sizes named."""
    if size is None:
        return None
    value = current.get(disk)
    if value is None:
        raise ProxmoxVmError("disk %s does not exist on this VM: set disk to one of %s" % (
            disk, ", ".join(sorted(k for k in current if re.match(r"^(scsi|virtio|sata|ide)\d+$", k))) or "none"))
    have = None
    for key, item in parse_props(value)[1:]:
        if key == "size":
            have = size_bytes(item)
    want = size_bytes(size)
    if have is not None and want < have:
        raise ProxmoxVmError("disk_size=%s is smaller than %s's %s: Proxmox cannot shrink a disk. Keep disk_size at "
                             "%s or more." % (size, disk, size_text(have), size_text(have)))
    if have == want:
        return None
    return size_text(want)


def has_cloudinit_drive(config):
    """Whether the VM has a drive cloud-init can use: Proxmox names it vm-<id>-cloudinit and
    mounts it as a CD-ROM. (Any CD-ROM drive counts, so a renamed volume is not refused.)"""
    for key, value in config.items():
        if re.match(r"^(ide|sata|scsi)\d+$", key) and ("cloudinit" in str(value) or "media=cdrom" in str(value)):
            return True
    return False


def masked(config):
    """A config for diff output: secrets hidden, cloud-init keys decoded."""
    shown = {}
    for key, value in config.items():
        if key == "cipassword" and value is not None:
            shown[key] = "********"
        elif key == "sshkeys":
            shown[key] = unquote(str(value)) if value is not None else None
        else:
            shown[key] = value
    return shown


# ---------------------------------------------------------------- placement

def choose_node(nodes, vms, name, keep_apart, allowed=None):
    """Where a new VM goes.

    nodes: [{node, status, cpu, maxcpu, mem, maxmem}] as /cluster/resources lists them;
    vms: [{name, node}] every VM of the cluster; keep_apart: names of the VMs this one must not
    share a node with (the paper's one VM per physical host); allowed: node names to choose
    from (None: any). Picks the least-loaded online node that holds none of keep_apart, by
    memory share, then CPU share, then name. Raises ProxmoxVmError naming the nodes and why
    each was ruled out when there is none."""
    taken = {}
    for vm in vms:
        if vm.get("name") in keep_apart and vm.get("name") != name:
            taken.setdefault(vm.get("node"), []).append(vm["name"])
    candidates, refused = [], []
    for node in sorted(nodes, key=lambda n: n["node"]):
        if allowed is not None and node["node"] not in allowed:
            continue
        if node.get("status") != "online":
            refused.append("%s is %s" % (node["node"], node.get("status") or "unknown"))
        elif node["node"] in taken:
            refused.append("%s holds %s" % (node["node"], ", ".join(sorted(taken[node["node"]]))))
        else:
            candidates.append(node)
    if not candidates:
        raise ProxmoxVmError("no node can take %s: %s. Keep-apart groups need as many online nodes as members."
                             % (name, "; ".join(refused) or "no nodes listed"))

    def load(node):
        mem = float(node.get("mem") or 0) / float(node.get("maxmem") or 1)
        cpu = float(node.get("cpu") or 0)
        return (round(mem, 2), round(cpu, 2), node["node"])
    return min(candidates, key=load)["node"]


def free_vmid(used, start=100, skip=()):
    """The lowest VM id from `start` that no guest uses (nor one in skip)."""
    taken = set(int(v) for v in used) | set(int(v) for v in skip)
    vmid = start
    while vmid in taken:
        vmid += 1
    return vmid


# ---------------------------------------------------------------- input

NODE_RE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$")


def _address(text, version, prefix):
    """Whether `text` is an IPv`version` address, with a prefix length when `prefix`."""
    text = str(text)
    if prefix != ("/" in text):
        return False
    try:
        parsed = ipaddress.ip_interface(text) if prefix else ipaddress.ip_address(text)
    except ValueError:
        return False
    return parsed.version == version


def input_problems(params):
    """Everything about the options that can be checked without Proxmox, checked before the
    first API write (a VM half made from bad input is worse than no VM). Messages name the
    option and what it takes."""
    problems = []
    minimum = {"memory": 16, "cores": 1, "sockets": 1, "vmid": 100, "vmid_start": 100}
    for key, low in sorted(minimum.items()):
        if params.get(key) is not None and int(params[key]) < low:
            problems.append("%s=%s: it must be %d or more%s" % (
                key, params[key], low, " (MiB)" if key == "memory" else ""))
    for key in ("node",) + tuple("nodes[%d]" % i for i in range(len(params.get("nodes") or []))):
        value = params.get("node") if key == "node" else params["nodes"][int(key[6:-1])]
        if value is not None and not NODE_RE.match(str(value)):
            problems.append("%s=%r is not a node name (letters, digits and inner hyphens)" % (key, value))
    if params.get("disk_size") is not None:
        try:
            if size_bytes(params["disk_size"]) < 1024 ** 3:
                problems.append("disk_size=%s: a VM disk of less than 1G is surely a mistake; use G (20G)"
                                % params["disk_size"])
        except ProxmoxVmError as exc:
            problems.append("disk_size: %s" % exc)
    if params.get("disk") and not re.match(r"^(scsi|virtio|sata|ide)\d+$", str(params["disk"])):
        problems.append("disk=%r is not a disk slot (scsi0, virtio0, sata0, ide0...)" % params["disk"])
    for index, nic in enumerate(params.get("nics") or []):
        label = "nics[%d]" % index
        if nic.get("model") and nic["model"] not in NIC_MODELS:
            problems.append("%s: model %r is not one of %s" % (label, nic["model"], ", ".join(NIC_MODELS)))
        if nic.get("tag") is not None and not 1 <= int(nic["tag"]) <= 4094:
            problems.append("%s: tag %s is not a VLAN id (1-4094)" % (label, nic["tag"]))
        if nic.get("mtu") is not None and not 576 <= int(nic["mtu"]) <= 65520:
            problems.append("%s: mtu %s is outside 576-65520" % (label, nic["mtu"]))
        if nic.get("macaddr") and not MAC_RE.match(str(nic["macaddr"])):
            problems.append("%s: macaddr %r is not a MAC address (aa:bb:cc:dd:ee:ff)" % (label, nic["macaddr"]))
    ipconfig = params.get("ipconfig") or []
    if params.get("nics") and len(ipconfig) > len(params["nics"]):
        problems.append("ipconfig has %d entries for %d nics: one per card, in the same order"
                        % (len(ipconfig), len(params["nics"])))
    for index, spec in enumerate(ipconfig):
        label = "ipconfig[%d]" % index
        if not any(spec.get(key) for key in ("ip", "ip6")):
            problems.append("%s needs ip (an address with its prefix length, or dhcp) or ip6" % label)
        if spec.get("ip") and spec["ip"] != "dhcp" and not _address(spec["ip"], 4, True):
            problems.append("%s: ip %r must be an IPv4 address with its prefix length (172.22.77.14/24) or dhcp"
                            % (label, spec["ip"]))
        if spec.get("gw") and not _address(spec["gw"], 4, False):
            problems.append("%s: gw %r is not an IPv4 address" % (label, spec["gw"]))
        if spec.get("gw") and spec.get("ip") == "dhcp":
            problems.append("%s: gw is given with ip=dhcp, where DHCP gives the gateway" % label)
        if spec.get("gw") and _address(spec["gw"], 4, False) and spec.get("ip") and _address(spec["ip"], 4, True) \
                and ipaddress.ip_address(spec["gw"]) not in ipaddress.ip_interface(spec["ip"]).network:
            problems.append("%s: gw %s is outside %s's network %s" % (
                label, spec["gw"], spec["ip"], ipaddress.ip_interface(spec["ip"]).network))
        if spec.get("ip6") and spec["ip6"] not in ("dhcp", "auto") and not _address(spec["ip6"], 6, True):
            problems.append("%s: ip6 %r must be an IPv6 address with its prefix length, dhcp or auto"
                            % (label, spec["ip6"]))
        if spec.get("gw6") and not _address(spec["gw6"], 6, False):
            problems.append("%s: gw6 %r is not an IPv6 address" % (label, spec["gw6"]))
    return problems


def node_problem(nodes, name):
    """Why the node `name` cannot take a VM, from /cluster/resources type=node rows; None if it can."""
    known = dict((node.get("node"), node) for node in nodes)
    if name not in known:
        return "node %s is not a node of this cluster (it has %s)" % (name, ", ".join(sorted(known)) or "none")
    if known[name].get("status") != "online":
        return "node %s is %s: bring it back, or choose another node" % (name, known[name].get("status") or "unknown")
    return None


def disk_size_of(config, disk):
    """The size of `disk` in a config, in bytes; None when the disk or its size is not there."""
    for key, item in parse_props(config.get(disk, ""))[1:]:
        if key == "size":
            return size_bytes(item)
    return None


def new_vm_view(base, params):
    """The VM a create would make, for check mode's diff: `base` (the template's effective
    config, or {} from scratch) with every change the task would write. Returns (the managed
    keys as they would be, the keys that would be written)."""
    changes = config_changes(base, params)
    view = dict((key, base.get(key)) for key in desired_config(params))
    view.update(changes)
    for index in range(len(params.get("nics") or [])):
        key = "net%d" % index
        view[key] = changes.get(key, base.get(key))
    if params.get("disk_size") is not None:
        view["size"] = size_text(size_bytes(params["disk_size"]))
    return view, sorted(changes)


def parameter_errors(errors):
    """Proxmox's per-parameter reasons of a 400 (proxmoxer's `errors`) as one line."""
    if isinstance(errors, dict):
        return "; ".join("%s: %s" % (key, str(errors[key]).strip()) for key in sorted(errors))
    return str(errors).strip() if errors else ""


# ---------------------------------------------------------------- errors

def classify_error(status, message):
    """An API failure -> lock | checksum | quorum | offline | exists | auth | other."""
    text = str(message or "").lower()
    if "got timeout" in text and "lock" in text or re.search(r"vm is locked", text):
        return "lock"
    if "checksum mismatch" in text:
        return "checksum"
    if "no quorum" in text or "cluster not ready" in text:
        return "quorum"
    if status == 595 or "no route to host" in text or "node is offline" in text:
        return "offline"
    if "already exists" in text:
        return "exists"
    if status in (401, 403):
        return "auth"
    return "other"


def task_failed(status):
    """A finished task's exitstatus -> None when it succeeded, else the error text."""
    if status.get("status") != "stopped":
        return None
    exit_status = status.get("exitstatus", "")
    if exit_status == "OK" or exit_status.startswith("WARNINGS"):
        return None
    return exit_status or "unknown error"
