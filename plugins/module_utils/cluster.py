# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions about the cluster's address table and host names.

Nothing here talks to a host: the functions take plain data (host names, their
variables) and return plain data, so they are unit-tested table by table and used
by the filter plugins in plugins/filter/.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

# RFC 1123 host name label: letters, digits and hyphens, not starting or ending with one.
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def hostname_problems(name, what="host name"):
    """Return a list of reasons why ``name`` is not a valid DNS host name (empty if valid)."""
    if not isinstance(name, str) or not name:
        return ["%s must be a non-empty string, got %r" % (what, name)]
    if len(name) > 253:
        return ["%s %r is longer than 253 characters" % (what, name)]
    bad = [label for label in name.split(".") if not _LABEL.match(label)]
    if bad:
        return ["%s %r has invalid label(s) %s: use letters, digits and inner hyphens only"
                % (what, name, ", ".join(repr(b) for b in bad))]
    return []


def parse_address(value):
    """Return an ``ipaddress`` address for ``value`` or None if it is not a single host address."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def address_problems(members, hostvars, address_var):
    """Check the address table for the cluster members.

    :arg members: inventory host names that must be in the table.
    :arg hostvars: mapping host name -> its variables (Ansible's ``hostvars``).
    :arg address_var: the variable that holds each host's cluster address.
    :returns: a list of messages, each naming the host, the variable and the fix.
    """
    problems = []
    seen = {}
    for host in members:
        hvars = hostvars[host] if host in hostvars else None
        if hvars is None:
            problems.append("%s is listed as a cluster member but is not in the inventory" % host)
            continue
        problems.extend(hostname_problems(host.split(".")[0], "inventory host %r: short name" % host))
        value = hvars.get(address_var)
        if value is None or value == "":
            problems.append("%s has no %s: set it to the host's cluster address in the inventory"
                            % (host, address_var))
            continue
        addr = parse_address(value)
        if addr is None:
            problems.append("%s: %s=%r is not an IP address" % (host, address_var, value))
            continue
        if addr.is_loopback or addr.is_unspecified or addr.is_multicast:
            problems.append("%s: %s=%s is a loopback, unspecified or multicast address; "
                            "use the address other members reach it on" % (host, address_var, addr))
            continue
        if addr in seen:
            problems.append("%s and %s have the same %s %s: each member needs its own address"
                            % (seen[addr], host, address_var, addr))
            continue
        seen[addr] = host
    return problems


def hosts_entries(members, hostvars, address_var, domain="", extra=None):
    """Build the cluster's /etc/hosts entries.

    Each member maps to its address under its FQDN (when ``domain`` is set) and its
    short name. ``extra`` is a list of ``{"address": ..., "names": [...]}`` added after
    the members. Raises ValueError on input that address_problems() reports.

    :returns: a list of ``{"address": str, "names": [str, ...]}`` in member order.
    """
    problems = address_problems(members, hostvars, address_var)
    if problems:
        raise ValueError("; ".join(problems))
    entries = []
    for host in members:
        short = host.split(".")[0]
        names = []
        if domain:
            names.append("%s.%s" % (short, domain.strip(".")))
        elif "." in host:
            names.append(host)
        names.append(short)
        entries.append({"address": str(parse_address(hostvars[host][address_var])), "names": names})
    for item in extra or []:
        addr = parse_address(item.get("address"))
        if addr is None:
            raise ValueError("extra hosts entry %r: address is not an IP address" % (item,))
        names = item.get("names") or []
        if isinstance(names, str):
            names = [names]
        for name in names:
            bad = hostname_problems(name, "extra hosts entry name")
            if bad:
                raise ValueError("; ".join(bad))
        if not names:
            raise ValueError("extra hosts entry %r has no names" % (item,))
        entries.append({"address": str(addr), "names": list(names)})
    return entries
