# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.template: ansible.builtin.template whose copy step is hastack.web.copy
(documented in plugins/modules/template.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action.template import ActionModule as BuiltinTemplate


class _ActionLoader(object):
    """The action loader, except that the copy the builtin template hands its rendered file to is ours."""

    def __init__(self, loader):
        self._loader = loader

    def get(self, name, *args, **kwargs):
        if name == "ansible.legacy.copy":
            name = "hastack.web.copy"
        return self._loader.get(name, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _Loaders(object):
    """The shared plugin loaders, with the action loader above."""

    def __init__(self, loaders):
        self._loaders = loaders
        self.action_loader = _ActionLoader(loaders.action_loader)

    def __getattr__(self, name):
        return getattr(self._loaders, name)


class ActionModule(BuiltinTemplate):
    """The builtin renders the template exactly as ever; only the comparison is cheaper."""

    def _early_needs_tmp_path(self):
        # The copy step makes the remote temporary directory when it has a file to send.
        return False

    def run(self, tmp=None, task_vars=None):
        loaders = self._shared_loader_obj
        self._shared_loader_obj = _Loaders(loaders)
        try:
            return super(ActionModule, self).run(tmp, task_vars)
        finally:
            self._shared_loader_obj = loaders
