#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: validate_role_vars
short_description: Check a role's variables against its argument spec, with messages that name the fix
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - Runs on the controller, inside a role of this collection (also through C(import_role) with
    C(tasks_from)), and checks the variables the role would use - the inventory's and the role's
    defaults, templated one by one - against the role's C(meta/argument_specs.yml).
  - Does what the role's own argument check at its start does, but can run earlier -
    C(playbooks/preflight.yml) runs it for every role on every host before any host changes - and
    fails with one line per problem (the host, the variable, the value, the allowed values) instead
    of a dump of the whole spec.
  - Also refuses a YAML 1.1 boolean (an unquoted C(yes), C(no), C(on), C(off)) given for a choice
    option that has no matching word, such as C(0), C(1), C(2), where Python would read C(true) as C(1).
    Where exactly one choice is such a word (C(keepalived_preempt=off)), the role maps the boolean
    to it with the filter C(hastack.web.boolean_choice).
  - Warns about every inventory variable of the host that starts with the role's prefix (C(keepalived_),
    ...) but is not one of the role's variables - a misspelt name is otherwise silently ignored and the
    default stays. The warning names the closest real variable. Silence it per variable with the
    inventory variable C(hastack_preflight_ignore_variables) (names or shell patterns) or O(ignore).
options:
  entry_point:
    description: The entry point of the role's argument spec to check against.
    type: str
    default: main
  ignore:
    description:
      - Variable names or shell patterns (C(keepalived_my_*)) not to warn about, added to the inventory's
        C(hastack_preflight_ignore_variables).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reads variables only.
  diff_mode:
    support: none
    description: Nothing to show.
  action:
    support: full
    description: Runs on the controller as an action plugin.
notes:
  - Fails when called outside a role, because it checks the variables of the role it runs in.
"""

EXAMPLES = r"""
# The first task of a role's tasks/preflight.yml
- name: Check the role's variables against its argument spec
  hastack.web.validate_role_vars:

# Inventory: a variable with the role's prefix that belongs to something else
# hastack_preflight_ignore_variables: [keepalived_exporter_port]
"""

RETURN = r"""
checked:
  description: The variables that were checked (the role's variables that have a value).
  returned: always
  type: list
  elements: str
unknown:
  description: Inventory variables with the role's prefix that the role does not know (each warned about).
  returned: always
  type: list
  elements: str
"""
