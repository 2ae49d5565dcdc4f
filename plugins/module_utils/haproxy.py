# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for the haproxy role: backend pools from inventory groups."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hastack.web.plugins.module_utils import cluster

_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")
_COOKIE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 6265 token


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
        if not isinstance(port, int) or not 1 <= port <= 65535:
            problems.append("%s: port=%r must be an integer from 1 to 65535" % (label, port))
        cookie = backend.get("cookie")
        if cookie and not _COOKIE.match(str(cookie)):
            problems.append("%s: cookie=%r is not a valid cookie name" % (label, cookie))
        uri = backend.get("health_uri")
        if uri is not None and not str(uri).startswith("/"):
            problems.append("%s: health_uri=%r must start with /" % (label, uri))
        group = backend.get("group")
        members = list(groups.get(group) or []) if group else []
        if not members:
            problems.append("%s: inventory group %r has no hosts: add the web servers to it, or "
                            "set the backend's group" % (label, group))
            continue
        problems.extend("%s: %s" % (label, p) for p in
                        cluster.address_problems(members, hostvars, backend.get("address_var")))
    return problems


def backend_servers(backend, groups, hostvars):
    """The servers of one backend: [{"name": host, "address": str}] in group order."""
    return [{"name": host.split(".")[0], "address": str(hostvars[host][backend["address_var"]]).strip()}
            for host in groups.get(backend["group"]) or []]


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
