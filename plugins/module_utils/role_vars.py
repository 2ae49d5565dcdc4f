# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions about a role's variables as the inventory gives them: the values checked
against the role's argument spec with messages a sysadmin can act on, YAML 1.1 booleans in
choice options, and variables with the role's prefix that the role does not know.

The validate_role_vars action plugin gathers the values and calls these; the unit tests
call them with plain data, table by table.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import fnmatch
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

# The words YAML 1.1 (and so Ansible's YAML loader) reads as a boolean when unquoted.
YAML_BOOLEAN_WORDS = ("yes", "no", "on", "off", "true", "false", "y", "n")


def boolean_choice(value, choices):
    """The choice a YAML boolean stands for, when exactly one choice is a word for it.

    `keepalived_preempt: off` unquoted arrives as False; among the choices on, delay and
    off, False can only mean 'off'. Any other value is returned unchanged."""
    if not isinstance(value, bool):
        return value
    words = BOOLEANS_TRUE if value else BOOLEANS_FALSE
    matches = [choice for choice in choices or [] if isinstance(choice, str) and choice in words]
    return matches[0] if len(matches) == 1 else value


def _boolean_problem(name, value, choices):
    """A boolean given for a choice option where no choice means it: YAML read a word such
    as yes or no, and Python's True == 1 would otherwise let it through as 1."""
    if not choices or not isinstance(value, bool) or boolean_choice(value, choices) is not value:
        return None
    return ("%s is the boolean %s (YAML reads an unquoted yes/no/on/off/true/false as one), but it must be one "
            "of: %s. Write one of these values instead" % (name, str(value).lower(), ", ".join(map(str, choices))))


def plain(value):
    """The value with plain Python types (Ansible 2.19 hands over tagged subclasses of str,
    dict and list, whose class names would otherwise show up in messages)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


_SHAPES = {"list": ((list, tuple), "a YAML list ([a, b], or one item per line under it)"),
           "dict": ((dict,), "a YAML mapping (key: value lines under it)")}


def _type_problem(name, value, kind):
    """A top-level value of the wrong shape, said plainly. Ansible's own check would turn a
    string into a list (split at commas) or a dict (key=value) for its validation only: the
    role would still get the string, and iterate over its characters."""
    shown = "a secret" if "password" in name else repr(value)
    if kind in _SHAPES and value is not None and not isinstance(value, _SHAPES[kind][0]):
        return "%s must be %s, not %s" % (name, _SHAPES[kind][1], shown)
    if kind in ("int", "float") and not isinstance(value, bool) and value is not None:
        try:
            (int if kind == "int" else float)(value)
        except (TypeError, ValueError):
            return "%s must be %s, not %s" % (name, "a whole number" if kind == "int" else "a number", shown)
    return None


def _variable_of(message, names):
    """The top-level variable an argument-spec error message is about (the longest name in it)."""
    found = [name for name in names if name in message]
    return max(found, key=len) if found else None


def spec_problems(options, values, undefined=None):
    """Check `values` (variable -> value, as the role would see them) against the role's
    argument spec `options`. `undefined` maps a variable whose value could not be worked
    out to the reason. Returns messages, each naming the variable, the value and the fix."""
    problems = []
    for name, reason in sorted((undefined or {}).items()):
        problems.append("%s cannot be worked out: %s. Set what it needs in the inventory, or set %s itself"
                        % (name, reason, name))
    checked = dict((name, plain(value)) for name, value in values.items() if name in options)
    named = set()
    for name, value in sorted(checked.items()):
        problem = (_boolean_problem(name, value, options[name].get("choices"))
                   or _type_problem(name, value, options[name].get("type", "str")))
        if problem:
            problems.append(problem)
            named.add(name)
    # The values already hold the role's defaults (from defaults/main.yml, templated); the
    # spec's copies of them are documentation, and may be templates themselves.
    spec = dict((name, dict((key, value) for key, value in option.items() if key != "default"))
                for name, option in options.items())
    # The variables explained above are left out of Ansible's check, which would only say
    # the same again, less plainly.
    rest = dict((name, value) for name, value in checked.items() if name not in named)
    spec = dict((name, option) for name, option in spec.items() if name not in named)
    result = ArgumentSpecValidator(spec).validate(rest, validate_role_argument_spec=True)
    for message in result.error_messages:
        problems.extend(_explained(message, _variable_of(message, options)))
    return problems


def _explained(message, name):
    """Ansible's validation message, with what to do about it."""
    required = _REQUIRED.match(message)
    if required and required.group(2):
        return ["every entry of %s needs %s" % (required.group(2), " and ".join(required.group(1).split(", ")))]
    if required:
        return ["%s is required and has no default: set it in the inventory%s" % (
            missing, " (a secret: from a vault)" if "password" in missing else "")
            for missing in required.group(1).split(", ")]
    unsupported = _UNSUPPORTED.match(message)
    if unsupported:
        return ["%s has an entry with the key %s, which it does not take (it takes: %s)" % unsupported.groups()]
    message = re.sub(r"<class '(?:[\w.]+\.)?_?(?:AnsibleTagged)?(\w+)'>", r"\1", message)
    return ["%s%s" % (message, (": see the role's README for what %s takes" % name) if name else "")]


_REQUIRED = re.compile(r"^missing required arguments: ([\w, ]+?)(?: found in ([\w -> ]+))?$")
_UNSUPPORTED = re.compile(r"^(\w+)\.(\w+)\. Supported parameters include: (.*)\.$")


def unknown_variables(prefix, known, names, ignore=()):
    """Variables in `names` that start with the role's `prefix` but are not in `known`: most
    likely misspelt, and silently ignored by the role. Returns [(name, closest known or None)].
    `ignore` holds names or shell patterns (fnmatch) not to report."""
    known = set(known)
    found = []
    for name in sorted(set(names)):
        if not name.startswith(prefix) or name in known:
            continue
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in ignore or ()):
            continue
        # Compared without the prefix they all share, which would make every name look close.
        tails = dict((known_name[len(prefix):], known_name) for known_name in known if known_name.startswith(prefix))
        close = difflib.get_close_matches(name[len(prefix):], sorted(tails), n=1, cutoff=0.6)
        found.append((name, tails[close[0]] if close else None))
    return found


def unknown_variable_warnings(role, host, unknown):
    """One warning per unknown variable, naming the closest real one and how to silence it."""
    warnings = []
    for name, close in unknown:
        hint = ("did you mean %s?" % close) if close else "the role has no variable of that name."
        warnings.append("%s: %s is set in the inventory, but hastack.web.%s has no such variable and ignores it: %s "
                        "If it is meant for something else, add it to hastack_preflight_ignore_variables."
                        % (host, name, role, hint))
    return warnings
