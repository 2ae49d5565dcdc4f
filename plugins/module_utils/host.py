# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the host itself that several roles decide on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CONTAINER_TYPES = frozenset(["docker", "container", "podman", "lxc", "systemd-nspawn", "containerd", "openvz"])


def in_container(facts):
    """True when Ansible's facts say this host is a container sharing its kernel with a host."""
    facts = facts or {}
    if facts.get("virtualization_role") != "guest":
        return False
    if facts.get("virtualization_type") in CONTAINER_TYPES:
        return True
    return bool(CONTAINER_TYPES.intersection(facts.get("virtualization_tech_guest") or []))
