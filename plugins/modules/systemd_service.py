#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: systemd_service
short_description: ansible.builtin.systemd_service, answered by systemctl when nothing is to be done
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - M(ansible.builtin.systemd_service), except for the runs that change nothing. The builtin reads
    every property of the unit in a Python module run; for a task that keeps a system unit
    C(started) or C(stopped) and O(enabled) or not, this reads the two properties and the
    C(systemctl is-enabled -l) answer the builtin decides on, in one shell command, and decides
    the same way. A unit that is not loaded, or a state the builtin would change, runs the builtin.
  - A task that only asks O(daemon_reload) runs C(systemctl daemon-reload) in a shell instead of a
    module (nothing in check mode, as the builtin); if that fails the builtin runs and reports it.
  - C(restarted), C(reloaded), C(masked), C(daemon_reexec), C(force), another C(scope), and a
    O(daemon_reload) together with a unit always run the builtin.
options:
  name:
    description: The unit, as for M(ansible.builtin.systemd_service).
    type: str
    aliases: [unit]
  state:
    description: As for M(ansible.builtin.systemd_service).
    type: str
    choices: [reloaded, restarted, started, stopped]
  enabled:
    description: As for M(ansible.builtin.systemd_service).
    type: bool
  daemon_reload:
    description: As for M(ansible.builtin.systemd_service).
    type: bool
    default: false
extends_documentation_fragment:
  - hastack.web.shortcut
seealso:
  - module: ansible.builtin.systemd_service
"""

EXAMPLES = r"""
- name: Start HAProxy and enable it at boot
  hastack.web.systemd_service:
    name: haproxy
    state: started
    enabled: true

- name: Make systemd read the drop-in, every run
  hastack.web.systemd_service:
    daemon_reload: true
"""

RETURN = r"""
changed:
  description: Whether the unit was started, stopped, enabled or disabled.
  returned: always
  type: bool
status:
  description:
    - The unit's properties. When the shortcut answered, only C(LoadState) and C(ActiveState).
  returned: success
  type: dict
"""
