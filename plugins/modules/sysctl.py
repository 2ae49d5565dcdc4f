#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sysctl
short_description: ansible.posix.sysctl, answered by one shell command when the setting is in place
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - M(ansible.posix.sysctl), except when one shell command (C(sysctl -e -n) and the sysctl file)
    shows that the module would change nothing - the file's last line for the key holds the value,
    and, when O(reload) or O(sysctl_set) make the running kernel matter, the kernel runs with it
    (compared word by word, as the module compares). Then no module runs.
  - Anything else - O(state=absent), a file that cannot be read, a different value, an option not
    listed here - runs the module.
options:
  name:
    description: The key, as for M(ansible.posix.sysctl).
    type: str
    required: true
    aliases: [key]
  value:
    description: As for M(ansible.posix.sysctl); booleans become C(1) and C(0) as there.
    type: str
    aliases: [val]
  state:
    description: As for M(ansible.posix.sysctl); only C(present) can take the shortcut.
    type: str
    default: present
  sysctl_file:
    description: As for M(ansible.posix.sysctl).
    type: path
    default: /etc/sysctl.conf
  sysctl_set:
    description: As for M(ansible.posix.sysctl).
    type: bool
    default: false
  reload:
    description: As for M(ansible.posix.sysctl).
    type: bool
    default: true
extends_documentation_fragment:
  - hastack.web.shortcut
seealso:
  - module: ansible.posix.sysctl
"""

EXAMPLES = r"""
- name: Let the backup balancer bind the VIP before it holds it
  hastack.web.sysctl:
    name: net.ipv4.ip_nonlocal_bind
    value: "1"
    sysctl_file: /etc/sysctl.d/60-hastack-haproxy.conf
    sysctl_set: true
"""

RETURN = r"""
changed:
  description: Whether the file or the running value changed.
  returned: always
  type: bool
"""
