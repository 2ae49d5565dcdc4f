# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions for the apache_phpfpm role: PHP-FPM pool and Apache event-MPM sizes
from the host's memory and cores, and the trusted-proxy list for mod_remoteip.

The formula (also in the role's README):

- PHP-FPM children are bounded by memory: what is left after ``reserved_mb`` for the
  system, Apache, ProxySQL and the page cache, divided by ``child_mb``, the memory an
  average PHP worker uses (not its memory_limit, which only caps the worst request).
  They are also bounded by ``children_per_cpu`` per core: PHP that waits on the database
  does not need more, and more would only queue on the CPUs.
- ``pm = dynamic``: one spare child per core kept ready, up to two per core, and each
  child recycled after ``max_requests`` requests (leaks do not accumulate).
- Apache's event MPM needs a thread per request in PHP plus threads for keep-alive,
  static files and slow clients: twice the FPM children, at least 150, in processes of
  ``threads_per_child`` threads.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FPM_KEYS = ("max_children", "start_servers", "min_spare_servers", "max_spare_servers", "max_requests")
MPM_KEYS = ("server_limit", "threads_per_child", "max_request_workers", "start_servers",
            "min_spare_threads", "max_spare_threads", "max_connections_per_child")


def _int(value, name):
    if isinstance(value, bool):
        raise ValueError("%s=%r must be a whole number" % (name, value))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("%s=%r must be a whole number" % (name, value))


def _override(values, overrides, known, variable):
    """Replace computed `values` with the user's `overrides` (whole numbers, known keys only)."""
    unknown = sorted(set(overrides or {}) - set(known))
    if unknown:
        raise ValueError("%s: unknown keys %s (known: %s)" % (variable, ", ".join(unknown), ", ".join(known)))
    for key, value in (overrides or {}).items():
        values[key] = _int(value, "%s.%s" % (variable, key))
    return values


def fpm_pool(memtotal_mb, vcpus, child_mb=64, reserved_mb=1024, children_per_cpu=16, max_requests=500,
             overrides=None):
    """The PHP-FPM pool's pm.* settings; `overrides` (any of FPM_KEYS) win over the formula.

    Raises ValueError naming the setting when the inputs or the result are inconsistent."""
    memtotal_mb, vcpus = _int(memtotal_mb, "memtotal_mb"), max(1, _int(vcpus, "vcpus"))
    child_mb, reserved_mb = _int(child_mb, "child_mb"), _int(reserved_mb, "reserved_mb")
    if child_mb < 8:
        raise ValueError("apache_phpfpm_fpm_child_memory_mb=%d is too small: a PHP worker needs at least 8 MB"
                         % child_mb)
    by_memory = max(memtotal_mb - reserved_mb, 0) // child_mb
    children = max(2, min(by_memory, vcpus * _int(children_per_cpu, "children_per_cpu")))
    start = min(children, max(2, vcpus))
    pool = {
        "max_children": children,
        "start_servers": start,
        "min_spare_servers": min(start, max(1, vcpus)),
        "max_spare_servers": min(children, max(start, 2 * vcpus)),
        "max_requests": _int(max_requests, "max_requests"),
    }
    _override(pool, overrides, FPM_KEYS, "apache_phpfpm_fpm_overrides")
    if not 1 <= pool["min_spare_servers"] <= pool["start_servers"] <= pool["max_spare_servers"] \
            <= pool["max_children"]:
        raise ValueError(
            "PHP-FPM needs 1 <= min_spare_servers <= start_servers <= max_spare_servers <= max_children, "
            "got %(min_spare_servers)d, %(start_servers)d, %(max_spare_servers)d, %(max_children)d: "
            "fix apache_phpfpm_fpm_overrides" % pool)
    return pool


def event_mpm(fpm_children, threads_per_child=25, overrides=None):
    """Apache's event MPM limits for a pool of `fpm_children`; `overrides` (MPM_KEYS) win."""
    threads = _int(threads_per_child, "threads_per_child")
    wanted = max(150, 2 * _int(fpm_children, "fpm_children"))
    processes = -(-wanted // threads)  # ceil
    mpm = {
        "server_limit": processes,
        "threads_per_child": threads,
        "max_request_workers": processes * threads,
        "start_servers": min(2, processes),
        "min_spare_threads": threads,
        "max_spare_threads": 3 * threads,
        "max_connections_per_child": 0,
    }
    _override(mpm, overrides, MPM_KEYS, "apache_phpfpm_mpm_overrides")
    if mpm["max_request_workers"] > mpm["server_limit"] * mpm["threads_per_child"]:
        raise ValueError("max_request_workers=%(max_request_workers)d exceeds server_limit x threads_per_child "
                         "(%(server_limit)d x %(threads_per_child)d): fix apache_phpfpm_mpm_overrides" % mpm)
    if mpm["max_spare_threads"] < mpm["min_spare_threads"] + mpm["threads_per_child"]:
        raise ValueError("max_spare_threads must be at least min_spare_threads + threads_per_child "
                         "(%(min_spare_threads)d + %(threads_per_child)d): fix apache_phpfpm_mpm_overrides" % mpm)
    if mpm["max_request_workers"] < _int(fpm_children, "fpm_children"):
        raise ValueError("max_request_workers=%d is below PHP-FPM's max_children=%d: Apache could never use "
                         "the whole pool; fix apache_phpfpm_mpm_overrides" % (mpm["max_request_workers"],
                                                                              fpm_children))
    return mpm
