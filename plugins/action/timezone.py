# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.timezone: community.general.timezone, unless timedatectl says the host runs in the
zone already (documented in plugins/modules/timezone.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils import system_state
from ansible_collections.hastack.web.plugins.plugin_utils.shortcut import BuiltinWithShortcut, probe


class ActionModule(BuiltinWithShortcut):
    BUILTIN = "community.general.timezone"

    def shortcut(self, task_vars):
        name = system_state.timezone_askable(self._task.args)
        if name is None:
            return None
        stdout = probe(self, system_state.timezone_probe_command(name, self._connection._shell.quote))
        if not system_state.timezone_in_state(name, stdout):
            return None
        return dict(changed=False)
