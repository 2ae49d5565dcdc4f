"""The cluster as the tools see it, read from an Ansible inventory: one model for the lab's
commands and every experiment.

The inventory is read by `ansible-inventory --list`, so group_vars, host_vars, several
sources and plugins count as they do for site.yml. Values are not templated (Ansible
templates them when a play runs); the lab's own keys are plain values. The pure part,
`Cluster.from_listing`, is unit-tested on listings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import ROOT

LAB_INVENTORY = ROOT / "inventory" / "lab"
KINDS = {"balancers": "balancer", "webservers": "web", "databases": "database"}
APP_USER = "hastack"  # the demo application's database user (galera_users in the lab)


class InventoryError(RuntimeError):
    """The inventory cannot be read, or lacks what the tools need."""


@dataclass(frozen=True)
class Host:
    """One inventory host: the groups it is in (all of them, parents included) and its
    variables as the inventory gives them."""
    name: str
    groups: tuple[str, ...]
    vars: dict = field(compare=False, repr=False)


# The variable that asks a tier's role for real-time priority.
REALTIME_VARS = {"database": "galera_realtime_priority", "balancer": "keepalived_realtime_priority"}


def _priority(value) -> int:
    """A priority as the inventory gives it; 0 for none, or for a template the tools cannot evaluate."""
    return int(value) if str(value).strip().isdigit() else 0


@dataclass(frozen=True)
class Server:
    """A server of the stack: its tier, the address the cluster uses inside, and, in the
    lab, the container it is."""
    name: str
    kind: str                  # balancer | web | database
    address: str               # hastack_private_address
    public_address: str = ""   # hastack_public_address (balancers)
    container: str = ""        # the lab's container (ansible_host with the docker connection)
    realtime_priority: int = 0  # the real-time priority its role is asked for (galera_/keepalived_realtime_priority)


@dataclass
class Cluster:
    """The stack's servers, the VIP and the credentials the experiments use."""
    inventory: Path
    servers: dict[str, Server]
    vip: str
    user: str = APP_USER
    password: str = field(default="", repr=False)          # the application user's
    admin_password: str = field(default="", repr=False)    # ProxySQL's admin user (radmin)
    writer_order: list[str] = field(default_factory=list)  # ProxySQL's, most preferred first; [] without it

    @classmethod
    def from_listing(cls, listing: dict, inventory: Path) -> Cluster:
        hosts = hosts_from_listing(listing)
        servers = {}
        for host in hosts.values():
            kinds = [KINDS[g] for g in host.groups if g in KINDS]
            if not kinds:
                continue
            if len(kinds) > 1:
                raise InventoryError("%s is in more than one of %s; the tools model a server of one tier"
                                     % (host.name, ", ".join(KINDS)))
            if not host.vars.get("hastack_private_address"):
                raise InventoryError("%s has no hastack_private_address in %s" % (host.name, inventory))
            docker = str(host.vars.get("ansible_connection", "")).endswith("docker")
            servers[host.name] = Server(
                name=host.name, kind=kinds[0], address=host.vars["hastack_private_address"],
                public_address=host.vars.get("hastack_public_address", ""),
                container=host.vars.get("ansible_host", host.name) if docker else "",
                realtime_priority=_priority(host.vars.get(REALTIME_VARS.get(kinds[0], ""), 0)))
        missing = [g for g, k in KINDS.items() if not any(s.kind == k for s in servers.values())]
        if missing:
            raise InventoryError("%s has no hosts in %s" % (inventory, ", ".join(missing)))
        vips = {h.vars.get("hastack_public_vip") for h in hosts.values() if "balancers" in h.groups}
        if len(vips) != 1 or None in vips:
            raise InventoryError("the balancers in %s do not share one hastack_public_vip: %s"
                                 % (inventory, sorted(map(str, vips))))
        any_vars = hosts[next(iter(servers))].vars  # group_vars/all: the same on every server
        return cls(inventory=inventory, servers=servers, vip=vips.pop(),
                   password=any_vars.get("lab_galera_app_password", ""),
                   admin_password=any_vars.get("lab_proxysql_admin_password", ""))

    @classmethod
    def from_inventory(cls, inventory: Path = LAB_INVENTORY) -> Cluster:
        return cls.from_listing(list_inventory(inventory), inventory)

    def of_kind(self, kind: str) -> list[str]:
        """The names of the servers of one tier, in inventory order."""
        return [n for n, s in self.servers.items() if s.kind == kind]

    def by_address(self, address: str) -> str:
        """The server with this private address, or ''."""
        return next((n for n, s in self.servers.items() if s.address == address), "")

    def container(self, name: str) -> str:
        container = self.servers[name].container
        if not container:
            raise InventoryError("%s is not a lab container (its connection is not docker)" % name)
        return container


def hosts_from_listing(listing: dict) -> dict[str, Host]:
    """{name: Host} from `ansible-inventory --list` output, in the listing's order; a
    host's groups include every group above the ones it is listed in."""
    parents: dict[str, set[str]] = {}
    for group, body in listing.items():
        for child in (body or {}).get("children", []) if group != "_meta" else []:
            parents.setdefault(child, set()).add(group)

    def ancestry(group: str, seen: frozenset = frozenset()) -> set[str]:
        found = {group}
        for parent in parents.get(group, ()):
            if parent not in seen:
                found |= ancestry(parent, seen | {group})
        return found

    hostvars = listing.get("_meta", {}).get("hostvars", {})
    hosts: dict[str, set[str]] = {}
    for group, body in listing.items():
        if group == "_meta":
            continue
        for name in (body or {}).get("hosts", []):
            hosts.setdefault(name, set()).update(ancestry(group))
    return {name: Host(name, tuple(sorted(groups)), hostvars.get(name, {})) for name, groups in hosts.items()}


def list_inventory(inventory: Path) -> dict:
    """`ansible-inventory --list` of an inventory, from the virtualenv this runs in."""
    beside = Path(sys.executable).parent / "ansible-inventory"
    command = str(beside) if beside.exists() else str(ROOT / ".venv" / "bin" / "ansible-inventory")
    proc = subprocess.run([command, "-i", str(inventory), "--list"], capture_output=True, text=True,
                          timeout=120, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise InventoryError("ansible-inventory could not read %s: %s" % (inventory, proc.stderr.strip()[-2000:]))
    return json.loads(proc.stdout)
