# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of hastack.web.validate_role_vars (documented in plugins/modules/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleError, AnsibleUndefinedVariable
from ansible.module_utils.common.text.converters import to_text
from ansible.parsing.utils.yaml import from_yaml
from ansible.plugins.action import ActionBase

from ansible_collections.hastack.web.plugins.module_utils import role_vars

IGNORE_VAR = "hastack_preflight_ignore_variables"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("entry_point", "ignore"))

    def _role(self):
        role = self._task._role
        if role is None:
            raise AnsibleError("hastack.web.validate_role_vars checks the variables of the role it runs in: "
                               "call it from a role's tasks (import_role with tasks_from works)")
        return role

    def _options(self, role, entry_point):
        path = os.path.join(role._role_path, "meta", "argument_specs.yml")
        with open(path, "rb") as spec_file:
            specs = (from_yaml(spec_file.read(), file_name=path) or {}).get("argument_specs") or {}
        if entry_point not in specs:
            raise AnsibleError("%s has no entry point %r" % (path, entry_point))
        return specs[entry_point].get("options") or {}

    def _values(self, options, task_vars):
        """Each known variable as the role would see it, templated one by one, so that one
        variable that cannot be worked out is named instead of failing the whole check."""
        values, undefined = {}, {}
        for name in options:
            if name not in task_vars:
                continue
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleUndefinedVariable as exc:
                undefined[name] = to_text(getattr(exc, "message", None) or exc).splitlines()[0]
        return values, undefined

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        validation = self.validate_argument_spec(argument_spec=dict(
            entry_point=dict(type="str", default="main"),
            ignore=dict(type="list", elements="str", default=[]),
        ))[1]
        role = self._role()
        name = role.get_name().split(".")[-1]
        host = task_vars.get("inventory_hostname", "this host")
        options = self._options(role, validation["entry_point"])

        values, undefined = self._values(options, task_vars)
        problems = role_vars.spec_problems(options, values, undefined)

        ignore = list(validation["ignore"]) + list(self._templar.template(task_vars.get(IGNORE_VAR)) or [])
        inventory = task_vars.get("hostvars", {}).get(host, {})
        unknown = role_vars.unknown_variables(name + "_", options, list(inventory.keys()), ignore)
        warnings = role_vars.unknown_variable_warnings(name, host, unknown)

        result.update(changed=False, unknown=[item[0] for item in unknown])
        for warning in warnings:
            self._display.warning(warning)
        if problems:
            result.update(failed=True, msg="%s: hastack.web.%s cannot use the inventory's values:\n%s"
                          % (host, name, "\n".join("- " + problem for problem in problems)))
        else:
            result.update(checked=sorted(values), msg="%d variables of hastack.web.%s checked" % (len(values), name))
        return result
