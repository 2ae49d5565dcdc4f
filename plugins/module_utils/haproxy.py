# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for the haproxy role: backend pools (from inventory groups or listed
servers), the frontend's routes, and checks of what HAProxy runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.hastack.web.plugins.module_utils import cluster

_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")
_COOKIE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 6265 token
DEFAULT_ADDRESS_VAR = "hastack_private_address"
_HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _port_ok(port):
    return isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535


def _address_ok(address):
    try:
        ipaddress.ip_address(str(address))
        return True
    except ValueError:
        return bool(_HOSTNAME.match(str(address).lower()))


def _server_problems(label, servers):
    """Problems of a backend's listed `servers` (the alternative to an inventory group)."""
    problems, seen = [], set()
    for index, server in enumerate(servers):
        name = server.get("name")
        where = "%s.servers[%s]" % (label, name or index)
        if not name or not _NAME.match(str(name)):
            problems.append("%s: name %r must be letters, digits, '_', '.', ':' or '-'" % (where, name))
        elif name in seen:
            problems.append("%s: the name is used twice" % where)
        seen.add(name)
        if not server.get("address") or not _address_ok(server["address"]):
            problems.append("%s: address=%r must be an IP address or a host name" % (where, server.get("address")))
        if server.get("port") is not None and not _port_ok(server["port"]):
            problems.append("%s: port=%r must be an integer from 1 to 65535" % (where, server["port"]))
        weight = server.get("weight")
        if weight is not None and (not isinstance(weight, int) or not 0 <= weight <= 256):
            problems.append("%s: weight=%r must be an integer from 0 to 256" % (where, weight))
    if servers and all(s.get("backup") for s in servers):
        problems.append("%s: every server is a backup: at least one must take traffic" % label)
    return problems


def backend_problems(backends, groups, hostvars):
    """Check haproxy_backends against the inventory; return messages naming what to fix."""
    problems = []
    if not backends:
        return ["haproxy_backends is empty: define at least one backend"]
    seen = set()
    for index, backend in enumerate(backends):
        name = backend.get("name")
        label = "haproxy_backends[%s]" % (name or index)
        if not name or not _NAME.match(str(name)):
            problems.append("%s: name %r must be letters, digits, '_', '.', ':' or '-'" % (label, name))
        elif name in seen:
            problems.append("%s: the name is used twice" % label)
        seen.add(name)
        port = backend.get("port")
        if not _port_ok(port):
            problems.append("%s: port=%r must be an integer from 1 to 65535" % (label, port))
        cookie = backend.get("cookie")
        if cookie and not _COOKIE.match(str(cookie)):
            problems.append("%s: cookie=%r is not a valid cookie name" % (label, cookie))
        uri = backend.get("health_uri")
        if uri is not None and not str(uri).startswith("/"):
            problems.append("%s: health_uri=%r must start with /" % (label, uri))
        group, servers = backend.get("group"), backend.get("servers")
        if group and servers:
            problems.append("%s: set either group (servers from the inventory) or servers (listed), "
                            "not both" % label)
            continue
        if servers:
            problems.extend(_server_problems(label, servers))
            continue
        if not group:
            problems.append("%s: set group (its servers are that inventory group's hosts) or list "
                            "its servers" % label)
            continue
        members = list(groups.get(group) or [])
        if not members:
            problems.append("%s: inventory group %r has no hosts: add the web servers to it, or "
                            "set the backend's group" % (label, group))
            continue
        problems.extend("%s: %s" % (label, p) for p in
                        cluster.address_problems(members, hostvars,
                                                 backend.get("address_var") or DEFAULT_ADDRESS_VAR))
    return problems


def backend_servers(backend, groups, hostvars):
    """The servers of one backend, in order: [{"name", "address", "port", "weight", "backup"}].

    From the listed `servers`, or else from the hosts of the inventory `group` at their
    `address_var` (named by their short host name, which the sticky cookie carries)."""
    if backend.get("servers"):
        listed = backend["servers"]
    else:
        var = backend.get("address_var") or DEFAULT_ADDRESS_VAR
        listed = [{"name": host.split(".")[0], "address": hostvars[host][var]}
                  for host in groups.get(backend.get("group")) or []]
    return [{"name": str(s["name"]), "address": str(s["address"]).strip(),
             "port": s.get("port") or backend.get("port"), "weight": s.get("weight"),
             "backup": bool(s.get("backup"))} for s in listed]


def route_problems(routes, backends):
    """Check haproxy_routes: each sends requests for some hosts and/or path prefixes to a
    defined backend. Return messages naming what to fix."""
    names = [b.get("name") for b in backends or []]
    problems = []
    for index, route in enumerate(routes or []):
        label = "haproxy_routes[%d]" % index
        if route.get("backend") not in names:
            problems.append("%s: backend %r is not in haproxy_backends (%s)" % (
                label, route.get("backend"), ", ".join(map(str, names))))
        hosts, prefixes = route.get("hosts") or [], route.get("path_prefixes") or []
        if not hosts and not prefixes:
            problems.append("%s: give hosts, path_prefixes or both; a route without either would "
                            "take every request" % label)
        problems.extend("%s: host %r is not a valid host name" % (label, h)
                        for h in hosts if not _HOSTNAME.match(str(h).lower()))
        problems.extend("%s: path prefix %r must start with / and contain no spaces" % (label, p)
                        for p in prefixes if not str(p).startswith("/") or " " in str(p))
    return problems


def fd_problems(maxconn, hard_limit):
    """HAProxy needs about two descriptors per connection (client and server side)."""
    needed = 2 * int(maxconn) + 100
    if int(hard_limit) < needed:
        return ["haproxy_maxconn=%s needs %d open files, but this host allows %s (ulimit -Hn): "
                "lower haproxy_maxconn to %d or raise the limit" % (
                    maxconn, needed, hard_limit, max((int(hard_limit) - 100) // 2, 1))]
    return []


def runtime_problems(servers_state, backends, groups, hostvars):
    """Compare HAProxy's running backends (runtime API `show servers state`) with the
    configured ones. A reload that failed leaves the old configuration running while
    systemd reports success; this is how the role notices."""
    running = {}
    for line in (servers_state or "").splitlines():
        fields = line.split()
        if len(fields) > 3 and fields[0].isdigit():
            running.setdefault(fields[1], set()).add(fields[3])
    problems = []
    for backend in backends:
        wanted = {s["name"] for s in backend_servers(backend, groups, hostvars)}
        have = running.get(backend["name"])
        if have is None:
            problems.append("backend %s is not running: HAProxy still runs an older configuration "
                            "(see journalctl -u haproxy for the failed reload)" % backend["name"])
        elif have != wanted:
            problems.append("backend %s runs servers %s, configured are %s: HAProxy still runs an "
                            "older configuration (see journalctl -u haproxy)" % (
                                backend["name"], ", ".join(sorted(have)), ", ".join(sorted(wanted))))
    return problems
