"""`keepalived_preempt: off` written unquoted, as the role's README shows it, reaches the role
as YAML's boolean false; keepalived.conf must still say nopreempt. Rendered by Ansible from
the role's own template with the role's own variables, for fake balancers on a local
connection; the files go to the test's directory only."""

import pytest
from playbook import ROOT, run_playbook
from test_site_preflight import SECRETS, local_address

PLAY = """
- name: Render keepalived.conf as the role would
  hosts: balancers
  gather_facts: true
  tasks:
    - name: Load the role's variables and run its checks
      ansible.builtin.import_role:
        name: hastack.web.keepalived
        tasks_from: preflight.yml
    - name: Render the role's template
      ansible.builtin.template:
        src: %s/roles/keepalived/templates/keepalived.conf.j2
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}.conf"
        mode: "0600"
""" % ROOT


@pytest.mark.parametrize("text, nopreempt, delay", [
    ("keepalived_preempt: off\n", True, False),
    ("keepalived_preempt: 'off'\n", True, False),
    ("keepalived_preempt: no\n", True, False),
    ("keepalived_preempt: delay\n", False, True),
    ("keepalived_preempt: on\n", False, False),
])
def test_the_unquoted_off_keeps_nopreempt(tmp_path, text, nopreempt, delay):
    public = local_address()
    prefix = public.rsplit(".", 1)[0]
    groups = {"balancers": {"lb1": {"hastack_private_address": "172.22.77.14", "hastack_public_address": public},
                            "lb2": {"hastack_private_address": "172.22.77.15", "hastack_public_address": public}}}
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "balancers.yml").write_text(text)
    variables = dict(SECRETS, hastack_public_vip="%s.%d" % (prefix, 236 if public.endswith(".235") else 235))
    rc, out = run_playbook(tmp_path, PLAY, groups, variables)
    assert rc == 0, out[-3000:]
    for host in ("lb1", "lb2"):
        config = (tmp_path / ("%s.conf" % host)).read_text()
        assert ("nopreempt" in config) is nopreempt, config
        assert ("preempt_delay" in config) is delay, config
