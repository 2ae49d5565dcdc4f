# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the cluster's inventory and facts: thin wrappers around module_utils.

The documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.web.plugins.module_utils import (
    cluster, galera, galera_backup, haproxy, host, proxysql, role_vars, secrets, site, sysctl, trial, vrrp, web)


def cluster_address_problems(members, hostvars, address_var):
    return cluster.address_problems(list(members), hostvars, address_var)


def site_problems(groups, hostvars):
    return site.site_problems(dict((name, list(members)) for name, members in groups.items()), hostvars)


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


def in_container(facts):
    return host.in_container(facts)


def vrrp_plan(instances, me, peers, hostvars, facts, **options):
    try:
        return vrrp.plan(list(instances or []), me, list(peers or []), hostvars, facts, **options)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("vrrp_plan: %s" % exc)


def haproxy_backend_problems(backends, groups, hostvars):
    return haproxy.backend_problems(list(backends or []), groups, hostvars)


def haproxy_backend_servers(backend, groups, hostvars):
    return haproxy.backend_servers(backend, groups, hostvars)


def haproxy_route_problems(routes, backends):
    return haproxy.route_problems(list(routes or []), list(backends or []))


def haproxy_fd_problems(maxconn, hard_limit):
    return haproxy.fd_problems(maxconn, hard_limit)


def haproxy_runtime_problems(servers_state, backends, groups, hostvars):
    return haproxy.runtime_problems(servers_state, list(backends or []), groups, hostvars)


def phpfpm_pool(memtotal_mb, vcpus, **options):
    try:
        return web.fpm_pool(memtotal_mb, vcpus, **options)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("phpfpm_pool: %s" % exc)


def apache_event_mpm(fpm_children, **options):
    try:
        return web.event_mpm(fpm_children, **options)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("apache_event_mpm: %s" % exc)


def secret_problems(value, variable, user=None):
    return secrets.secret_problems(variable, value, user)


def galera_plan(members, hostvars, result_var, bootstrap_node=None, force=None):
    members = list(members or [])
    states = {}
    for name in members:
        result = hostvars[name].get(result_var) if name in hostvars else None
        if isinstance(result, dict) and isinstance(result.get("state"), dict) and not result.get("failed"):
            states[name] = result["state"]
    return galera.plan(states, members, bootstrap_node=bootstrap_node or None, force=force or None)


def galera_member_problems(members, arbitrators=None, bootstrap_node=None):
    return galera.member_problems(list(members or []), list(arbitrators or []), bootstrap_node or None)


def galera_provider_options(gcache_size, suspect_timeout=0, extra=None, tls=None, realtime_priority=0):
    return galera.provider_options(gcache_size, suspect_timeout or 0, dict(extra or {}), tls or None,
                                   realtime_priority or 0)


def galera_provider_option_problems(suspect_timeout, extra=None, realtime_priority=0):
    return galera.provider_option_problems(suspect_timeout or 0, dict(extra or {}), realtime_priority)


def galera_accounts(users, default_hosts, monitor_user=None, monitor_password=None):
    return galera.accounts(list(users or []), list(default_hosts or []), monitor_user, monitor_password)


def galera_arbitrator_options(suspect_timeout=0, extra=None, tls=None):
    try:
        return galera.arbitrator_options(suspect_timeout, extra, tls)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("galera_arbitrator_options: %s" % exc)


def galera_outsiders(incoming_addresses, known_addresses):
    return galera.outsiders(incoming_addresses, list(known_addresses or []))


def galera_departure_problems(state, node):
    return galera.departure_problems(dict(state or {}), node)


def backup_repository(text, variable="galera_backup_repository"):
    return galera_backup.repository(text, variable)


def galera_arbitrators(members, hostvars):
    return galera.arbitrator_hosts(list(members or []), hostvars)


def galera_account_problems(users, default_hosts):
    return galera.account_problems(list(users or []), list(default_hosts or []))


def proxysql_tables(members, hostvars, settings):
    try:
        return proxysql.tables(list(members), hostvars, settings)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("proxysql_tables: %s" % exc)


def proxysql_problems(members, hostvars, settings):
    return proxysql.problems(list(members), hostvars, settings)


def boolean_choice(value, choices):
    return role_vars.boolean_choice(value, list(choices or []))


def failover_plan(faults, groups, backends, holder=None):
    trials, problems = trial.fault_plan(list(faults or []), dict((k, list(v)) for k, v in groups.items()),
                                        dict(backends or {}), holder)
    return {"trials": trials, "problems": problems}


def trial_summary(samples, cut_at, restored_at):
    return trial.summarize(list(samples or []), float(cut_at), float(restored_at))


def trial_promises(summary, failover_trial, promises, writes=None):
    return trial.broken_promises(failover_trial, summary, promises or {}, writes or None)


class FilterModule(object):
    def filters(self):
        return {
            "apache_event_mpm": apache_event_mpm,
            "backup_repository": backup_repository,
            "boolean_choice": boolean_choice,
            "cluster_address_problems": cluster_address_problems,
            "cluster_hosts_entries": cluster_hosts_entries,
            "failover_plan": failover_plan,
            "galera_account_problems": galera_account_problems,
            "galera_accounts": galera_accounts,
            "galera_arbitrator_options": galera_arbitrator_options,
            "galera_arbitrators": galera_arbitrators,
            "galera_outsiders": galera_outsiders,
            "galera_member_problems": galera_member_problems,
            "galera_departure_problems": galera_departure_problems,
            "galera_plan": galera_plan,
            "galera_provider_option_problems": galera_provider_option_problems,
            "galera_provider_options": galera_provider_options,
            "haproxy_backend_problems": haproxy_backend_problems,
            "haproxy_backend_servers": haproxy_backend_servers,
            "haproxy_fd_problems": haproxy_fd_problems,
            "haproxy_route_problems": haproxy_route_problems,
            "haproxy_runtime_problems": haproxy_runtime_problems,
            "hostname_problems": hostname_problems,
            "in_container": in_container,
            "phpfpm_pool": phpfpm_pool,
            "proxysql_problems": proxysql_problems,
            "proxysql_tables": proxysql_tables,
            "secret_problems": secret_problems,
            "site_problems": site_problems,
            "sysctl_split": sysctl_split,
            "trial_promises": trial_promises,
            "trial_summary": trial_summary,
            "vrrp_plan": vrrp_plan,
        }
