"""The proxysql role without ProxySQL: its preflight refuses bad input, and its first-boot
proxysql.cnf, rendered by the role's own template from an inventory like the paper's,
parses as libconfig and holds the tables ProxySQL needs. Fake hosts on a local
connection; nothing on this machine is installed or started."""

import re
from pathlib import Path

import pytest
from playbook import run_playbook

ROOT = Path(__file__).resolve().parents[2]

DBS = {"db1": {"hastack_private_address": "172.22.77.21"},
       "db2": {"hastack_private_address": "172.22.77.22"},
       "db3": {"hastack_private_address": "172.22.77.23"}}
WEBS = {"web1": {"hastack_private_address": "172.22.77.16"},
        "web2": {"hastack_private_address": "172.22.77.17"}}
SECRETS = {"proxysql_admin_password": "Adm1n-pr0xy-\"quoted\"-Kq2",
           "proxysql_cluster_password": "cluster-Zr83mWq1Lp",
           "proxysql_monitor_password": "monitor-Tw58kPz3Xc",
           "proxysql_mysql_users": [{"name": "hastack", "password": "app-Vb61rQs4Lk"}]}

PREFLIGHT = """
- hosts: webservers
  gather_facts: false
  any_errors_fatal: true
  roles:
    - role: hastack.web.proxysql
"""

RENDER = """
- hosts: web1
  gather_facts: false
  tasks:
    - name: The role's variables, and its preflight
      ansible.builtin.include_role:
        name: hastack.web.proxysql
        tasks_from: preflight.yml
        public: true
    - name: Render the first-boot configuration with the role's template
      ansible.builtin.template:
        src: %s/roles/proxysql/templates/proxysql.cnf.j2
        dest: "%s"
        mode: "0600"
""" % (ROOT, "{{ out }}")


def run(tmp_path, playbook, group_vars=None, extra=()):
    return run_playbook(tmp_path, playbook, {"databases": DBS, "webservers": WEBS},
                        dict(SECRETS, **(group_vars or {})), extra)


# ---------------------------------------------------------------- preflight

def test_good_input_passes_preflight(tmp_path):
    rc, out = run(tmp_path, PREFLIGHT, extra=("--check", "--tags", "preflight"))
    assert rc == 0, out
    assert "changed=0" in out


@pytest.mark.parametrize("group_vars, expected", [
    ({"proxysql_admin_user": "admin", "proxysql_admin_password": "admin"}, "ProxySQL's default admin:admin"),
    ({"proxysql_admin_password": ""}, "proxysql_admin_password is not set"),
    ({"proxysql_monitor_password": ""}, "proxysql_monitor_password is not set"),
    ({"proxysql_cluster_password": "cluster"}, "proxysql_cluster_password is a well-known"),
    ({"proxysql_writer_preference": ["db9"]}, "proxysql_writer_preference: not in the database group: db9"),
    ({"proxysql_hostgroups": {"writer": 10, "backup_writer": 20, "reader": 10, "offline": 9999}},
     "four different ids"),
    ({"proxysql_mysql_users": [{"name": "hastack"}]}, "needs exactly one of password or password_hash"),
    ({"proxysql_query_rules": [{"rule_id": 200, "match_digest": "^SELECT", "destination_hostgroup": 10}]},
     "rule_id 200 is the role's own read/write rule"),
    ({"proxysql_install_source": "deb", "proxysql_deb_url": "https://example.invalid/p.deb"},
     "proxysql_deb_url is set without proxysql_deb_checksum"),
    ({"proxysql_unavailable": "ignore"}, "proxysql_unavailable"),
])
def test_bad_input_is_refused_before_anything_changes(tmp_path, group_vars, expected):
    rc, out = run(tmp_path, PREFLIGHT, group_vars, extra=("--check", "--tags", "preflight"))
    assert rc != 0, out
    assert expected in out
    assert "changed=0" in out or "changed=" not in out


# ---------------------------------------------------------------- the rendered proxysql.cnf

class LibConfig:
    """Just enough libconfig (the format of proxysql.cnf) to read what the role writes:
    settings name=value; groups {...}; lists (...); strings with escapes; integers."""

    TOKEN = re.compile(r'\s*(?:#[^\n]*\n?|(?P<str>"(?:[^"\\]|\\.)*")|(?P<int>-?\d+)\b|(?P<name>[A-Za-z_][\w-]*)'
                       r'|(?P<punct>[=:{}(),;]))', re.S)

    def __init__(self, text):
        self.tokens = []
        pos = 0
        while pos < len(text):
            match = self.TOKEN.match(text, pos)
            if not match:
                if text[pos:].strip():
                    raise ValueError("cannot read %r" % text[pos:pos + 40])
                break
            pos = match.end()
            for kind in ("str", "int", "name", "punct"):
                if match.group(kind) is not None:
                    self.tokens.append((kind, match.group(kind)))
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        if value is not None and token[1] != value:
            raise ValueError("expected %r, found %r" % (value, token[1]))
        self.pos += 1
        return token

    def settings(self, end=None):
        result = {}
        while self.peek()[1] != end:
            kind, name = self.take()
            if kind != "name":
                raise ValueError("expected a setting name, found %r" % name)
            if self.take()[1] not in ("=", ":"):
                raise ValueError("expected = after %s" % name)
            if name in result:
                raise ValueError("%s is set twice" % name)
            result[name] = self.value()
            if self.peek()[1] in (";", ","):
                self.take()
        return result

    def value(self):
        kind, token = self.take()
        if kind == "str":
            return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), token[1:-1])
        if kind == "int":
            return int(token)
        if token == "{":
            group = self.settings("}")
            self.take("}")
            return group
        if token == "(":
            items = []
            while self.peek()[1] != ")":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            return items
        raise ValueError("unexpected %r" % token)

    @classmethod
    def parse(cls, text):
        parser = cls(text)
        return parser.settings()


def rendered(tmp_path, group_vars=None):
    out = tmp_path / "proxysql.cnf"
    rc, log = run(tmp_path, RENDER, group_vars, extra=("-e", "out=%s" % out))
    assert rc == 0, log
    return LibConfig.parse(out.read_text())


def test_the_first_boot_config_holds_the_papers_layout(tmp_path):
    cnf = rendered(tmp_path)
    servers = sorted((s["address"], s["hostgroup"], s["weight"], s["port"]) for s in cnf["mysql_servers"])
    assert servers == [("172.22.77.21", 10, 998, 3306), ("172.22.77.22", 10, 999, 3306),
                       ("172.22.77.23", 10, 1000, 3306)]
    assert cnf["mysql_galera_hostgroups"] == [{
        "writer_hostgroup": 10, "backup_writer_hostgroup": 20, "reader_hostgroup": 30, "offline_hostgroup": 9999,
        "active": 1, "max_writers": 1, "writer_is_also_reader": 2, "max_transactions_behind": 100,
        "comment": "hastack galera"}]
    rules = [(r["rule_id"], r["destination_hostgroup"], r["apply"]) for r in cnf["mysql_query_rules"]]
    assert rules == [(100, 10, 1), (200, 30, 1)]
    assert re.search(cnf["mysql_query_rules"][0]["match_digest"], "SELECT a FROM t WHERE id=? FOR UPDATE")
    assert not re.search(cnf["mysql_query_rules"][0]["match_digest"], "SELECT a FROM t WHERE id=?")
    (user,) = cnf["mysql_users"]
    assert user["username"] == "hastack" and user["default_hostgroup"] == 10
    assert user["transaction_persistent"] == 1
    assert re.match(r"^\*[0-9A-F]{40}$", user["password"]), "kept as a native hash, not the password"


def test_admin_and_monitor_settings_escape_and_never_default(tmp_path):
    cnf = rendered(tmp_path)
    admin = cnf["admin_variables"]
    expected = "radmin:%s;cluster:%s" % (SECRETS["proxysql_admin_password"], SECRETS["proxysql_cluster_password"])
    assert admin["admin_credentials"] == expected
    assert "admin:admin" not in admin["admin_credentials"]
    assert admin["mysql_ifaces"] == "127.0.0.1:6032;172.22.77.16:6032"
    assert admin["cluster_username"] == "cluster"
    mysql = cnf["mysql_variables"]
    assert mysql["interfaces"] == "127.0.0.1:6033"
    assert mysql["monitor_username"] == "monitor"
    assert mysql["monitor_password"] == SECRETS["proxysql_monitor_password"]
    assert int(mysql["monitor_galera_healthcheck_interval"]) == 500
    peers = sorted((p["hostname"], p["port"]) for p in cnf["proxysql_servers"])
    assert peers == [("172.22.77.16", 6032), ("172.22.77.17", 6032)]
    assert cnf["datadir"] == "/var/lib/proxysql"


def test_without_a_cluster_the_admin_interface_stays_on_loopback(tmp_path):
    cnf = rendered(tmp_path, {"proxysql_cluster": False, "proxysql_writer_preference": ["db1", "db2"]})
    assert cnf["admin_variables"]["mysql_ifaces"] == "127.0.0.1:6032"
    assert "cluster_username" not in cnf["admin_variables"]
    assert cnf["proxysql_servers"] == []
    weights = dict((s["address"], s["weight"]) for s in cnf["mysql_servers"])
    assert weights == {"172.22.77.21": 1000, "172.22.77.22": 999, "172.22.77.23": 998}
