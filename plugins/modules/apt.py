#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: apt
short_description: ansible.builtin.apt, answered by dpkg when every package is installed already
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - M(ansible.builtin.apt), except for the most common run of an install task, the one where
    every package is installed already. The builtin opens apt's whole package cache to find that
    out (about 1.7 CPU-seconds on a small node); this asks C(dpkg-query) in one shell command and,
    when dpkg lists every package as installed (or held), reports no change without a module run.
  - The shortcut is taken only for O(state=present) with plain package names (no version, no
    architecture, no wildcard) and no option that acts when everything is installed
    (C(autoremove), C(upgrade), C(deb), C(default_release) ...). A virtual package, a package
    dpkg does not list, or any doubt runs the builtin.
  - With C(update_cache) and the shortcut taken, the lists are not refreshed - nothing would be
    installed from them. A task that needs fresh lists for their own sake should say so with
    M(ansible.builtin.apt) and no packages.
options:
  name:
    description: The packages, as for M(ansible.builtin.apt).
    type: list
    elements: str
    aliases: [package, pkg]
  state:
    description: As for M(ansible.builtin.apt); only C(present) can take the shortcut.
    type: str
    default: present
extends_documentation_fragment:
  - hastack.web.shortcut
seealso:
  - module: ansible.builtin.apt
"""

EXAMPLES = r"""
- name: Install HAProxy and the tools its role uses
  hastack.web.apt:
    name: [haproxy, socat, openssl]
    state: present
    update_cache: true
    cache_valid_time: 3600
"""

RETURN = r"""
changed:
  description: Whether a package was installed (the builtin's answer when it ran).
  returned: always
  type: bool
cache_updated:
  description: Whether the lists were refreshed; false when the shortcut answered.
  returned: success
  type: bool
"""
