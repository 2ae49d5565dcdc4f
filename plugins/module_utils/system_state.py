# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a kernel setting, the host name or the time zone is already as a task asks.

ansible.posix.sysctl, ansible.builtin.hostname and community.general.timezone each start
Python on the host (0.5 to 1 CPU-second on a lab node) to find, on every converge after the
first, that nothing is to be done. One shell command answers the same questions from the
same sources the modules read: the sysctl file and ``sysctl -e -n``; ``hostname`` and
/etc/hostname; ``timedatectl``. Each decision mirrors the module's own; whatever it cannot
show (another state, an option it does not know, an unusual name or value) is left to the
module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE, boolean

# ---------------------------------------------------------------- sysctl

_SYSCTL_OPTIONS = frozenset(("name", "key", "value", "val", "state", "reload", "sysctl_set", "ignoreerrors",
                             "sysctl_file"))
_SYSCTL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")
SYSCTL_MARK = "--hastack-sysctl-file--"


def _one(asked, keys):
    found = [asked[key] for key in keys if key in asked]
    return found[0] if len(found) == 1 else None


def sysctl_value(value):
    """The value as the module compares it (its _parse_value after Ansible's str conversion),
    or None for a type the module would convert in a way not mirrored here."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    if value.lower() in BOOLEANS_TRUE:
        return "1"
    if value.lower() in BOOLEANS_FALSE:
        return "0"
    return value.strip() or None


def sysctl_askable(args):
    """{name, value, file, live} to compare, or None when the module must decide. ``live``:
    whether the running kernel's value matters (the module's reload or sysctl_set)."""
    asked = dict((key, value) for key, value in args.items() if value is not None)
    if set(asked) - _SYSCTL_OPTIONS or asked.get("state", "present") != "present":
        return None
    name, value = _one(asked, ("name", "key")), _one(asked, ("value", "val"))
    if not isinstance(name, str) or not _SYSCTL_NAME.match(name.strip()):
        return None
    value = sysctl_value(value)
    try:
        live = boolean(asked.get("reload", True)) or boolean(asked.get("sysctl_set", False))
    except TypeError:
        return None
    path = asked.get("sysctl_file", "/etc/sysctl.conf")
    if value is None or not isinstance(path, str) or not path.startswith("/"):
        return None
    return dict(name=name.strip(), value=value, file=path, live=live)


def sysctl_probe_command(asked, quote):
    """The running value, a marker line, then the file (the command fails when it cannot be read)."""
    return "LC_ALL=C sysctl -e -n %s; echo %s; cat -- %s" % (quote(asked["name"]), SYSCTL_MARK, quote(asked["file"]))


def sysctl_file_values(text):
    """{key: value} as the module reads a sysctl file: the last line for a key wins."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def sysctl_in_state(asked, stdout):
    """True only when the file holds the value, and the kernel runs with it when that matters."""
    if stdout is None:
        return False
    lines = stdout.split("\n")
    if SYSCTL_MARK not in lines:
        return False
    mark = lines.index(SYSCTL_MARK)
    running, text = "\n".join(lines[:mark]), "\n".join(lines[mark + 1:])
    if sysctl_file_values(text).get(asked["name"]) != asked["value"]:
        return False
    return not asked["live"] or running.split() == asked["value"].split()


# ---------------------------------------------------------------- hostname

_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
# Where the module keeps the name in /etc/hostname (FileStrategy, SystemdStrategy): Debian and
# Ubuntu without `use`, or the strategies named.
_HOSTNAME_DISTRIBUTIONS = frozenset(("Debian", "Ubuntu"))
_HOSTNAME_STRATEGIES = frozenset(("debian", "systemd"))
HOSTNAME_PROBE = "hostname && cat /etc/hostname"


def hostname_askable(args, facts):
    """The name to compare, or None when the module must decide (another strategy, facts not
    gathered, an option not known here)."""
    asked = dict((key, value) for key, value in args.items() if value is not None)
    if set(asked) - set(("name", "use")):
        return None
    use = asked.get("use")
    if use is None and (facts or {}).get("distribution") not in _HOSTNAME_DISTRIBUTIONS:
        return None
    if use is not None and use not in _HOSTNAME_STRATEGIES:
        return None
    name = asked.get("name")
    return name if isinstance(name, str) and _HOSTNAME.match(name) else None


def hostname_in_state(name, stdout):
    """True only when the running name and the whole of /etc/hostname are the name."""
    if stdout is None or "\n" not in stdout:
        return False
    running, saved = stdout.split("\n", 1)
    return running.strip() == name and saved.strip() == name


# ---------------------------------------------------------------- time zone

_ZONE = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")


def timezone_askable(args):
    """The zone to compare, or None (hwclock, or a name not a plain zone path)."""
    asked = dict((key, value) for key, value in args.items() if value is not None)
    name = asked.get("name")
    if set(asked) != set(("name",)) or not isinstance(name, str) or not _ZONE.match(name):
        return None
    return name


def timezone_probe_command(name, quote):
    """The zone systemd runs with, as the module's timedatectl reads it, and the zone file the
    module checks for. It fails where timedatectl cannot answer: the module then decides."""
    return "timedatectl show -p Timezone --value && test -f %s" % quote("/usr/share/zoneinfo/" + name)


def timezone_in_state(name, stdout):
    return stdout is not None and stdout.strip() == name
