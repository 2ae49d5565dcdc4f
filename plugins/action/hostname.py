# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.hostname: ansible.builtin.hostname, unless the running name and /etc/hostname are
the name already (documented in plugins/modules/hostname.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hastack.web.plugins.module_utils import system_state
from ansible_collections.hastack.web.plugins.plugin_utils.shortcut import BuiltinWithShortcut, probe


class ActionModule(BuiltinWithShortcut):
    BUILTIN = "ansible.legacy.hostname"

    def shortcut(self, task_vars):
        name = system_state.hostname_askable(self._task.args, task_vars.get("ansible_facts"))
        if name is None or not system_state.hostname_in_state(name, probe(self, system_state.HOSTNAME_PROBE)):
            return None
        return dict(changed=False, name=name)
