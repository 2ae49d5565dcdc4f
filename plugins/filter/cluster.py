# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the cluster's inventory: thin wrappers around module_utils.

The documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.web.plugins.module_utils import cluster, sysctl


def cluster_address_problems(members, hostvars, address_var):
    return cluster.address_problems(list(members), hostvars, address_var)


def hostname_problems(name):
    return cluster.hostname_problems(name)


def cluster_hosts_entries(members, hostvars, address_var, domain="", extra=None):
    try:
        return cluster.hosts_entries(list(members), hostvars, address_var, domain, extra)
    except ValueError as exc:
        raise AnsibleFilterError("cluster_hosts_entries: %s" % exc)


def sysctl_split(settings, in_container=False):
    try:
        return sysctl.split_sysctl(settings, bool(in_container))
    except ValueError as exc:
        raise AnsibleFilterError("sysctl_split: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {
            "cluster_address_problems": cluster_address_problems,
            "cluster_hosts_entries": cluster_hosts_entries,
            "hostname_problems": hostname_problems,
            "sysctl_split": sysctl_split,
        }
