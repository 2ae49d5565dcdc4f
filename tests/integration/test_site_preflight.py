"""playbooks/preflight.yml (the first plays of site.yml): the whole cluster's checks run
before any host changes. Fake hosts on a local connection (this machine's facts), check
mode: nothing on this machine can change."""

import pytest
from playbook import ROOT, run_playbook

PLAYBOOK = "- ansible.builtin.import_playbook: %s/playbooks/preflight.yml\n" % ROOT
# The balancers' public addresses must be on one of this machine's interfaces for the VRRP
# plan (it reads the host's facts); eth0's here, whatever it is, found by the test.
USERS = [{"name": "app", "password": "preflight-app-Lq82mXv4"}]
SECRETS = {"haproxy_stats_password": "preflight-stats-Hx61pQa9", "galera_sst_password": "preflight-sst-Jk29sLq7",
           "galera_monitor_password": "preflight-mon-Rt64wXz1", "proxysql_admin_password": "preflight-adm-Vb37nTe5",
           "proxysql_cluster_password": "preflight-cl-Zm48kRw2", "galera_users": [dict(USERS[0], priv="app.*:ALL")],
           "proxysql_mysql_users": USERS, "haproxy_maxconn": 2000}


def local_address():
    import socket
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        return probe.getsockname()[0]
    finally:
        probe.close()


def inventory(**changes):
    public = local_address()
    prefix = public.rsplit(".", 1)[0]
    groups = {
        "balancers": {"lb1": {"hastack_private_address": "172.22.77.14", "hastack_public_address": public},
                      "lb2": {"hastack_private_address": "172.22.77.15", "hastack_public_address": public}},
        "webservers": {"web1": {"hastack_private_address": "172.22.77.16"},
                       "web2": {"hastack_private_address": "172.22.77.17"}},
        "databases": {"db%d" % n: {"hastack_private_address": "172.22.77.2%d" % n} for n in (1, 2, 3)},
    }
    variables = dict(SECRETS, hastack_public_vip="%s.235" % prefix if not public.endswith(".235") else "%s.236" % prefix)
    for key, value in changes.items():
        if key in groups:
            groups[key] = value
        else:
            variables[key] = value
    return groups, variables


def run(tmp_path, **changes):
    groups, variables = inventory(**changes)
    return run_playbook(tmp_path, PLAYBOOK, groups, variables, ["--check"])


def test_a_consistent_cluster_passes_every_check(tmp_path):
    rc, out = run(tmp_path)
    assert rc == 0, out[-4000:]
    assert "changed=0" in out
    for role in ("common", "haproxy", "keepalived", "galera", "proxysql", "apache_phpfpm", "rsync_sync"):
        assert "hastack.web.%s : Check" % role in out, role  # every role's preflight ran


@pytest.mark.parametrize("changes, expected", [
    ({"haproxy_backends": [{"name": "web", "port": 80, "servers": [{"name": "web1", "address": "172.22.77.16"}]}]},
     "web2 (172.22.77.17) is a web server in no HAProxy backend of lb1"),
    ({"proxysql_mysql_users": USERS + [{"name": "report", "password": "preflight-rep-Gh57tYu1"}]},
     "ProxySQL users report have no account on the databases"),
    ({"databases": {}}, "missing or empty: databases"),
    ({"hastack_public_vip": "10.255.255.235"}, "VIP 10.255.255.235 is outside"),            # keepalived's check
    ({"databases": {"db1": {"hastack_private_address": "172.22.77.21"},
                    "db2": {"hastack_private_address": "172.22.77.22"}}}, "an even count loses quorum"),  # galera's
    ({"proxysql_admin_password": "admin"}, "proxysql_admin_password"),                       # proxysql's
    ({"apache_phpfpm_session_store": "database"}, "apache_phpfpm_session_store=database needs"),  # apache_phpfpm's
])
def test_any_inconsistency_stops_the_run_before_any_role_starts(tmp_path, changes, expected):
    rc, out = run(tmp_path, **changes)
    assert rc != 0, out[-3000:]
    assert expected in " ".join(out.split()), out[-3000:]
    assert "changed=" not in out or "changed=0" in out
