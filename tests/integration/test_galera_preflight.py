"""Bad input to the galera role fails in its preflight, before anything changes, with a
message that names the variable and the fix. Fake hosts on a local connection, check
mode, preflight tag only: nothing on this machine can change."""


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
])
def test_bad_input_fails_in_preflight_naming_the_variable(tmp_path, dbs, group_vars, expected):
    rc, out = run_role(tmp_path, dbs, group_vars)
    assert rc != 0, out
    assert expected in " ".join(out.split()), out[-3000:]
    assert "changed=0" in out or "changed=" not in out
