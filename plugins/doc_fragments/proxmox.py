# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The connection options of the collection's Proxmox VE modules."""

    DOCUMENTATION = r"""
options:
  api_host:
    description:
      - Host name or address of a Proxmox VE node's API.
      - Falls back to the environment variable E(PROXMOX_HOST).
    type: str
    required: true
  api_port:
    description:
      - Port of the API. Falls back to E(PROXMOX_PORT).
    type: int
    default: 8006
  api_user:
    description:
      - User of the API, with its realm (C(root@pam), C(ansible@pve)). For a token, the user the token
        belongs to. Falls back to E(PROXMOX_USER).
    type: str
    required: true
  api_token_id:
    description:
      - Name of an API token of O(api_user) (the part after C(!)). Tokens are the recommended way
        to authenticate; give O(api_token_secret) with it. Falls back to E(PROXMOX_TOKEN_ID).
      - Exactly one of O(api_token_id) and O(api_password) is needed.
    type: str
  api_token_secret:
    description:
      - Secret of the API token. Falls back to E(PROXMOX_TOKEN_SECRET).
    type: str
  api_password:
    description:
      - Password of O(api_user), when no token is used. Falls back to E(PROXMOX_PASSWORD).
    type: str
  validate_certs:
    description:
      - Verify the API's TLS certificate. Keep it on; to trust a cluster's own CA, give O(ca_path)
        instead of turning this off. Falls back to E(PROXMOX_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file with the CA that signed the API's certificate (Proxmox's own
        C(/etc/pve/pve-root-ca.pem)). Falls back to E(PROXMOX_CA_PATH).
    type: path
  api_timeout:
    description: Seconds one API request may take.
    type: int
    default: 30
  lock_retries:
    description:
      - How often a request refused because the VM's config is locked (a backup, a migration, another
        task) is tried again, and how often a read that lost its connection is. Writes that lost their
        connection are not retried (they may have been done); the next run finds out.
    type: int
    default: 6
  lock_retry_delay:
    description: Seconds between those tries.
    type: float
    default: 5.0
requirements:
  - proxmoxer >= 2.0 and requests, on the host that runs the task (usually the controller)
notes:
  - Set the connection once for every task with C(module_defaults) and the action group
    C(group/hastack.web.proxmox).
"""
