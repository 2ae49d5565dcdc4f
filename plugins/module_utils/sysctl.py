# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which kernel settings a host may set for itself.

A container shares its kernel with the machine it runs on. Only the keys that Linux
keeps per network namespace (``net.*``) belong to the container; everything else
(``vm.*``, ``fs.*``, ``kernel.*``) would change the host. So inside a container the
roles set the ``net.*`` keys and leave the others, and say which they left.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_KEY = re.compile(r"^[a-z0-9_\-]+(\.[A-Za-z0-9_\-*]+)+$")

# Prefixes of keys that belong to a network namespace.
NAMESPACED_PREFIXES = ("net.",)


def normalise_key(key):
    """sysctl accepts both net.ipv4.x and net/ipv4/x; use the dotted form."""
    return key.strip().replace("/", ".")


def split_sysctl(settings, in_container):
    """Split ``settings`` into what to apply here and what to leave to the host.

    :arg settings: mapping of sysctl key -> value.
    :arg in_container: True when the host is a container sharing its kernel.
    :returns: ``{"apply": {key: str(value)}, "host_only": {key: str(value)}}``.
    :raises ValueError: for a key that is not a sysctl name or an empty value.
    """
    apply_, host_only = {}, {}
    for raw_key, value in (settings or {}).items():
        key = normalise_key(str(raw_key))
        if not _KEY.match(key):
            raise ValueError("%r is not a sysctl key (expected e.g. net.core.somaxconn)" % (raw_key,))
        if value is None or str(value).strip() == "":
            raise ValueError("sysctl %s has an empty value" % key)
        if isinstance(value, bool):
            value = int(value)
        text = " ".join(str(value).split())
        if in_container and not key.startswith(NAMESPACED_PREFIXES):
            host_only[key] = text
        else:
            apply_[key] = text
    return {"apply": apply_, "host_only": host_only}
