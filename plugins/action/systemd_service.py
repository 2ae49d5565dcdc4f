# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.systemd_service: ansible.builtin.systemd_service, unless one shell command shows
that it would change nothing (documented in plugins/modules/systemd_service.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.hastack.web.plugins.module_utils import unit_state
from ansible_collections.hastack.web.plugins.plugin_utils.shortcut import BuiltinWithShortcut, probe


class ActionModule(BuiltinWithShortcut):
    BUILTIN = "ansible.legacy.systemd_service"

    def _args(self):
        args = dict(self._task.args)
        for key in ("enabled", "daemon_reload", "daemon_reexec", "no_block", "force", "masked"):
            if args.get(key) is not None:
                args[key] = boolean(args[key], strict=False)
        return args

    def shortcut(self, task_vars):
        args = self._args()
        asked = unit_state.askable(args)
        if asked is None:
            return None
        kind, name = asked
        if kind == "reload":
            # What the builtin does for a bare daemon_reload, without its Python: nothing in check mode.
            if not self._task.check_mode and probe(self, "systemctl daemon-reload") is None:
                return None  # the builtin runs it again and reports the failure its way
            return dict(changed=False, name=None, status={})
        command = unit_state.probe_command(name, self._connection._shell.quote)
        if args.get("daemon_reload") and not self._task.check_mode:
            # The builtin reloads first and then looks; so does this, in the same command.
            command = "systemctl daemon-reload && " + command
        found = unit_state.parse_probe(probe(self, command))
        if not unit_state.in_state(args, found):
            return None
        return unit_state.unchanged_result(name, args, found)
