"""The failover test's proxmox backend (roles/failover_test/tasks/fault_proxmox.yml) against
fakepve: which VM a host maps to, a power cut / shutdown / start sent as the VM's status tasks
and waited for, and a missing VM or an offline node stopping the trial with a message."""

import pytest
from playbook import ROOT, run_playbook

TOKEN = "failover-token-Zq41"
PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_tasks: %s/roles/failover_test/tasks/fault_proxmox.yml
      vars:
        __failover_test_trial: {host: "{{ target }}", kind: "{{ kind }}", backend: proxmox}
        __failover_test_action: "{{ action }}"
        failover_test_recovery_timeout: 10
""" % ROOT


@pytest.fixture
def pve(fakepve, fakepve_cafile, monkeypatch):
    fakepve.add_node("pve2")
    fakepve.add_vm(201, "db1", node="pve1", status="running")
    fakepve.add_vm(202, "hastack-db2", node="pve2", status="running")
    fakepve.apitokens["ansible@pve!failover"] = TOKEN
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return fakepve


def run(tmp_path, pve, cafile, target, kind, action):
    connection = {"proxmox_api_host": pve.host, "proxmox_api_port": pve.port, "proxmox_api_user": "ansible@pve",
                  "proxmox_api_token_id": "failover", "proxmox_api_token_secret": TOKEN, "proxmox_ca_path": cafile}
    groups = {"databases": {"db1": dict(connection), "db2": dict(connection, proxmox_vm_name="hastack-db2"),
                            "db3": dict(connection)}}
    return run_playbook(tmp_path, PLAY, groups, args=["-e", "target=%s kind=%s action=%s" % (target, kind, action)])


def tasks(pve, since):
    return [path.rsplit("/", 2)[-2:] for method, path, _body in pve.requests[since:] if method == "POST"
            and "/status/" in path]


@pytest.mark.parametrize("target, vmid, kind, verb", [("db1", 201, "power-cut", "stop"),
                                                      ("db2", 202, "shutdown", "shutdown")])
def test_a_cut_and_its_repair_are_the_vms_status_tasks(tmp_path, pve, fakepve_cafile, target, vmid, kind, verb):
    rc, out = run(tmp_path, pve, fakepve_cafile, target, kind, "cut")
    assert rc == 0, out[-3000:]
    assert pve.vm(vmid).status == "stopped" and tasks(pve, 0) == [["status", verb]]
    since = len(pve.requests)
    rc, out = run(tmp_path, pve, fakepve_cafile, target, kind, "repair")
    assert rc == 0, out[-3000:]
    assert pve.vm(vmid).status == "running" and tasks(pve, since) == [["status", "start"]]
    assert TOKEN not in out


def test_a_missing_vm_stops_the_trial_naming_it(tmp_path, pve, fakepve_cafile):
    rc, out = run(tmp_path, pve, fakepve_cafile, "db3", "power-cut", "cut")
    assert rc != 0 and "db3 does not exist" in " ".join(out.split()), out[-3000:]
    assert tasks(pve, 0) == [] and [vm.status for vm in pve.vms] == ["running", "running"]


def test_an_offline_node_stops_the_trial_naming_it(tmp_path, pve, fakepve_cafile):
    pve.set_node_offline("pve2")
    rc, out = run(tmp_path, pve, fakepve_cafile, "db2", "power-cut", "cut")
    assert rc != 0 and "offline" in out, out[-3000:]
    assert pve.vm(202).status == "running"


def test_a_task_that_fails_stops_the_trial_with_its_error(tmp_path, pve, fakepve_cafile):
    pve.vm(201).status = "stopped"
    pve.vm(201).start_error = "volume 'local-lvm:vm-201-disk-0' does not exist"
    rc, out = run(tmp_path, pve, fakepve_cafile, "db1", "power-cut", "repair")
    assert rc != 0 and "starting VM 201 failed: volume 'local-lvm:vm-201-disk-0' does not exist" in out, out[-3000:]
