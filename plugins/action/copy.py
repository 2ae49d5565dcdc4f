# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hastack.web.copy: ansible.builtin.copy that asks first, in one shell command, whether the file
is already as asked (documented in plugins/modules/copy.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFileNotFound
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action.copy import ActionModule as BuiltinCopy
from ansible.utils.hashing import checksum

from ansible_collections.hastack.web.plugins.module_utils import file_state


class ActionModule(BuiltinCopy):

    def _early_needs_tmp_path(self):
        # The remote temporary directory is made only when a file has to be sent (_copy_file).
        return False

    def _copy_file(self, source_full, source_rel, content, content_tempfile, dest, task_vars, follow):
        found = self._already_there(source_full, source_rel, dest)
        if found is not None:
            self._remove_tempfile_if_content_defined(content, content_tempfile)
            return found
        if self._connection._shell.tmpdir is None:
            self._make_tmp_path()
        return super(ActionModule, self)._copy_file(source_full, source_rel, content, content_tempfile,
                                                    dest, task_vars, follow)

    def _already_there(self, source_full, source_rel, dest):
        """The file module's unchanged result when the host's file is already as asked, else None
        (then the builtin compares and writes as it always does)."""
        shell = self._connection._shell
        if getattr(shell, "SHELL_FAMILY", None) != "sh" or boolean(self._task.args.get("raw", False), strict=False):
            return None
        path = shell.join_path(dest, source_rel) if shell.path_has_trailing_slash(dest) else dest
        try:
            real = self._loader.get_real_file(source_full, decrypt=boolean(self._task.args.get("decrypt", True), strict=False))
        except AnsibleFileNotFound:
            return None  # the builtin reports it
        try:
            local_checksum = checksum(real)
        finally:
            self._loader.cleanup_tmp_file(real)
        probe = self._low_level_execute_command(file_state.probe_command(path, shell.quote), sudoable=True)
        found = file_state.parse_probe(probe.get("stdout")) if probe.get("rc") == 0 else None
        if not file_state.in_sync(self._task.args, local_checksum, found):
            return None
        return file_state.unchanged_result(path, found)
