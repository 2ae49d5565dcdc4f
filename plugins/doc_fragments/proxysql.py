# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The admin-interface login options of the collection's ProxySQL modules."""

    DOCUMENTATION = r"""
options:
  login_host:
    description: Address of the admin interface.
    type: str
    default: 127.0.0.1
  login_port:
    description: Port of the admin interface.
    type: int
    default: 6032
  login_user:
    description: Admin user.
    type: str
    required: true
  login_password:
    description: Admin password.
    type: str
    required: true
  login_password_previous:
    description:
      - Tried when O(login_password) is refused - the password in use before a change of the
        admin credentials (the M(hastack.web.proxysql_config) task that changes them sets the new ones
        through C(admin-admin_credentials)).
    type: str
  connect_timeout:
    description: Seconds to wait for the admin interface.
    type: int
    default: 10
requirements:
  - PyMySQL on the host that runs the task
"""
