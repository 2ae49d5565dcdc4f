# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the packages an apt task asks for are installed already.

The builtin apt module opens apt's whole package cache (about 1.7 CPU-seconds on a lab node)
to find out that nothing is to be done, and does so for every install task of every converge.
For ``state: present`` and plain package names, dpkg's own database answers in one command.
When that cannot be shown (a version, an architecture, a wildcard, a virtual package, any
option that acts even when everything is installed) the builtin runs as ever.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Debian policy: lower case letters, digits, + - and ., starting with a letter or digit.
_NAME = re.compile(r"^[a-z0-9][a-z0-9+.\-]+$")

# Options that change nothing once every package is installed. update_cache and
# cache_valid_time are among them: the builtin would refresh the lists, which installs nothing.
_IRRELEVANT_WHEN_INSTALLED = frozenset((
    "name", "pkg", "package", "state", "update_cache", "cache_valid_time", "install_recommends",
    "lock_timeout", "dpkg_options", "policy_rc_d", "force_apt_get", "update_cache_retries",
    "update_cache_retry_max_delay", "allow_unauthenticated", "allow_change_held_packages",
    "allow_downgrade", "force",
))


def _names(value):
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return None
    names = [str(item).strip() for item in value]
    return names if names and all(_NAME.match(name) for name in names) else None


def askable(args):
    """The package names to ask dpkg about, or None when the builtin must decide."""
    asked = dict((key, value) for key, value in args.items() if value is not None)
    if set(asked) - _IRRELEVANT_WHEN_INSTALLED:
        return None
    if asked.get("state", "present") != "present":
        return None
    names = [asked[key] for key in ("name", "pkg", "package") if key in asked]
    return _names(names[0]) if len(names) == 1 else None


def probe_command(names, quote):
    """dpkg-query's status of each package, one line each: "<status> <name>"."""
    return "dpkg-query -W -f='${db:Status-Abbrev} ${Package}\\n' -- %s" % " ".join(quote(name) for name in names)


def all_installed(names, stdout):
    """True only when every name is listed, and every line listed for it says installed.

    Each line is dpkg's three status letters (wanted, status, error flag; "ii " is installed,
    "hi " installed and held), a space and the name; a package of two architectures has a
    line for each."""
    seen = {}
    for line in (stdout or "").splitlines():
        status, name = line[:3], line[4:]
        if len(line) < 5 or line[3] != " " or not _NAME.match(name):
            return False
        seen.setdefault(name, []).append(status[0] in "ih" and status[1:] == "i ")
    return all(name in seen and all(seen[name]) for name in names)
