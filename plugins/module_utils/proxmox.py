# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talking to the Proxmox VE API for this collection's modules: the connection options (with
environment fallbacks), a client on proxmoxer, bounded retries of what may be retried, and
waiting for tasks against a real deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.hastack.web.plugins.module_utils.proxmox_vm import classify_error, parameter_errors, task_failed

PROXMOXER_IMPORT_ERROR = None
try:
    from proxmoxer import ProxmoxAPI
    from proxmoxer.core import ResourceException
    import requests
except ImportError:  # pragma: no cover - reported by the module
    ProxmoxAPI = None
    requests = None

    class ResourceException(Exception):
        """Stands in for proxmoxer's, which is not installed (the module fails first)."""
    PROXMOXER_IMPORT_ERROR = traceback.format_exc()


def proxmox_auth_argument_spec():
    """The connection options every Proxmox module of this collection takes."""
    return dict(
        api_host=dict(type="str", required=True, fallback=(env_fallback, ["PROXMOX_HOST"])),
        api_port=dict(type="int", default=8006, fallback=(env_fallback, ["PROXMOX_PORT"])),
        api_user=dict(type="str", required=True, fallback=(env_fallback, ["PROXMOX_USER"])),
        api_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PROXMOX_PASSWORD"])),
        api_token_id=dict(type="str", no_log=False, fallback=(env_fallback, ["PROXMOX_TOKEN_ID"])),
        api_token_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["PROXMOX_TOKEN_SECRET"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["PROXMOX_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["PROXMOX_CA_PATH"])),
        api_timeout=dict(type="int", default=30),
        lock_retries=dict(type="int", default=6),
        lock_retry_delay=dict(type="float", default=5.0),
    )


PROXMOX_AUTH_MUTUALLY_EXCLUSIVE = [("api_password", "api_token_id")]
PROXMOX_AUTH_REQUIRED_ONE_OF = [("api_password", "api_token_id")]
PROXMOX_AUTH_REQUIRED_TOGETHER = [("api_token_id", "api_token_secret")]


class ProxmoxFailure(Exception):
    """An API call or task that failed; kind is classify_error's word."""

    def __init__(self, message, kind="other", status=None):
        super(ProxmoxFailure, self).__init__(message)
        self.kind = kind
        self.status = status


class ProxmoxClient(object):
    """A Proxmox VE API session with the module's retry and task rules.

    Every write goes through call(); reads and writes that fail because a VM's config is
    locked, or because a concurrent change made the config digest stale, are retried
    `lock_retries` times, `lock_retry_delay` seconds apart. Everything else fails at once with
    a message that says what happened (no quorum, node offline, permission denied...)."""

    def __init__(self, module, sleep=time.sleep, clock=time.monotonic):
        self.module = module
        self.sleep = sleep
        self.clock = clock
        params = module.params
        if ProxmoxAPI is None:
            module.fail_json(msg=missing_required_lib("proxmoxer"), exception=PROXMOXER_IMPORT_ERROR)
        verify = params["ca_path"] or params["validate_certs"]
        auth = {}
        if params["api_token_id"]:
            auth = dict(token_name=params["api_token_id"], token_value=params["api_token_secret"])
        else:
            auth = dict(password=params["api_password"])
        for attempt in range(1 + params["lock_retries"]):
            try:
                self.api = ProxmoxAPI(params["api_host"], port=params["api_port"], user=params["api_user"],
                                      verify_ssl=verify, timeout=params["api_timeout"], **auth)
                break
            except Exception as exc:  # proxmoxer raises plain exceptions for a failed login
                lost = requests is not None and isinstance(exc, requests.exceptions.ConnectionError) \
                    and not isinstance(exc, requests.exceptions.SSLError)
                if lost and attempt < params["lock_retries"]:
                    self.sleep(params["lock_retry_delay"])
                    continue
                module.fail_json(msg="cannot log in to Proxmox VE at %s:%s as %s: %s" % (
                    params["api_host"], params["api_port"], params["api_user"], exc))

    # ------------------------------------------------------------ calls

    def call(self, method, path, retry=True, **data):
        """GET/POST/PUT/DELETE `path` (a list of path parts) with data; returns the data.
        With `retry`, a locked VM config is retried, and so is a read whose connection failed
        (a write is not: it may have been done). Other failures raise ProxmoxFailure."""
        attempts = 1 + (self.module.params["lock_retries"] if retry else 0)
        for attempt in range(attempts):
            try:
                resource = self.api
                for part in path:
                    resource = resource(str(part))
                return getattr(resource, method.lower())(**data)
            except ResourceException as exc:
                message = "%s %s" % (getattr(exc, "status_message", ""), getattr(exc, "content", "") or "")
                message = message.strip() or str(exc)
                reasons = parameter_errors(getattr(exc, "errors", None))
                if reasons:  # a 400 says what is wrong with each parameter: keep it
                    message = "%s (%s)" % (message, reasons)
                status = getattr(exc, "status_code", None)
                kind = classify_error(status, message)
                if kind == "lock" and attempt + 1 < attempts:
                    self.sleep(self.module.params["lock_retry_delay"])
                    continue
                raise ProxmoxFailure(self.explain(method, path, status, message, kind, attempt), kind, status)
            except Exception as exc:  # requests' connection errors: the network or the node
                if requests is not None and isinstance(exc, requests.exceptions.RequestException):
                    if attempt + 1 < attempts and method == "GET" and \
                            isinstance(exc, requests.exceptions.ConnectionError):
                        self.sleep(self.module.params["lock_retry_delay"])
                        continue
                    raise ProxmoxFailure("%s /%s: the Proxmox API did not answer: %s" % (
                        method, "/".join(str(p) for p in path), exc), "network")
                raise

    def explain(self, method, path, status, message, kind, attempt):
        where = "%s /%s" % (method, "/".join(str(p) for p in path))
        hints = {
            "lock": "the VM's config stayed locked (a backup, migration or another task) through %d tries; "
                    "run again when it is done, or raise lock_retries" % (attempt + 1),
            "checksum": "the VM's config kept changing under this task (another client writes it)",
            "quorum": "the cluster has lost quorum, so /etc/pve is read-only: bring enough nodes back",
            "offline": "the node is offline or unreachable from the API host",
            "auth": "the API user or token lacks the privilege (or the login expired)",
        }
        text = "%s failed (HTTP %s): %s" % (where, status, message)
        if kind in hints:
            text += " - " + hints[kind]
        return text

    # ------------------------------------------------------------ tasks

    def wait_task(self, node, upid, timeout, what):
        """Wait for a task until `timeout` seconds pass. A task that ends in error raises at
        once, with the end of its log; one still running at the deadline raises a timeout that
        says it is still running (it is not stopped)."""
        deadline = self.clock() + timeout
        delay = 0.2
        while True:
            status = self.call("GET", ["nodes", node, "tasks", upid, "status"])
            if status.get("status") == "stopped":
                error = task_failed(status)
                if error:
                    raise ProxmoxFailure("%s failed: %s\n%s" % (what, error, self.task_log_tail(node, upid)),
                                         classify_error(None, error))
                return status
            if self.clock() >= deadline:
                raise ProxmoxFailure("%s did not finish within %d s; the task %s is still running on %s" % (
                    what, timeout, upid, node), "timeout")
            self.sleep(min(delay, max(deadline - self.clock(), 0.05)))
            delay = min(delay * 2, 2.0)

    def task_log_tail(self, node, upid, lines=10):
        try:
            log = self.call("GET", ["nodes", node, "tasks", upid, "log"], retry=False, limit=500)
        except ProxmoxFailure:
            return "(task log unavailable)"
        text = [entry.get("t", "") for entry in log or []]
        return "task log (last %d lines):\n%s" % (min(lines, len(text)), "\n".join(text[-lines:]))

    def run_task(self, method, path, node, deadline, what, **data):
        """Start a task with a call and wait up to `deadline` seconds for it; returns the UPID."""
        upid = self.call(method, path, **data)
        if upid:
            self.wait_task(node, upid, deadline, what)
        return upid
