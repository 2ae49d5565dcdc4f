# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ProxySQL's admin interface for the modules: log in (with the previous password when the
credentials are being changed) and read or write its tables through one connection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.hastack.web.plugins.module_utils import proxysql

try:
    import pymysql
    import pymysql.cursors
except ImportError:
    PYMYSQL_ERROR = traceback.format_exc()
    pymysql = None
else:
    PYMYSQL_ERROR = None

LOGIN_OPTIONS = dict(
    login_host=dict(type="str", default="127.0.0.1"),
    login_port=dict(type="int", default=6032),
    login_user=dict(type="str", required=True),
    login_password=dict(type="str", required=True, no_log=True),
    login_password_previous=dict(type="str", no_log=True),
    connect_timeout=dict(type="int", default=10),
)


def connect(params, password):
    return pymysql.connect(host=params["login_host"], port=params["login_port"], user=params["login_user"],
                           password=password, connect_timeout=params["connect_timeout"],
                           cursorclass=pymysql.cursors.DictCursor, autocommit=True)


def login(module, connector=None):
    """A connection to the admin interface, or the task fails saying where and as whom.
    connector: connect() or a stand-in with its signature (the unit tests' fake)."""
    connector = connector or connect
    params = module.params
    try:
        return connector(params, params["login_password"])
    except pymysql.err.OperationalError as exc:
        refused = exc.args and exc.args[0] == 1045
        if not (refused and params["login_password_previous"]):
            module.fail_json(msg="cannot log in to ProxySQL's admin interface at %s:%s as %s: %s"
                             % (params["login_host"], params["login_port"], params["login_user"], exc))
    try:
        return connector(params, params["login_password_previous"])
    except pymysql.err.OperationalError as exc:
        module.fail_json(msg="ProxySQL's admin interface refused both login_password and login_password_previous "
                         "for %s: %s" % (params["login_user"], exc))


class Admin(object):
    """The admin tables, read and written through one connection."""

    def __init__(self, connection):
        self.connection = connection

    def rows(self, table, where="", args=None):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT * FROM %s%s" % (table, (" WHERE " + where) if where else ""), args)
            return [dict((key, proxysql.text(value)) for key, value in row.items()) for row in cursor.fetchall()]

    def variables(self, table="global_variables"):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT variable_name, variable_value FROM %s" % table)
            return dict((row["variable_name"], proxysql.text(row["variable_value"])) for row in cursor.fetchall())

    def replace(self, table, rows):
        with self.connection.cursor() as cursor:
            cursor.execute("DELETE FROM %s" % table)
            for row in rows:
                columns = sorted(row)
                statement = "INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(columns),
                                                                 ", ".join(["%s"] * len(columns)))
                cursor.execute(statement, [row[column] for column in columns])

    def set_variables(self, values):
        with self.connection.cursor() as cursor:
            for name, value in sorted(values.items()):
                cursor.execute("UPDATE global_variables SET variable_value = %s WHERE variable_name = %s",
                               [value, name])

    def run(self, command, args=None):
        with self.connection.cursor() as cursor:
            cursor.execute(command, args)
            return cursor.rowcount
