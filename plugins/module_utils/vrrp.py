# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for keepalived: resolve VRRP instances for one host, or say why not.

plan() takes the user's instance list, the balancer group, the hosts' variables and the
host's own network facts, and returns what the template needs (interface, unicast source
and peers, priority, VIPs with their prefix) plus a list of problems. The role refuses to
go on while there is any problem, so it never deploys a cluster in which no node can
become master, or two can.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

TRACK_MODES = ("auto", "process", "file", "script", "none")


def track_mode(requested, in_container):
    """Choose how keepalived watches HAProxy.

    - process: vrrp_track_process, driven by the kernel's process events. Those exist only
      in the initial network namespace: in a container every node would sit in FAULT and
      no node would hold the VIP.
    - file: vrrp_track_file, driven by inotify on a file that systemd writes when the
      tracked service stops or dies (ExecStopPost) and once it is ready (ExecStartPost).
      Event-driven like process events, and it works in containers.
    - script: vrrp_script polling; keepalived 2.2 polls at most once a second.
    """
    if requested == "auto":
        return "file" if in_container else "process"
    return requested


def _host_interfaces(facts):
    """Yield (name, IPv4Interface) for every IPv4 address in Ansible's network facts."""
    for name in facts.get("interfaces", []) or []:
        data = facts.get(name.replace("-", "_")) or facts.get(name) or {}
        addrs = []
        if data.get("ipv4"):
            addrs.append(data["ipv4"])
        addrs.extend(data.get("ipv4_secondaries") or [])
        for item in addrs:
            try:
                yield name, ipaddress.ip_interface("%s/%s" % (item["address"], item["netmask"]))
            except (KeyError, ValueError):
                continue


def _address(value):
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def _priorities(peers, hostvars, base, step):
    """Priority per peer: its keepalived_priority if set, else base - step * position."""
    result = {}
    for index, peer in enumerate(peers):
        own = (hostvars.get(peer) or {}).get("keepalived_priority") if peer in hostvars else None
        result[peer] = int(own) if own not in (None, "") else base - step * index
    return result


def plan(instances, me, peers, hostvars, facts, version=3, advert_int=1.0,
         priority_base=200, priority_step=50, track="auto", in_container=False, realtime_priority=0):
    """Resolve ``instances`` for host ``me``.

    :arg instances: the user's list; each has name, virtual_router_id, address_var, vips,
        and optionally interface, unicast_peers (inventory names), authentication, track.
    :arg me: this host's inventory name.
    :arg peers: the balancer group in inventory order (priorities follow this order).
    :arg hostvars: inventory name -> variables.
    :arg facts: this host's ansible_facts (interfaces and their addresses).
    :returns: ``{"instances": [...], "track_mode": str, "problems": [str, ...]}``.
    """
    problems = []
    resolved = []
    mode = track_mode(track, in_container)

    if track not in TRACK_MODES:
        problems.append("keepalived_track_mode=%r: use one of %s" % (track, ", ".join(TRACK_MODES)))
    elif mode == "process" and in_container:
        problems.append(
            "keepalived_track_mode=process cannot work in a container (the kernel's process-events "
            "connector exists only in the initial network namespace): every node would stay in FAULT "
            "and none would hold the VIP. Use keepalived_track_mode=auto or file")

    if version not in (2, 3):
        problems.append("keepalived_vrrp_version=%r: use 2 or 3" % (version,))
    try:
        advert = float(advert_int)
    except (TypeError, ValueError):
        advert = None
    if advert is None or advert <= 0:
        problems.append("keepalived_advert_int=%r must be a positive number of seconds" % (advert_int,))
    elif version == 2 and advert != int(advert):
        problems.append("keepalived_advert_int=%s: VRRPv2 adverts are whole seconds; use "
                        "keepalived_vrrp_version=3 for sub-second adverts" % advert_int)
    elif version == 3 and not (0.01 <= advert <= 40.95 and abs(advert * 100 - round(advert * 100)) < 1e-6):
        problems.append("keepalived_advert_int=%s: VRRPv3 takes 0.01 to 40.95 s in steps of 0.01 s" % advert_int)

    if isinstance(realtime_priority, bool) or not isinstance(realtime_priority, int) \
            or not 0 <= realtime_priority <= 99:
        problems.append("keepalived_realtime_priority=%r: use 1 to 99 (SCHED_RR priority of keepalived's VRRP "
                        "process), or 0 to leave it at normal priority" % (realtime_priority,))

    if not instances:
        problems.append("keepalived_instances is empty: define at least one VRRP instance")
    if me not in peers:
        problems.append("%s is not in the keepalived group (%s): add it, or set keepalived_group"
                        % (me, ", ".join(peers) or "empty"))
        return {"instances": [], "track_mode": mode, "problems": problems}

    priorities = _priorities(peers, hostvars, priority_base, priority_step)
    by_priority = {}
    for peer, prio in priorities.items():
        by_priority.setdefault(prio, []).append(peer)
        if not 1 <= prio <= 254:
            problems.append("%s would get priority %s: priorities run from 1 to 254 (set its "
                            "keepalived_priority, or lower keepalived_priority_step)" % (peer, prio))
    for prio, hosts in sorted(by_priority.items()):
        if len(hosts) > 1:
            problems.append("%s have the same priority %s: give each balancer its own keepalived_priority, "
                            "far apart, so the election is decided" % (" and ".join(hosts), prio))

    seen_names, seen_vrids = {}, {}
    for inst in instances or []:
        name = inst.get("name")
        label = "keepalived_instances[%s]" % (name or "?")
        if not name:
            problems.append("a keepalived_instances entry has no name")
            continue
        if name in seen_names:
            problems.append("%s: the name is used twice" % label)
        seen_names[name] = True
        vrid = inst.get("virtual_router_id")
        if not isinstance(vrid, int) or not 1 <= vrid <= 255:
            problems.append("%s: virtual_router_id=%r must be an integer from 1 to 255" % (label, vrid))
        elif vrid in seen_vrids:
            problems.append("%s: virtual_router_id %s is already used by instance %s; every instance "
                            "needs its own" % (label, vrid, seen_vrids[vrid]))
        else:
            seen_vrids[vrid] = name
        if inst.get("authentication") and version == 3:
            problems.append("%s: VRRPv3 has no authentication (RFC 5798); remove the authentication "
                            "block or use keepalived_vrrp_version=2" % label)

        address_var = inst.get("address_var")
        my_addr = _address((hostvars.get(me) or {}).get(address_var)) if address_var else None
        if my_addr is None:
            problems.append("%s: %s has no valid %s (the address keepalived sends adverts from)"
                            % (label, me, address_var))
            continue

        # the interface that holds my address, and its subnet
        iface, network = None, None
        for if_name, if_addr in _host_interfaces(facts):
            if if_addr.ip == my_addr:
                iface, network = if_name, if_addr.network
                break
        if inst.get("interface"):
            if iface is not None and inst["interface"] != iface:
                problems.append("%s: interface %s was set, but %s is on %s"
                                % (label, inst["interface"], my_addr, iface))
            iface = inst["interface"]
        if network is None:
            problems.append("%s: no interface of %s holds %s=%s; check the inventory address"
                            % (label, me, address_var, my_addr))
            continue

        # unicast peers: the other balancers, or the ones named, all from the inventory
        wanted = inst.get("unicast_peers")
        peer_names = [p for p in peers if p != me] if wanted is None else list(wanted)
        peer_addrs = []
        for peer in peer_names:
            if peer not in hostvars or peer not in peers:
                problems.append("%s: unicast peer %s is not a host of the keepalived group (%s)"
                                % (label, peer, ", ".join(peers)))
                continue
            addr = _address((hostvars.get(peer) or {}).get(address_var))
            if addr is None:
                problems.append("%s: unicast peer %s has no valid %s" % (label, peer, address_var))
            elif addr not in network:
                problems.append("%s: unicast peer %s (%s) is not in %s's subnet %s"
                                % (label, peer, addr, me, network))
            else:
                peer_addrs.append(str(addr))

        vips = []
        raw_vips = inst.get("vips") or []
        if not raw_vips or any(v in (None, "") for v in raw_vips):
            problems.append("%s: vips is empty; give the virtual address(es) (for the default "
                            "instance: set hastack_public_vip)" % label)
        for raw in raw_vips:
            if raw in (None, ""):
                continue
            try:
                vip = ipaddress.ip_interface(str(raw).strip())
            except ValueError:
                problems.append("%s: VIP %r is not an IP address" % (label, raw))
                continue
            if "/" not in str(raw):
                vip = ipaddress.ip_interface("%s/%s" % (vip.ip, network.prefixlen))
            if vip.ip not in network:
                problems.append("%s: VIP %s is outside %s's subnet %s on %s; use an address of that "
                                "subnet or the right address_var" % (label, vip.ip, me, network, iface))
                continue
            if vip.network != network:
                problems.append("%s: VIP %s has prefix /%s but the subnet is %s"
                                % (label, vip, vip.network.prefixlen, network))
                continue
            owners = [p for p in peers if _address((hostvars.get(p) or {}).get(address_var)) == vip.ip]
            if owners:
                problems.append("%s: VIP %s is the address of %s; a VIP must be a free address"
                                % (label, vip.ip, ", ".join(owners)))
                continue
            vips.append(str(vip))

        resolved.append({
            "name": name,
            "virtual_router_id": vrid,
            "interface": iface,
            "priority": priorities[me],
            "vips": vips,
            "unicast_src_ip": str(my_addr),
            "unicast_peers": peer_addrs,
            "authentication": inst.get("authentication") or None,
            "track": bool(inst.get("track", True)),
        })
    return {"instances": resolved, "track_mode": mode, "problems": problems}
