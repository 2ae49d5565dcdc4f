# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What hastack.web.template and hastack.web.copy compare in their one command."""

    DOCUMENTATION = r"""
options:
  dest:
    description: Where the file goes on the host.
    type: path
    required: true
  mode:
    description:
      - As for the builtin. Octal (a quoted C('0640'), or an integer) is compared in the single
        command; a symbolic mode or C(preserve) always takes the builtin's steps.
    type: raw
  owner:
    description: As for the builtin; a name or a uid.
    type: str
  group:
    description: As for the builtin; a name or a gid.
    type: str
  validate:
    description: As for the builtin; runs only when the file is written.
    type: str
attributes:
  check_mode:
    support: full
    description: As the builtin.
  diff_mode:
    support: full
    description: As the builtin; an unchanged file shows no difference.
  action:
    support: full
    description: Runs on the controller as an action plugin, as the builtin does.
notes:
  - The shortcut needs C(stat) and C(sha1sum) on the host (GNU coreutils, as on Debian); without
    them every run takes the builtin's steps.
"""
