# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.sysctl: ansible.posix.sysctl, unless the file and the running kernel already hold
the value (documented in plugins/modules/sysctl.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils import system_state
from ansible_collections.hastack.web.plugins.plugin_utils.shortcut import BuiltinWithShortcut, probe


class ActionModule(BuiltinWithShortcut):
    BUILTIN = "ansible.posix.sysctl"

    def shortcut(self, task_vars):
        asked = system_state.sysctl_askable(self._task.args)
        if asked is None:
            return None
        stdout = probe(self, system_state.sysctl_probe_command(asked, self._connection._shell.quote))
        if not system_state.sysctl_in_state(asked, stdout):
            return None
        return dict(changed=False)
