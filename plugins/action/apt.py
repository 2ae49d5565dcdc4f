# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.apt: ansible.builtin.apt, unless dpkg shows every package installed already
(documented in plugins/modules/apt.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils import package_state
from ansible_collections.hastack.web.plugins.plugin_utils.shortcut import BuiltinWithShortcut, probe


class ActionModule(BuiltinWithShortcut):
    BUILTIN = "ansible.legacy.apt"

    def shortcut(self, task_vars):
        names = package_state.askable(self._task.args)
        if not names:
            return None
        stdout = probe(self, package_state.probe_command(names, self._connection._shell.quote))
        if stdout is None or not package_state.all_installed(names, stdout):
            return None
        return dict(changed=False, cache_updated=False)
