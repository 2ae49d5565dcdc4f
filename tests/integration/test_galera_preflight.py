"""Bad input to the galera role fails in its preflight, before anything changes, with a
message that names the variable and the fix. Fake hosts on a local connection, check
mode, preflight tag only: nothing on this machine can change."""


import base64
import json

import pytest
from playbook import run_playbook

PLAYBOOK = """
- hosts: databases
  gather_facts: false
  any_errors_fatal: true
  roles:
    - role: hastack.web.galera
"""

DBS = {"db1": {"hastack_private_address": "172.22.77.21"},
       "db2": {"hastack_private_address": "172.22.77.22"},
       "db3": {"hastack_private_address": "172.22.77.23"}}
WEB = {"web1": {"hastack_private_address": "172.22.77.16"}}
SECRETS = {"galera_sst_password": "preflight-sst-Jk29sLq7", "galera_monitor_password": "preflight-mon-Rt64wXz1"}


def run_role(tmp_path, dbs=None, group_vars=None):
    return run_playbook(tmp_path, PLAYBOOK, {"databases": DBS if dbs is None else dbs, "webservers": WEB},
                        dict(SECRETS, **(group_vars or {})), ["--check", "--tags", "preflight"])


def test_good_input_passes_preflight(tmp_path):
    rc, out = run_role(tmp_path)
    assert rc == 0, out
    assert "changed=0" in out


@pytest.mark.parametrize("dbs, group_vars, expected", [
    ({k: DBS[k] for k in ("db1", "db2")}, None,
     "an even count loses quorum when it splits in half; add a node or set galera_arbitrator_host"),
    (None, {"galera_sst_password": ""}, "galera_sst_password is not set"),
    (None, {"galera_sst_password": "password"}, "galera_sst_password"),
    (None, {"galera_monitor_password": ""}, "galera_monitor_password is not set"),
    (None, {"galera_users": [{"name": "app", "priv": "app.*:ALL"}]},
     "galera_users[0] (app) needs exactly one of password or password_hash"),
    (None, {"galera_users": [{"name": "app", "password_hash": "secret"}]}, "mysql_native_password hash"),
    (None, {"galera_evs_suspect_timeout": 0.05}, "galera_evs_suspect_timeout=0.05: below 0.2 s"),
    (None, {"galera_bootstrap_node": "db9"}, "galera_bootstrap_node is db9, which is not in the galera group"),
    (None, {"galera_force_bootstrap_node": "db9"}, "galera_force_bootstrap_node is db9"),
    (dict(DBS, db3={}), None, "db3 has no IPv4 address in hastack_private_address"),
    (None, {"galera_tls": True}, "galera_tls is true: set galera_tls_ca, galera_tls_cert and galera_tls_key"),
    (None, {"galera_innodb_flush_log_at_trx_commit": 3}, "galera_innodb_flush_log_at_trx_commit"),
    (None, {"galera_realtime_priority": 120}, "galera_realtime_priority=120: use 1 to 99"),
    (None, {"galera_realtime_priority": 2, "galera_provider_options": {"gcomm.thread_prio": "fifo:5"}},
     "gcomm.thread_prio while galera_realtime_priority sets it too"),
])
def test_bad_input_fails_in_preflight_naming_the_variable(tmp_path, dbs, group_vars, expected):
    rc, out = run_role(tmp_path, dbs, group_vars)
    assert rc != 0, out
    assert expected in " ".join(out.split()), out[-3000:]
    assert "changed=0" in out or "changed=" not in out


def init_status(bounding_set):
    """What slurp returns for /proc/1/status, as -e (which wins over the registered result)."""
    text = "Name:\tsystemd\nCapInh:\t0000000000000000\nCapBnd:\t%s\n" % bounding_set
    return ["-e", json.dumps({"__galera_init_status": {"content": base64.b64encode(text.encode()).decode()}})]


@pytest.mark.parametrize("bounding_set, passes", [
    ("000001ffffffffff", True),    # root on a VM: every capability
    ("00000000a8a475fb", True),    # the lab's containers: Docker's set plus SYS_NICE and IPC_LOCK
    ("00000000a80425fb", False),   # Docker's default set: no CAP_SYS_NICE
])
def test_real_time_priority_needs_cap_sys_nice_on_the_host(tmp_path, bounding_set, passes):
    rc, out = run_playbook(tmp_path, PLAYBOOK, {"databases": DBS, "webservers": WEB},
                           dict(SECRETS, galera_realtime_priority=2),
                           ["--check", "--tags", "preflight", *init_status(bounding_set)])
    if passes:
        assert rc == 0, out[-3000:]
    else:
        assert rc != 0, out
        assert "services cannot have CAP_SYS_NICE (CapBnd 00000000a80425fb of PID 1)" in " ".join(out.split()), \
            out[-3000:]
        assert "or set galera_realtime_priority to 0" in " ".join(out.split())
