"""playbooks/preflight.yml (the first plays of site.yml): the whole cluster's checks run
before any host changes. Fake hosts on a local connection (this machine's facts), check
mode: nothing on this machine can change. The broken inventories run the whole site.yml,
and the run must stop inside the preflight plays."""

import pytest
from playbook import ROOT, run_playbook
from preflight_outcome import assert_stopped_in_preflight

PLAYBOOK = "- ansible.builtin.import_playbook: %s/playbooks/preflight.yml\n" % ROOT
SITE = "- ansible.builtin.import_playbook: %s/site.yml\n" % ROOT
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


def run(tmp_path, playbook=PLAYBOOK, group_vars=None, **changes):
    """`group_vars` ({group: YAML text}) is written as the user would write it, unquoted
    words and all, beside the inventory."""
    groups, variables = inventory(**changes)
    for group, text in (group_vars or {}).items():
        (tmp_path / "group_vars").mkdir(exist_ok=True)
        (tmp_path / "group_vars" / ("%s.yml" % group)).write_text(text)
    return run_playbook(tmp_path, playbook, groups, variables, ["--check"], cached_facts=True)


@pytest.mark.parametrize("changes, expected", [
    ({"haproxy_backends": [{"name": "web", "port": 80, "servers": [{"name": "web1", "address": "172.22.77.16"}]}]},
     "web2 (172.22.77.17) is a web server in no HAProxy backend of lb1"),
    ({"proxysql_mysql_users": USERS + [{"name": "report", "password": "preflight-rep-Gh57tYu1"}]},
     "ProxySQL users report have no account on the databases"),
    ({"databases": {}}, "missing or empty: databases"),
    ({"hastack_public_vip": "10.255.255.235"}, "VIP 10.255.255.235 is outside"),            # keepalived's check
    ({"databases": {"db%d" % n: {"hastack_private_address": "172.22.77.2%d" % n} for n in (1, 2, 3, 4)}},
     "an even count loses quorum"),                                                        # galera's
    ({"proxysql_admin_password": "admin"}, "proxysql_admin_password"),                       # proxysql's
    ({"apache_phpfpm_session_store": "database"}, "apache_phpfpm_session_store=database needs"),  # apache_phpfpm's
])
def test_any_inconsistency_stops_the_run_before_any_role_starts(tmp_path, changes, expected):
    rc, out = run(tmp_path, SITE, **changes)
    assert_stopped_in_preflight(rc, out, expected)


# Each class of mistake of issue 23, through the whole site.yml: the run stops in the preflight,
# naming the host, the variable and the fix.
@pytest.mark.parametrize("changes, expected", [
    # an allowed-values check of a role that runs late (proxysql), before the first role starts
    ({"proxysql_install_source": "ftp"},
     ["web1: hastack.web.proxysql cannot use the inventory's values",
      "value of proxysql_install_source must be one of: repository, deb, got: ftp",
      "see the role's README for what proxysql_install_source takes"]),
    ({"galera_users": [dict(USERS[0], priv="app.*:ALL")], "galera_package_source": "ubuntu"},
     ["db1: hastack.web.galera cannot use the inventory's values", "galera_package_source must be one of"]),
    ({"rsync_sync_delay": "soon"}, ["web1: hastack.web.rsync_sync cannot use the inventory's values",
                                    "rsync_sync_delay"]),
    # documented rules that were not checked
    ({"balancers": {"lb1": {"hastack_private_address": "172.22.77.14", "hastack_public_address": local_address()}}},
     ["lb1 is the only balancer", "add a second host to balancers"]),
    ({"proxysql_mysql_users": [{"name": "app", "password": "preflight-other-Pw71cVb3"}]},
     ["web1: the password of ProxySQL user app in proxysql_mysql_users is not the one galera_users gives",
      "use the same secret (or its password_hash) on both sides"]),
    ({"databases": {"db1": {"hastack_private_address": "172.22.77.21"}}},
     ["1 database node: the cluster cannot lose one", "give databases 3 or more nodes"]),
    # the cause, not a consequence
    ({"webservers": {"web1": {}, "web2": {"hastack_private_address": "172.22.77.17"}}},
     ["web1 has no hastack_private_address: set it"]),
    ({"hastack_public_vip": None}, ["lb1: hastack_public_vip is not set"]),
    ({"hastack_public_vip": "192.0.2.235/24"}, ["hastack_public_vip=192.0.2.235/24 carries a prefix length",
                                                "give the address alone (192.0.2.235)"]),
])
def test_each_class_of_mistake_stops_site_yml_in_the_preflight(tmp_path, changes, expected):
    rc, out = run(tmp_path, SITE, **changes)
    assert_stopped_in_preflight(rc, out, *expected)
    if "webservers" in changes:
        assert "in no HAProxy backend" not in out  # the consequence is not reported as the cause


def test_a_yaml_boolean_for_a_numeric_choice_is_refused(tmp_path):
    rc, out = run(tmp_path, SITE, group_vars={"databases": "galera_innodb_flush_log_at_trx_commit: yes\n"})
    assert_stopped_in_preflight(rc, out, "db1: hastack.web.galera cannot use the inventory's values",
                                "galera_innodb_flush_log_at_trx_commit is the boolean true",
                                "it must be one of: 0, 1, 2. Write one of these values instead")


def test_a_misspelt_variable_is_warned_about_with_the_closest_name_unless_silenced(tmp_path):
    # `keepalived_preempt: off` unquoted (YAML's false) passes too; the role's own handling of
    # it is tests/integration/test_keepalived_preempt.py's
    rc, out = run(tmp_path, group_vars={
        "balancers": "keepalived_advert_intt: 0.1\nkeepalived_priorty: 150\nkeepalived_preempt: off\n",
        "all": "hastack_preflight_ignore_variables: [keepalived_prio*]\n"})
    assert rc == 0, out[-3000:]
    flat = " ".join(out.split())
    for host in ("lb1", "lb2"):
        assert ("[WARNING]: %s: keepalived_advert_intt is set in the inventory, but hastack.web.keepalived has no such "
                "variable and ignores it: did you mean keepalived_advert_int?" % host) in flat, out[-3000:]
    assert flat.count("keepalived_advert_intt is set") == 2  # the balancers only: keepalived runs nowhere else
    assert "keepalived_priorty" not in out  # the same kind of mistake, silenced by the pattern


# The preflight's first play gathers the facts every later play of site.yml uses (they gather
# none of their own), so it must gather whatever tags the run selects or skips.
FACTS_AFTER_PREFLIGHT = PLAYBOOK + """
- name: A play of site.yml after the preflight
  hosts: all
  gather_facts: false
  tasks:
    - name: Use the facts
      ansible.builtin.assert:
        that: ansible_facts.distribution is defined and ansible_facts.memtotal_mb is defined
        fail_msg: no facts on {{ inventory_hostname }}
      tags: [always]
"""


@pytest.mark.parametrize("args", [["--skip-tags", "preflight"], ["--tags", "galera"], []])
def test_later_plays_have_facts_whatever_the_tags(tmp_path, args):
    groups, variables = inventory()
    # not cached_facts: the run's own gathering is the subject
    rc, out = run_playbook(tmp_path, FACTS_AFTER_PREFLIGHT, groups, variables, ["--check", *args])
    assert rc == 0, out[-3000:]
    assert "no facts on" not in out
    assert out.count("TASK [Gathering Facts]") == 1, out[-3000:]  # once, in the first play
    if not args:  # the whole preflight: a consistent cluster passes every role's checks
        assert "changed=0" in out
        for role in ("common", "haproxy", "keepalived", "galera", "proxysql", "apache_phpfpm", "rsync_sync"):
            assert "hastack.web.%s : Check" % role in out, role


def test_without_a_backup_repository_the_backup_play_skips_cleanly(tmp_path):
    # every task of hastack.web.galera_backup is skipped, and none may fail first on a value only
    # a repository gives (CI's deploy stopped on an empty delegate_to once)
    groups, variables = inventory()
    rc, out = run_playbook(tmp_path, SITE, groups, variables, ["--check", "--tags", "galera_backup"],
                           cached_facts=True)
    assert rc == 0, out[-3000:]
    assert "TASK [hastack.web.galera_backup : Install mariabackup, restic and the SSH client]" in out  # it was reached


@pytest.mark.parametrize("repository, expected", [
    ("sftp:store:/srv/backup/db", "does not name the account (USER@): write sftp:USER@HOST:/PATH"),
    ("s3:s3.amazonaws.com/bucket", "is restic's s3 backend: the role supports sftp:USER@HOST:/PATH"),
])
def test_a_backup_repository_the_role_cannot_use_stops_site_yml_in_the_preflight(tmp_path, repository, expected):
    rc, out = run(tmp_path, SITE, group_vars={"databases": (
        "galera_backup_repository: '%s'\ngalera_backup_host: db1\ngalera_binlog: true\n"
        "galera_backup_password: preflight-restic-Kd82mQw5\ngalera_backup_db_password: preflight-bk-Wq47nZe2\n"
        % repository)})
    assert_stopped_in_preflight(rc, out, "galera_backup_repository=%s %s" % (repository, expected))


# Each check runs once a run: site.yml's roles skip what its preflight plays already checked,
# and a role used on its own (here haproxy's play alone) still checks itself.
ROLE_ALONE = """
- name: The haproxy role on its own
  hosts: balancers
  roles:
    - role: hastack.web.haproxy
"""
ONE_CHECK = "TASK [hastack.web.haproxy : Check the backends against the inventory]"


@pytest.mark.parametrize("playbook, passed", [(SITE, True), (ROLE_ALONE, False)])
def test_each_check_runs_once_in_a_run(tmp_path, playbook, passed):
    groups, variables = inventory(keepalived_track_mode="none")
    rc, out = run_playbook(tmp_path, playbook, groups, variables, ["--check", "--tags", "preflight"],
                           cached_facts=True)
    assert rc == 0, out[-3000:]
    assert out.count(ONE_CHECK) == 1, out[-3000:]
    assert ("PLAY [Preflight - passed]" in out) is passed
    for role in ("common", "haproxy", "keepalived", "galera", "proxysql", "apache_phpfpm", "rsync_sync"):
        assert out.count("TASK [hastack.web.%s : Check the role's variables against its argument spec]" % role) \
            == (1 if passed or role == "haproxy" else 0), role
