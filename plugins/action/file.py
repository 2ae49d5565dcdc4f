# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.file: ansible.builtin.file, unless one shell command shows the directory, link or
absent path already as asked (documented in plugins/modules/file.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils import file_state
from ansible_collections.hastack.web.plugins.plugin_utils.shortcut import BuiltinWithShortcut, probe


class ActionModule(BuiltinWithShortcut):
    BUILTIN = "ansible.legacy.file"

    def shortcut(self, task_vars):
        args = dict(self._task.args)
        for alias in ("dest", "name"):
            if alias in args and "path" not in args:
                args["path"] = args.pop(alias)
        asked = file_state.file_askable(args)
        if asked is None:
            return None
        state, path = asked
        stdout = probe(self, file_state.file_probe_command(state, path, self._connection._shell.quote))
        return file_state.file_in_state(args, state, stdout) if stdout is not None else None
