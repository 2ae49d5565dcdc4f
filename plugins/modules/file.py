#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: file
short_description: ansible.builtin.file, answered by stat when the path is already as asked
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - M(ansible.builtin.file), except when one shell command (C(stat), C(readlink)) shows that it
    would change nothing - then no module runs. That covers a directory with the O(owner),
    O(group) and octal O(mode) asked, a link to the O(src) asked (with no owner, group or mode),
    and a path that is absent.
  - Anything else - another state, C(recurse), times, SELinux or attribute options, a symbolic
    mode, a path that is not what is asked - runs the builtin.
options:
  path:
    description: As for M(ansible.builtin.file).
    type: path
    required: true
    aliases: [dest, name]
  state:
    description: As for M(ansible.builtin.file); C(directory), C(link) and C(absent) can take the shortcut.
    type: str
  src:
    description: The link's target, for O(state=link), as for M(ansible.builtin.file).
    type: path
  mode:
    description: As for M(ansible.builtin.file); octal can be compared, a symbolic mode runs the builtin.
    type: raw
  owner:
    description: As for M(ansible.builtin.file); a name or a uid.
    type: str
  group:
    description: As for M(ansible.builtin.file); a name or a gid.
    type: str
extends_documentation_fragment:
  - hastack.web.shortcut
seealso:
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Create the systemd drop-in directory
  hastack.web.file:
    path: /etc/systemd/system/haproxy.service.d
    state: directory
    owner: root
    group: root
    mode: "0755"
"""

RETURN = r"""
changed:
  description: Whether the path was created, changed or removed.
  returned: always
  type: bool
path:
  description: The path.
  returned: always
  type: str
state:
  description: What the path is now.
  returned: success
  type: str
"""
