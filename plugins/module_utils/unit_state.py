# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a systemd_service task would change anything, from one shell command's output.

The builtin systemd_service module reads every property of the unit (``systemctl show``) and
its enablement in a Python module run, about 0.7 CPU-seconds on a lab node, to find a started
and enabled service started and enabled. The same decision, made the way the builtin makes it,
needs two properties and ``systemctl is-enabled``. Anything else the task asks (a restart, a
reload, masking, another scope, a unit that is not loaded) runs the builtin.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_UNIT = re.compile(r"^[A-Za-z0-9:_.@\\-]+$")
_RUNNING = ("active", "activating")
# is-enabled answers rc 0 for these, yet the builtin enables them (it cannot tell what they need).
_ENABLE_ANYWAY = ("enabled-runtime", "indirect", "alias")
_IRRELEVANT = frozenset(("name", "unit", "state", "enabled", "masked", "no_block", "scope", "daemon_reload",
                         "daemon_reexec", "force"))


def askable(args):
    """("reload", None) for a task that only reloads systemd's units; ("unit", name) for one that
    keeps a unit started or stopped, enabled or not, masked or not (after a reload, if asked);
    None when the builtin must run."""
    asked = dict((key, value) for key, value in args.items() if value is not None)
    for flag in ("daemon_reload", "daemon_reexec", "no_block", "force"):
        if asked.get(flag) is False:
            del asked[flag]
    if set(asked) - _IRRELEVANT or asked.get("scope", "system") != "system":
        return None
    if "daemon_reexec" in asked or "force" in asked:
        return None
    name = asked.get("name", asked.get("unit"))
    if name is None:
        if set(asked) - set(("daemon_reload", "scope", "no_block")) or "daemon_reload" not in asked:
            return None
        return ("reload", None)
    if asked.get("state", "started") not in ("started", "stopped") or not _UNIT.match(str(name)):
        return None
    if "masked" in asked and ("enabled" in asked or asked.get("state") == "started"):
        return None
    return ("unit", str(name))


def probe_command(name, quote):
    """LoadState and ActiveState; whether an init script of the same name exists (the builtin
    consults it for a disabled unit); then the exit code of ``systemctl is-enabled -l`` and,
    last because it can take several lines, what it printed."""
    unit = quote(name)
    script = quote("/etc/init.d/" + re.sub(r"\.service$", "", name))
    return ("systemctl show --property=LoadState --property=ActiveState -- %s"
            " && { if [ -e %s ]; then echo SysV=yes; else echo SysV=no; fi;"
            " e=$(systemctl is-enabled -l -- %s 2>/dev/null); r=$?;"
            " printf 'IsEnabledRc=%%s\nIsEnabled=%%s\n' \"$r\" \"$e\"; }" % (unit, script, unit))


def parse_probe(stdout):
    """The probe's fields, or None when its output is not what the probe prints."""
    fields = {}
    lines = (stdout or "").splitlines()
    for index, line in enumerate(lines):
        key, sep, value = line.partition("=")
        if not sep or key in fields:
            return None
        if key == "IsEnabled":
            fields[key] = "\n".join([value] + lines[index + 1:])
            break
        fields[key] = value
    if set(fields) != set(("LoadState", "ActiveState", "IsEnabled", "IsEnabledRc", "SysV")):
        return None
    if not fields["IsEnabledRc"].isdigit():
        return None
    return fields


def _enabled_as_builtin_sees_it(found):
    """True or False as the builtin would compute it, None when it would need more than this."""
    rc, printed = int(found["IsEnabledRc"]), found["IsEnabled"]
    if rc == 0:
        return printed.rstrip() not in _ENABLE_ANYWAY
    if rc == 1:
        if found["SysV"] == "yes" and not printed.strip().endswith("disabled"):
            return None  # the builtin asks the init script's links
        return False
    return None


def in_state(args, found):
    """True only when the builtin, given ``args``, would change nothing on this unit."""
    if not found:
        return False
    masked = args.get("masked")
    if masked is not None and (found["IsEnabled"].strip() == "masked") is not bool(masked):
        return False
    # A masked unit is found by the builtin, and can be kept stopped or masked; anything else
    # needs a loaded unit.
    if found["LoadState"] != "loaded" and not (found["LoadState"] == "masked" and args.get("enabled") is None
                                               and args.get("state") in (None, "stopped")):
        return False
    state = args.get("state")
    running = found["ActiveState"] in _RUNNING
    if state == "started" and not running:
        return False
    if state == "stopped" and (running or found["ActiveState"] == "deactivating"):
        return False
    enabled = args.get("enabled")
    if enabled is not None and _enabled_as_builtin_sees_it(found) is not bool(enabled):
        return False
    return True


def unchanged_result(name, args, found):
    """The parts of the builtin's result a playbook reads: changed, name, state, enabled and the
    two properties read (the builtin returns every property)."""
    result = dict(changed=False, name=name,
                  status=dict(LoadState=found["LoadState"], ActiveState=found["ActiveState"]))
    if args.get("state") is not None:
        result["state"] = args["state"]
    if args.get("enabled") is not None:
        result["enabled"] = bool(args["enabled"])
    if args.get("masked") is not None:
        result["masked"] = bool(args["masked"])
    return result
