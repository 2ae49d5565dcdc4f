#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: copy
short_description: ansible.builtin.copy, with an unchanged file found in one command
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - Puts a file from the controller, or given O(content), on the host exactly as
    M(ansible.builtin.copy) does - the options and the result are the builtin's.
  - For each file, it first asks one POSIX shell command (C(stat) and C(sha1sum)) whether the host's
    file is a regular file with that content and the O(owner), O(group) and O(mode) asked. If so it is
    reported unchanged without a module run; the builtin needs four round trips for that, two of
    them Python module runs. In every other case the builtin's own steps run, as described for
    M(hastack.web.template).
options:
  src:
    description: A file (or directory) on the controller, found as M(ansible.builtin.copy) finds it.
    type: path
  content:
    description: The file's content, instead of O(src).
    type: str
notes:
  - Every other option of M(ansible.builtin.copy) is accepted and passed on unchanged. With
    C(remote_src=true) it is the builtin.
extends_documentation_fragment:
  - hastack.web.file_shortcut
seealso:
  - module: ansible.builtin.copy
  - module: hastack.web.template
"""

EXAMPLES = r"""
- name: Install the health check's script
  hastack.web.copy:
    src: hastack-health
    dest: /usr/local/sbin/hastack-health
    mode: "0755"
"""

RETURN = r"""
changed:
  description: Whether the file was written or its owner, group or mode changed.
  returned: always
  type: bool
dest:
  description: The file on the host.
  returned: success
  type: str
checksum:
  description: SHA1 of the file's content.
  returned: success
  type: str
"""
