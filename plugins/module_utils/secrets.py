# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refuse secrets that would work for an attacker too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Defaults and habits that scanners try first.
KNOWN_WEAK = frozenset(["admin", "password", "changeme", "secret", "root", "haproxy", "proxysql",
                        "mariadb", "mysql", "123456", "12345678", "letmein", "default"])
MIN_LENGTH = 12


def secret_problems(variable, value, user=None):
    """Messages naming `variable` when `value` is missing or weak; empty when it is fine."""
    if value is None or str(value) == "":
        return ["%s is not set: put a strong secret in the inventory or a vault "
                "(e.g. openssl rand -base64 24)" % variable]
    text = str(value)
    problems = []
    if text.lower() in KNOWN_WEAK or (user is not None and text == str(user)):
        problems.append("%s is a well-known or guessable value: choose a random one" % variable)
    elif len(text) < MIN_LENGTH:
        problems.append("%s is %d characters long: use at least %d" % (variable, len(text), MIN_LENGTH))
    return problems


NATIVE_HASH = re.compile(r"^\*[0-9A-Fa-f]{40}$")


def user_credential_problems(user, label):
    """A database user (galera_users, proxysql_mysql_users) needs a name and exactly one of
    password / password_hash, the hash in mysql_native_password form. `label` names the
    entry in the messages, e.g. galera_users[0] (app)."""
    problems = []
    if not user.get("name"):
        problems.append("%s has no name" % label)
    has_password, has_hash = bool(user.get("password")), bool(user.get("password_hash"))
    if has_password == has_hash:
        problems.append("%s needs exactly one of password or password_hash (from a vault)" % label)
    elif has_hash and not NATIVE_HASH.match(str(user["password_hash"])):
        problems.append("%s: password_hash must be a mysql_native_password hash, '*' and 40 hex digits "
                        "(SELECT PASSWORD('...'))" % label)
    return problems
