"""A stand-in for ProxySQL's admin interface, for the proxysql_config module's unit tests.

ProxySQL's admin interface is SQLite behind the MySQL protocol. This fake is SQLite with
the same tables (the columns, keys and CHECKs of ProxySQL 2.7's schema, abridged to the
columns the role uses plus a few it leaves at their defaults), a runtime_ copy of each
that LOAD ... TO RUNTIME fills, and a disk copy that SAVE ... TO DISK fills.

What it does not do: no MySQL protocol (the module's connect() is replaced), no Galera
monitor (a test moves servers between hostgroups itself, as the monitor would), no
cluster sync. It records every statement so a test can assert that a run wrote nothing.
The live checks against a real ProxySQL are in the Molecule scenario (PROXYSQL_DEB).
"""

import re
import sqlite3

import pymysql
import pytest
from ansible.module_utils.testing import patch_module_args

SCHEMA = {
    "mysql_servers": """
        hostgroup_id INT CHECK (hostgroup_id>=0) NOT NULL DEFAULT 0, hostname VARCHAR NOT NULL,
        port INT CHECK (port >= 0 AND port <= 65535) NOT NULL DEFAULT 3306, gtid_port INT NOT NULL DEFAULT 0,
        status VARCHAR CHECK (UPPER(status) IN ('ONLINE','SHUNNED','OFFLINE_SOFT','OFFLINE_HARD'))
            NOT NULL DEFAULT 'ONLINE',
        weight INT CHECK (weight >= 0 AND weight <= 10000000) NOT NULL DEFAULT 1,
        compression INT NOT NULL DEFAULT 0, max_connections INT CHECK (max_connections >=0) NOT NULL DEFAULT 1000,
        max_replication_lag INT NOT NULL DEFAULT 0, use_ssl INT CHECK (use_ssl IN(0,1)) NOT NULL DEFAULT 0,
        max_latency_ms INT UNSIGNED NOT NULL DEFAULT 0, comment VARCHAR NOT NULL DEFAULT '',
        PRIMARY KEY (hostgroup_id, hostname, port)""",
    "mysql_galera_hostgroups": """
        writer_hostgroup INT CHECK (writer_hostgroup>=0) NOT NULL PRIMARY KEY,
        backup_writer_hostgroup INT CHECK (backup_writer_hostgroup>=0 AND backup_writer_hostgroup<>writer_hostgroup)
            NOT NULL,
        reader_hostgroup INT NOT NULL CHECK (reader_hostgroup<>writer_hostgroup
            AND backup_writer_hostgroup<>reader_hostgroup AND reader_hostgroup>0),
        offline_hostgroup INT NOT NULL CHECK (offline_hostgroup<>writer_hostgroup
            AND offline_hostgroup<>reader_hostgroup AND backup_writer_hostgroup<>offline_hostgroup
            AND offline_hostgroup>=0),
        active INT CHECK (active IN (0,1)) NOT NULL DEFAULT 1,
        max_writers INT NOT NULL CHECK (max_writers >= 0) DEFAULT 1,
        writer_is_also_reader INT CHECK (writer_is_also_reader IN (0,1,2)) NOT NULL DEFAULT 0,
        max_transactions_behind INT CHECK (max_transactions_behind>=0) NOT NULL DEFAULT 0,
        comment VARCHAR, UNIQUE (reader_hostgroup), UNIQUE (offline_hostgroup), UNIQUE (backup_writer_hostgroup)""",
    "mysql_users": """
        username VARCHAR NOT NULL, password VARCHAR, active INT CHECK (active IN (0,1)) NOT NULL DEFAULT 1,
        use_ssl INT CHECK (use_ssl IN (0,1)) NOT NULL DEFAULT 0, default_hostgroup INT NOT NULL DEFAULT 0,
        default_schema VARCHAR, schema_locked INT CHECK (schema_locked IN (0,1)) NOT NULL DEFAULT 0,
        transaction_persistent INT CHECK (transaction_persistent IN (0,1)) NOT NULL DEFAULT 1,
        fast_forward INT CHECK (fast_forward IN (0,1)) NOT NULL DEFAULT 0,
        backend INT CHECK (backend IN (0,1)) NOT NULL DEFAULT 1,
        frontend INT CHECK (frontend IN (0,1)) NOT NULL DEFAULT 1,
        max_connections INT CHECK (max_connections >=0) NOT NULL DEFAULT 10000,
        attributes VARCHAR CHECK (JSON_VALID(attributes) OR attributes = '') NOT NULL DEFAULT '',
        comment VARCHAR NOT NULL DEFAULT '', PRIMARY KEY (username, backend), UNIQUE (username, frontend)""",
    "mysql_query_rules": """
        rule_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, active INT CHECK (active IN (0,1)) NOT NULL DEFAULT 0,
        username VARCHAR, schemaname VARCHAR, flagIN INT CHECK (flagIN >= 0) NOT NULL DEFAULT 0,
        client_addr VARCHAR, digest VARCHAR, match_digest VARCHAR, match_pattern VARCHAR,
        negate_match_pattern INT CHECK (negate_match_pattern IN (0,1)) NOT NULL DEFAULT 0,
        re_modifiers VARCHAR DEFAULT 'CASELESS', flagOUT INT CHECK (flagOUT >= 0),
        destination_hostgroup INT DEFAULT NULL, cache_ttl INT CHECK(cache_ttl > 0), multiplex INT,
        retries INT CHECK (retries>=0 AND retries <=1000),
        apply INT CHECK(apply IN (0,1)) NOT NULL DEFAULT 0, comment VARCHAR""",
    "proxysql_servers": """
        hostname VARCHAR NOT NULL, port INT NOT NULL DEFAULT 6032, weight INT CHECK (weight >= 0) NOT NULL DEFAULT 0,
        comment VARCHAR NOT NULL DEFAULT '', PRIMARY KEY (hostname, port)""",
    "global_variables": "variable_name VARCHAR NOT NULL PRIMARY KEY, variable_value VARCHAR NOT NULL",
}

# Statistics: one row per server and hostgroup of runtime; a test sets ConnUsed itself.
STATS_POOL = """hostgroup INT, srv_host VARCHAR, srv_port INT, status VARCHAR, ConnUsed INT DEFAULT 0,
    ConnFree INT DEFAULT 0"""

# LOAD/SAVE targets and the tables each one moves.
MODULES = {
    "MYSQL SERVERS": ["mysql_servers", "mysql_galera_hostgroups"],
    "MYSQL USERS": ["mysql_users"],
    "MYSQL QUERY RULES": ["mysql_query_rules"],
    "PROXYSQL SERVERS": ["proxysql_servers"],
    "MYSQL VARIABLES": ["global_variables:mysql-"],
    "ADMIN VARIABLES": ["global_variables:admin-"],
}

# A few of ProxySQL's variables and their defaults; enough for the role's settings.
DEFAULT_VARIABLES = {
    "admin-admin_credentials": "admin:admin", "admin-mysql_ifaces": "0.0.0.0:6032",
    "admin-cluster_username": "", "admin-cluster_password": "",
    "admin-cluster_check_interval_ms": "1000", "admin-cluster_mysql_servers_diffs_before_sync": "3",
    "mysql-monitor_username": "monitor", "mysql-monitor_password": "monitor",
    "mysql-monitor_galera_healthcheck_interval": "5000", "mysql-monitor_galera_healthcheck_timeout": "800",
    "mysql-monitor_galera_healthcheck_max_timeout_count": "3", "mysql-interfaces": "0.0.0.0:6033",
    "mysql-threads": "4",
    "mysql-monitor_ping_interval": "10000", "mysql-monitor_ping_timeout": "1000",
    "mysql-monitor_ping_max_failures": "3", "mysql-monitor_connect_interval": "60000",
    "mysql-monitor_connect_timeout": "600", "admin-cluster_check_status_frequency": "10",
}
for _kind in ("mysql_query_rules", "mysql_users", "proxysql_servers", "mysql_variables", "admin_variables",
              "mysql_servers"):
    DEFAULT_VARIABLES["admin-cluster_%s_diffs_before_sync" % _kind] = "3"
    DEFAULT_VARIABLES["admin-cluster_%s_save_to_disk" % _kind] = "true"
START_ONLY = ("mysql-interfaces", "mysql-threads")


class FakeAdmin:
    def __init__(self, password="admin-secret-Jq83kd0", ignore_load=()):
        self.db = sqlite3.connect(":memory:")
        self.db.row_factory = sqlite3.Row
        for layer in ("", "runtime_", "disk_"):
            for table, columns in SCHEMA.items():
                self.db.execute("CREATE TABLE %s%s (%s)" % (layer, table, columns))
                if table == "global_variables":
                    self.db.executemany("INSERT INTO %s%s VALUES (?, ?)" % (layer, table),
                                        sorted(DEFAULT_VARIABLES.items()))
        self.db.execute("CREATE TABLE stats_mysql_connection_pool (%s)" % STATS_POOL)
        self.password = password
        self.ignore_load = ignore_load
        self.statements = []
        self.rowcount = 0
        self.on_read = []  # callables run before each read of a stats_ or runtime_ table, once each

    # the module's connect() is replaced by this
    def connect(self, params, password):
        if password != self.password:
            raise pymysql.err.OperationalError(1045, "ProxySQL Error: Access denied for user '%s'"
                                               % params["login_user"])
        return FakeConnection(self)

    def writes(self):
        return [s for s in self.statements if re.match(r"^(INSERT|UPDATE|DELETE|LOAD|SAVE)\b", s)]

    def rows(self, table):
        return [dict(row) for row in self.db.execute("SELECT * FROM %s" % table)]

    def set_used(self, hostname, used):
        """Connections in use on a server, as stats_mysql_connection_pool reports them."""
        self.db.execute("DELETE FROM stats_mysql_connection_pool WHERE srv_host = ?", (hostname,))
        for row in self.db.execute("SELECT hostgroup_id, port, status FROM runtime_mysql_servers WHERE hostname = ?",
                                   (hostname,)).fetchall():
            self.db.execute("INSERT INTO stats_mysql_connection_pool VALUES (?, ?, ?, ?, ?, 0)",
                            (row[0], hostname, row[1], row[2], used))

    def set_runtime_status(self, hostname, status):
        """What the Galera monitor does to a healthy node (ProxySQL issue #5169): runtime only."""
        self.db.execute("UPDATE runtime_mysql_servers SET status = ? WHERE hostname = ?", (status, hostname))

    def move_server(self, hostname, hostgroup):
        """What the Galera monitor does: a server changes hostgroup in runtime only."""
        self.db.execute("UPDATE runtime_mysql_servers SET hostgroup_id = ? WHERE hostname = ?", (hostgroup, hostname))

    def execute(self, sql, args):
        self.statements.append(sql)
        back = re.match(r"^(SAVE (.+) FROM RUNTIME|LOAD (.+) FROM DISK)$", sql.strip(), re.IGNORECASE)
        if back:
            self._copy_back((back.group(2) or back.group(3)).upper(), "runtime_" if back.group(2) else "disk_")
            return []
        command = re.match(r"^(LOAD|SAVE) (.+) TO (RUNTIME|DISK)$", sql.strip(), re.IGNORECASE)
        if command:
            self._copy(command.group(2).upper(), "runtime_" if command.group(3).upper() == "RUNTIME" else "disk_")
            return []
        try:
            if re.search(r"\bFROM (stats_|runtime_)", sql) and self.on_read:
                self.on_read.pop(0)(self)
            cursor = self.db.execute(sql.replace("%s", "?"), list(args or []))
            self.rowcount = cursor.rowcount
            return [dict(row) for row in cursor]
        except sqlite3.Error as exc:
            # the admin interface answers SQLite's complaint as a MySQL error
            raise pymysql.err.OperationalError(1045, "ProxySQL Admin Error: %s" % exc)

    def _copy_back(self, module, layer):
        """SAVE ... FROM RUNTIME and LOAD ... FROM DISK: the memory tables take that layer's rows."""
        for table in MODULES[module]:
            self.db.execute("DELETE FROM %s" % table)
            self.db.execute("INSERT INTO %s SELECT * FROM %s%s" % (table, layer, table))

    def _copy(self, module, layer):
        if module not in MODULES:
            raise sqlite3.OperationalError("unknown LOAD/SAVE target %s" % module)
        if layer == "runtime_" and module in self.ignore_load:
            return
        for table in MODULES[module]:
            if table.startswith("global_variables:"):
                prefix = table.split(":")[1]
                for row in self.db.execute("SELECT * FROM global_variables WHERE variable_name LIKE ?",
                                           (prefix + "%",)).fetchall():
                    if layer == "runtime_" and row["variable_name"] in START_ONLY:
                        continue
                    self.db.execute("UPDATE %sglobal_variables SET variable_value = ? WHERE variable_name = ?"
                                    % layer, (row["variable_value"], row["variable_name"]))
                continue
            self.db.execute("DELETE FROM %s%s" % (layer, table))
            if layer == "runtime_" and table == "mysql_users":
                # runtime keeps a user once per side
                for row in self.rows("mysql_users"):
                    sides = [(1, 0), (0, 1)] if row["frontend"] and row["backend"] else [(row["frontend"],
                                                                                         row["backend"])]
                    for frontend, backend in sides:
                        values = dict(row, frontend=frontend, backend=backend)
                        columns = sorted(values)
                        self.db.execute("INSERT INTO runtime_mysql_users (%s) VALUES (%s)"
                                        % (", ".join(columns), ", ".join("?" * len(columns))),
                                        [values[c] for c in columns])
            else:
                self.db.execute("INSERT INTO %s%s SELECT * FROM %s" % (layer, table, table))


class FakeCursor:
    def __init__(self, admin):
        self.admin = admin
        self.result = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, args=None):
        self.result = self.admin.execute(sql, args)
        self.rowcount = self.admin.rowcount

    def fetchall(self):
        return self.result


class FakeConnection:
    def __init__(self, admin):
        self.admin = admin

    def cursor(self):
        return FakeCursor(self.admin)


class Exit(Exception):
    """How a module's exit_json or fail_json ends a test's run of it."""

    def __init__(self, result, failed):
        super().__init__(result.get("msg"))
        self.result, self.failed = result, failed


def module_runner(monkeypatch, module):
    """run(admin, args, check=False, diff=False) -> (result, failed): the module's main()
    against `admin`, its statements recorded from a clean list."""
    def exit_json(self, **result):
        raise Exit(result, False)

    def fail_json(self, **result):
        raise Exit(result, True)

    monkeypatch.setattr(module.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(module.AnsibleModule, "fail_json", fail_json)

    def run(admin, args, check=False, diff=False):
        monkeypatch.setattr(module, "connect", admin.connect)
        admin.statements.clear()
        with patch_module_args(dict(args, _ansible_check_mode=check, _ansible_diff=diff)), \
                pytest.raises(Exit) as raised:
            module.main()
        return raised.value.result, raised.value.failed
    return run
