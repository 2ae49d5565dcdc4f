#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: timezone
short_description: community.general.timezone, answered by timedatectl when the zone is set
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - M(community.general.timezone), except when C(timedatectl) - what the module itself asks on a
    host with systemd - says the host runs in the zone asked, and its zone file exists. Then no
    module runs.
  - O(name) alone can take the shortcut; C(hwclock), a host without a working C(timedatectl), or a
    different zone runs the module.
options:
  name:
    description: As for M(community.general.timezone).
    type: str
extends_documentation_fragment:
  - hastack.web.shortcut
seealso:
  - module: community.general.timezone
"""

EXAMPLES = r"""
- name: Set the time zone
  hastack.web.timezone:
    name: Etc/UTC
"""

RETURN = r"""
changed:
  description: Whether the zone changed.
  returned: always
  type: bool
"""
