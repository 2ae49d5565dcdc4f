# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fixed-rate loop of the failover test's clients (http_probe, sql_probe): one call per
1/rate seconds for duration seconds, each on schedule unless the one before it ran late,
and never more than rate x duration calls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


def rate_problem(rate, duration, timeout):
    """Why a client's settings cannot run, or '' when they can."""
    if not 1 <= rate <= 100 or not 1 <= duration <= 3600 or timeout <= 0:
        return "rate must be 1-100 per second, duration 1-3600 s and timeout above 0"
    return ""


def paced(rate, duration, call, clock=time.monotonic, sleep=time.sleep):
    """[call(n) for n = 0, 1, ...], the n-th due n/rate seconds after the start, until duration."""
    interval = 1.0 / rate
    start = clock()
    results = []
    while len(results) * interval < duration:
        wait = start + len(results) * interval - clock()
        if wait > 0:
            sleep(wait)
        results.append(call(len(results)))
    return results
