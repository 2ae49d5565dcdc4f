# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared part of the collection's builtin-with-a-shortcut actions (apt, systemd_service,
hostname, sysctl, timezone).

Each is the builtin module, run as ever, except when one POSIX shell command on the host shows
that the module would change nothing: then that is the result, and no module runs. A module run
costs a Python start that imports module_utils.basic; on a lab node about 0.4 to 1.7 CPU-seconds
for these modules, against about 0.07 for a shell command.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash


def probe(action, command):
    """Run ``command`` through the task's connection and become settings; its standard output,
    or None when it failed or the host's shell is not a POSIX one."""
    if getattr(action._connection._shell, "SHELL_FAMILY", None) != "sh":
        return None
    result = action._low_level_execute_command(command, sudoable=True)
    return result.get("stdout") if result.get("rc") == 0 else None


class BuiltinWithShortcut(ActionBase):
    """Subclasses name the builtin module and answer shortcut(task_vars): the builtin's
    unchanged result, or None to run the builtin."""

    BUILTIN = None
    TRANSFERS_FILES = False

    def shortcut(self, task_vars):
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(BuiltinWithShortcut, self).run(tmp, task_vars)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        found = None if wrap_async else self.shortcut(task_vars)
        if found is not None:
            result.update(found)
            return result
        result = merge_hash(result, self._execute_module(module_name=self.BUILTIN, module_args=self._task.args,
                                                         task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
