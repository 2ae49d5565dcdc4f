#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hostname
short_description: ansible.builtin.hostname, answered by one shell command when the name is set
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - M(ansible.builtin.hostname), except when C(hostname) and C(/etc/hostname) both say the name
    asked already - then no module runs. That is where the module keeps the name on Debian and
    Ubuntu (without O(use)) and with O(use=debian) or O(use=systemd).
  - Another distribution, another strategy, facts not gathered (the distribution decides the
    module's strategy) or any difference runs the module.
options:
  name:
    description: As for M(ansible.builtin.hostname).
    type: str
    required: true
  use:
    description: As for M(ansible.builtin.hostname); only C(debian) and C(systemd) can take the shortcut.
    type: str
extends_documentation_fragment:
  - hastack.web.shortcut
notes:
  - When the shortcut answers, the result sets no facts; the facts gathered at the start of the
    play already hold the name.
seealso:
  - module: ansible.builtin.hostname
"""

EXAMPLES = r"""
- name: Set the host name
  hastack.web.hostname:
    name: web1
"""

RETURN = r"""
changed:
  description: Whether the name changed.
  returned: always
  type: bool
name:
  description: The name.
  returned: success
  type: str
"""
