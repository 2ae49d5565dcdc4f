"""Bad input to the apache_phpfpm role fails in its preflight, before anything changes,
with a message that names the variable and the fix. Fake hosts on a local connection,
check mode, preflight tag only: nothing on this machine can change."""

import pytest
from playbook import run_playbook

PLAYBOOK = """
- hosts: webservers
  any_errors_fatal: true
  roles:
    - role: hastack.web.apache_phpfpm
"""

WEB = {"web1": {"hastack_private_address": "172.22.77.16"}, "web2": {"hastack_private_address": "172.22.77.17"}}
LBS = {"lb1": {"hastack_private_address": "172.22.77.14"}}
SESSIONS = {"host": "127.0.0.1", "port": 6033, "user": "hastack", "password": "preflight-app-Xw71kQp2",
            "database": "hastack"}


def run_role(tmp_path, group_vars=None):
    return run_playbook(tmp_path, PLAYBOOK, {"webservers": WEB, "balancers": LBS}, group_vars,
                        ["--check", "--tags", "preflight"])


@pytest.mark.parametrize("group_vars", [
    None,
    {"apache_phpfpm_session_store": "database", "apache_phpfpm_session_database": SESSIONS},
], ids=["files", "database"])
def test_good_input_passes_preflight(tmp_path, group_vars):
    rc, out = run_role(tmp_path, group_vars)
    assert rc == 0, out[-3000:]
    assert "changed=0" in out


@pytest.mark.parametrize("group_vars, expected", [
    ({"apache_phpfpm_session_store": "redis"}, "apache_phpfpm_session_store"),
    ({"apache_phpfpm_session_store": "database"},
     "apache_phpfpm_session_store=database needs apache_phpfpm_session_database with host, port, user, password"),
    ({"apache_phpfpm_session_store": "database",
      "apache_phpfpm_session_database": dict(SESSIONS, password="")}, "apache_phpfpm_session_database"),
    ({"apache_phpfpm_session_store": "database",
      "apache_phpfpm_session_database": dict(SESSIONS, table="sessions; DROP TABLE x")}, "optional table name"),
    ({"apache_phpfpm_session_store": "database", "apache_phpfpm_session_database": SESSIONS,
      "apache_phpfpm_php_ini_extra": {"auto_prepend_file": "/srv/app/boot.php"}},
     "apache_phpfpm_php_ini_extra must not set that"),
    ({"apache_phpfpm_health_database": {"host": "127.0.0.1"}}, "apache_phpfpm_health_database needs host, port"),
    ({"apache_phpfpm_vhosts": [{"name": "Bad Name", "server_name": "x", "document_root": "/srv"}]}, "apache_phpfpm_vhosts needs"),
    ({"apache_phpfpm_fpm_overrides": {"max_children": 4, "max_spare_servers": 8}}, "max_spare_servers"),
])
def test_bad_input_fails_in_preflight_naming_the_variable(tmp_path, group_vars, expected):
    rc, out = run_role(tmp_path, group_vars)
    assert rc != 0, out
    assert expected in " ".join(out.split()), out[-3000:]
    assert "changed=0" in out or "changed=" not in out
