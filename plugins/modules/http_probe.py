#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: http_probe
short_description: Ask a URL at a fixed rate for a while, and record every answer with its time
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - A client for failover tests - C(playbooks/failover_test.yml) runs it in the background (C(async)) from
    where a client is, while a fault is cut into the cluster and repaired.
  - Sends one GET every 1/O(rate) seconds to O(url), each on a new connection, for O(duration) seconds,
    and returns one sample per request - its time (epoch seconds), whether it succeeded, the HTTP status
    and the time it took. A request succeeds when its status is in O(ok_status) within O(timeout).
  - The loop ends by itself after O(duration); at most O(rate) x O(duration) requests are sent. Nothing
    changes anywhere, so check mode runs it too.
options:
  url:
    description: The URL to ask - the cluster's VIP, for a failover test.
    type: str
    required: true
  rate:
    description: Requests per second (1 to 100).
    type: float
    default: 20
  duration:
    description: Seconds to send requests for (1 to 3600).
    type: float
    required: true
  timeout:
    description: Seconds a request may take before it counts as failed.
    type: float
    default: 2
  ok_status:
    description: HTTP statuses that count as an answer.
    type: list
    elements: int
    default: [200]
attributes:
  check_mode:
    support: full
    description: It only reads.
  diff_mode:
    support: none
    description: Nothing to show.
"""

EXAMPLES = r"""
- name: Ask the VIP 20 times a second for a minute, in the background
  hastack.web.http_probe:
    url: "http://{{ hastack_public_vip }}/?format=json"
    duration: 60
  delegate_to: localhost
  async: 120
  poll: 0
  register: probe
"""

RETURN = r"""
samples:
  description: One per request, in order.
  returned: always
  type: list
  elements: dict
  contains:
    t:
      description: When the request was sent (epoch seconds).
      type: float
    ok:
      description: Whether it was answered with a status in O(ok_status) in time.
      type: bool
    status:
      description: The HTTP status, or 0 when there was none (refused, reset, timed out).
      type: int
    ms:
      description: Milliseconds the request took.
      type: int
requests:
  description: How many requests were sent.
  returned: always
  type: int
failures:
  description: How many of them failed (not C(failed), which would fail the task).
  returned: always
  type: int
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url
from ansible_collections.hastack.web.plugins.module_utils.pacing import paced, rate_problem


def ask(url, timeout, ok_status):
    started = time.time()
    try:
        response = open_url(url, timeout=timeout, follow_redirects="none", validate_certs=False,
                            headers={"Connection": "close"})
        response.read()
        status = response.getcode()
    except HTTPError as exc:
        status = exc.code
    except Exception:  # refused, reset, timed out: no answer
        status = 0
    return {"t": round(started, 3), "ok": status in ok_status, "status": status,
            "ms": int(round((time.time() - started) * 1000))}


def main():
    module = AnsibleModule(argument_spec=dict(
        url=dict(type="str", required=True), rate=dict(type="float", default=20),
        duration=dict(type="float", required=True), timeout=dict(type="float", default=2),
        ok_status=dict(type="list", elements="int", default=[200])), supports_check_mode=True)
    params = module.params
    problem = rate_problem(params["rate"], params["duration"], params["timeout"])
    if problem:
        module.fail_json(msg=problem)
    samples = paced(params["rate"], params["duration"],
                    lambda n: ask(params["url"], params["timeout"], params["ok_status"]))
    module.exit_json(changed=False, samples=samples, requests=len(samples),
                     failures=sum(1 for sample in samples if not sample["ok"]))


if __name__ == "__main__":
    main()
