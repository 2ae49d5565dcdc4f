# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What the builtin-with-a-shortcut actions (apt, systemd_service, file,
    hostname, sysctl, timezone) share."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: As the builtin; the shortcut only reads.
  diff_mode:
    support: full
    description: As the builtin; when nothing is to be done there is no difference to show.
  action:
    support: full
    description: An action plugin in front of the builtin module.
notes:
  - Every option of the builtin is accepted and passed on unchanged; the builtin's documentation
    describes them.
  - The shortcut needs a POSIX shell on the host; with another shell every run is the builtin's.
  - When the shortcut answers, the result holds the keys a playbook reads (C(changed) and the
    ones listed below), not every key the builtin returns.
"""
