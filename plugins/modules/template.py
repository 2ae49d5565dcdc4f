#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: template
short_description: ansible.builtin.template, with an unchanged file found in one command
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - Renders a Jinja2 template on the controller and puts it on the host, exactly as
    M(ansible.builtin.template) does - the rendering, the options and the result are the builtin's.
  - The difference is the unchanged case, which is most of every converge after the first. The
    builtin finds out that a file is already right with four round trips to the host (make a
    temporary directory, run C(stat), run C(file), remove the directory), two of them a Python
    module run. This asks one POSIX shell command (C(stat) and C(sha1sum)) and, when the host's
    file is a regular file with the rendered content and the O(owner), O(group) and O(mode) asked,
    reports it unchanged without running a module.
  - Whenever that cannot be shown - the file is missing, differs, is a link; the mode is symbolic;
    the task gives an option this check does not compare (SELinux contexts, C(attributes)); the
    host's shell is not POSIX - the builtin's own steps run, and write, validate and back up as usual.
  - The roles of this collection write their files with it.
options:
  src:
    description: The template, found as M(ansible.builtin.template) finds it (the role's C(templates/)).
    type: path
    required: true
  backup:
    description: As for M(ansible.builtin.template); a backup is made only when the file is written.
    type: bool
    default: false
notes:
  - Every other option of M(ansible.builtin.template) is accepted and passed on unchanged.
extends_documentation_fragment:
  - hastack.web.file_shortcut
seealso:
  - module: ansible.builtin.template
  - module: hastack.web.copy
"""

EXAMPLES = r"""
- name: Write HAProxy's configuration, checked before it goes live
  hastack.web.template:
    src: haproxy.cfg.j2
    dest: /etc/haproxy/haproxy.cfg
    owner: root
    group: haproxy
    mode: "0640"
    validate: haproxy -c -f %s
  notify: Reload haproxy
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
mode:
  description: The file's mode, in octal.
  returned: success
  type: str
"""
