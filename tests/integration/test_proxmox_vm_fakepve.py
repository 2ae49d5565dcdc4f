"""proxmox_vm against fakepve, a third-party fake of the Proxmox VE 9 API, served on loopback
by its pytest plugin: the real module, real HTTPS, real tasks, locks and injected failures.

fakepve records every request, so "writes nothing" is checked by counting the requests that
are not GETs. fakepve 0.5.0 accepts a migration and a resize and changes nothing; the fixture in
conftest.py makes both do what Proxmox does, and refuses a clone to another node from local
storage, as Proxmox does. GET config returns current values; the module reads /pending, which
both agree on.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hastack.web.plugins.modules import proxmox_vm

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = 9000
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHastackTestKeyOnlyForTheseTests hastack@test"


class Exit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg"))
        self.result, self.failed = result, failed


@pytest.fixture
def pve(fakepve):
    """A three-node cluster with a Debian cloud template on pve1 (10G disk, cloud-init drive)."""
    fakepve.add_node("pve2")
    fakepve.add_node("pve3")
    fakepve.add_vm(TEMPLATE, "debian-12-cloud", node="pve1", template=True, config={
        "scsi0": "local-lvm:base-9000-disk-0,size=10G", "ide2": "local-lvm:vm-9000-cloudinit,media=cdrom",
        "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0", "cores": 1, "memory": 2048, "scsihw": "virtio-scsi-single",
        "ostype": "l26", "boot": "order=scsi0"})
    fakepve.storages["local-lvm"].setdefault("volumes", {})["base-9000-disk-0"] = {
        "content": "images", "size": 10 * 1024 ** 3, "format": "raw", "vmid": TEMPLATE}
    return fakepve


@pytest.fixture
def run(monkeypatch, pve, fakepve_cafile):
    def exit_json(self, **result):
        raise Exit(result, False)

    def fail_json(self, **result):
        raise Exit(result, True)

    monkeypatch.setattr(proxmox_vm.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(proxmox_vm.AnsibleModule, "fail_json", fail_json)
    # this machine points requests at the system CA bundle; the fake's CA is given explicitly
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    def runner(check=False, diff=False, **args):
        args = dict({"api_host": pve.host, "api_port": pve.port, "api_user": "root@pam", "api_password": "secret",
                     "ca_path": fakepve_cafile, "lock_retry_delay": 0.01, "lock_retries": 3}, **args)
        args = dict((key, value) for key, value in args.items() if value is not None)  # None: not given
        args.update(_ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(args), pytest.raises(Exit) as raised:
            proxmox_vm.main()
        return raised.value.result, raised.value.failed
    return runner


def writes(pve, since=0):
    """Requests that could change something (a login is not one)."""
    return [(method, path) for method, path, _body in pve.requests[since:]
            if method != "GET" and not path.endswith("/access/ticket")]


LB1 = dict(name="lb1", template="debian-12-cloud", cores=4, memory=4096, disk_size="20G",
           nics=[{"bridge": "vmbr0"}, {"bridge": "vmbr1", "tag": 77}],
           ipconfig=[{"ip": "172.22.76.14/24", "gw": "172.22.76.1"}, {"ip": "172.22.77.14/24"}],
           ciuser="debian", sshkeys=[KEY], nameserver="172.22.77.1", tags=["hastack", "Balancer"], onboot=True)


# ---------------------------------------------------------------- lifecycle

def test_a_clone_gets_every_setting_in_the_same_run(run, pve):
    result, failed = run(state="started", **LB1)
    assert not failed, result
    assert result["created"] and result["changed"] and result["status"] == "running"
    assert (result["vmid"], result["node"]) == (100, "pve1")  # lowest free id, the template's node
    vm = pve.vm(100)
    config = vm.config
    assert (config["cores"], str(config["memory"]), config["onboot"]) == ("4", "4096", "1")
    assert config["ipconfig0"] == "ip=172.22.76.14/24,gw=172.22.76.1" and config["ipconfig1"] == "ip=172.22.77.14/24"
    assert config["sshkeys"] == quote(KEY + "\n", safe="") and "%20" in config["sshkeys"]  # as PVE wants
    assert config["tags"] == "balancer;hastack"
    assert config["net1"].endswith(",bridge=vmbr1,firewall=0,tag=77")
    # net0: the clone's own new MAC is kept, not the template's
    mac = config["net0"].split(",")[0].split("=")[1]
    assert mac != "BC:24:11:00:00:01"
    assert ("PUT", "/api2/json/nodes/pve1/qemu/100/resize") in writes(pve)
    assert vm.status == "running"


def test_a_second_run_writes_nothing(run, pve):
    run(state="started", **LB1)
    since = len(pve.requests)
    result, failed = run(state="started", **LB1)
    assert not failed and not result["changed"], result
    assert writes(pve, since) == []
    assert (result["vmid"], result["changes"], result["resized"]) == (100, [], None)


def test_an_existing_vm_is_found_by_name_and_never_gets_a_new_id(run, pve):
    run(**LB1)
    result, failed = run(**dict(LB1, memory=8192))
    assert not failed and result["vmid"] == 100 and result["changes"] == ["memory"]
    assert [vm.vmid for vm in pve.vms if vm.name == "lb1"] == [100]


def test_check_mode_writes_nothing_and_says_what_it_would_do(run, pve):
    result, failed = run(check=True, diff=True, state="started", **LB1)
    assert not failed and result["changed"] and result["created"]
    assert result["diff"]["before"] == {"state": "absent"} and result["diff"]["after"]["status"] == "running"
    assert writes(pve) == [] and pve.vm(100) is None
    run(**LB1)
    since = len(pve.requests)
    result, failed = run(check=True, **dict(LB1, cores=8))
    assert not failed and result["changed"] and result["changes"] == ["cores"]
    assert writes(pve, since) == [] and pve.vm(100).config["cores"] == "4"


def test_diff_shows_the_keys_that_change_and_masks_the_password(run, pve):
    run(**LB1)
    result, failed = run(diff=True, **dict(LB1, memory=8192, cipassword="never-shown-Kq81", disk_size="32G"))
    assert not failed
    assert result["diff"]["before"]["memory"] == "4096" and result["diff"]["after"]["memory"] == "8192"
    assert result["diff"]["after"]["cipassword"] == "********" and result["diff"]["before"]["cipassword"] is None
    assert (result["diff"]["before"]["size"], result["diff"]["after"]["size"]) == ("20G", "32G")
    assert "never-shown" not in repr(result)


def test_changes_a_running_vm_cannot_take_wait_for_a_restart_or_apply_with_one(run, pve):
    run(state="started", **LB1)
    result = run(state="started", **dict(LB1, cores=8))[0]
    assert result["reboot_required"] == ["cores"] and pve.vm(100).config["cores"] == "4"
    # asked again: already pending, so nothing is written again
    since = len(pve.requests)
    result = run(state="started", **dict(LB1, cores=8))[0]
    assert not result["changed"] and writes(pve, since) == [] and result["reboot_required"] == ["cores"]
    result = run(state="started", apply_pending="reboot", **dict(LB1, cores=8))[0]
    assert result["changed"] and result["reboot_required"] == [] and pve.vm(100).config["cores"] == "8"
    assert pve.vm(100).status == "running"


def test_from_scratch_without_a_template(run, pve):
    result, failed = run(name="db1", storage="local-lvm", disk_size="200G", cores=16, memory=16384, node="pve3",
                         nics=[{"bridge": "vmbr1"}], ipconfig=[{"ip": "172.22.77.21/24"}])
    assert not failed, result
    config = pve.vm(result["vmid"]).config
    assert pve.vm(result["vmid"]).node == "pve3" and config["scsi0"].startswith("local-lvm:")
    # the cloud-init drive: asked for as <storage>:cloudinit (fakepve names the volume vm-N-disk-M,
    # Proxmox vm-N-cloudinit)
    assert config["ide2"].endswith(",media=cdrom")
    assert any("ide2=local-lvm%3Acloudinit" in str(body) or "local-lvm:cloudinit" in str(body)
               for method, path, body in pve.requests if method == "POST" and path.endswith("/qemu"))
    assert config["cores"] == "16" and config["net0"].startswith("virtio") and "bridge=vmbr1" in config["net0"]


# ---------------------------------------------------------------- refusals

def test_two_vms_with_the_name_are_refused(run, pve):
    pve.add_vm(120, "web1", node="pve2")
    pve.add_vm(121, "web1", node="pve3")
    result, failed = run(name="web1", cores=2)
    assert failed and "2 VMs are named web1 (vmids 120, 121): give the vmid" in result["msg"]
    assert writes(pve) == []


def test_a_disk_never_shrinks(run, pve):
    run(**LB1)
    result, failed = run(**dict(LB1, disk_size="10G"))
    assert failed and "disk_size=10G is smaller than scsi0's 20G: Proxmox cannot shrink a disk" in result["msg"]


def test_cloud_init_without_a_cloud_init_drive_is_refused(run, pve):
    pve.vm(TEMPLATE).config.pop("ide2")
    result, failed = run(**LB1)
    assert failed and "has no cloud-init drive" in result["msg"]


def test_a_protected_vm_is_not_deleted(run, pve):
    pve.add_vm(130, "keep", node="pve2", config={"protection": "1"})
    result, failed = run(name="keep", state="absent")
    assert failed and "is protected: set protection: false" in result["msg"]
    assert pve.vm(130) is not None


def test_placement_refuses_when_no_node_is_left(run, pve):
    pve.storages["local-lvm"]["shared"] = 1
    pve.set_node_offline("pve3")
    for name in ("db1", "db2"):
        assert not run(name=name, template="debian-12-cloud", keep_apart_from=["db1", "db2", "db3"])[1]
    result, failed = run(name="db3", template="debian-12-cloud", keep_apart_from=["db1", "db2", "db3"])
    assert failed and "no node can take db3" in result["msg"] and "pve3 is offline" in result["msg"]


# ---------------------------------------------------------------- placement and ids

def test_a_keep_apart_group_lands_on_distinct_online_nodes(run, pve):
    pve.storages["local-lvm"]["shared"] = 1  # a clone onto another node needs shared storage
    nodes = [run(name=name, template="debian-12-cloud", keep_apart_from=["db1", "db2", "db3"])[0]["node"]
             for name in ("db1", "db2", "db3")]
    assert sorted(nodes) == ["pve1", "pve2", "pve3"]
    assert sorted(vm.node for vm in pve.vms if vm.name.startswith("db")) == ["pve1", "pve2", "pve3"]


def test_without_shared_storage_the_clone_is_made_beside_the_template_and_migrated(run, pve):
    pve.add_vm(110, "db1", node="pve1")
    result, failed = run(name="db2", template="debian-12-cloud", keep_apart_from=["db1", "db2"])
    assert not failed and result["node"] in ("pve2", "pve3"), result
    calls = writes(pve)
    assert ("POST", "/api2/json/nodes/pve1/qemu/%d/migrate" % result["vmid"]) in calls
    assert not any("target" in str(body) for method, path, body in pve.requests if path.endswith("/clone"))
    assert pve.vm(result["vmid"]).node == result["node"]


def test_an_id_taken_by_a_parallel_creator_is_skipped(run, pve, monkeypatch):
    real = proxmox_vm.VmTask.clone

    def racing(self, template, node, vmid):
        if pve.vm(vmid) is None and vmid == 100:
            pve.add_vm(100, "someone-else", node="pve2")  # another task took the id a moment ago
        return real(self, template, node, vmid)

    monkeypatch.setattr(proxmox_vm.VmTask, "clone", racing)
    result, failed = run(**LB1)
    assert not failed and result["vmid"] == 101 and pve.vm(101).name == "lb1"
    assert pve.vm(100).name == "someone-else"


def test_parallel_creates_do_not_collide(pve, fakepve_cafile, tmp_path):
    """Two controllers create a VM each at the same time, neither naming an id: both see the
    same lowest free id; the one that loses the race takes the next."""
    (tmp_path / "ansible.cfg").write_text("[defaults]\ncollections_path = %s\nstdout_callback = ansible.builtin.json\n"
                                          "bin_ansible_callbacks = true\n" % (ROOT / ".collections"))
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"))
    env.pop("REQUESTS_CA_BUNDLE", None)
    env.pop("CURL_CA_BUNDLE", None)
    procs = []
    for name in ("web1", "web2"):
        args = json.dumps({"api_host": pve.host, "api_port": pve.port, "api_user": "root@pam",
                           "api_password": "secret", "ca_path": fakepve_cafile, "name": name,
                           "template": "debian-12-cloud", "lock_retry_delay": 0.01})
        procs.append(subprocess.Popen([str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local",
                                       "-e", "ansible_python_interpreter=" + sys.executable,
                                       "-m", "hastack.web.proxmox_vm", "-a", args],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True))
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        results.append(json.loads(out)["plays"][0]["tasks"][0]["hosts"]["localhost"])
    assert sorted(r["vmid"] for r in results) == [100, 101]
    assert sorted((vm.vmid, vm.name) for vm in pve.vms if not vm.template) in (
        [(100, "web1"), (101, "web2")], [(100, "web2"), (101, "web1")])


# ---------------------------------------------------------------- power

def test_a_hard_stop_is_a_power_cut_not_a_shutdown(run, pve):
    run(state="started", **LB1)
    since = len(pve.requests)
    result, failed = run(state="stopped", stop_mode="hard", **LB1)
    assert not failed and result["status"] == "stopped" and pve.vm(100).status == "stopped"
    assert ("POST", "/api2/json/nodes/pve1/qemu/100/status/stop") in writes(pve, since)
    assert not any(path.endswith("/shutdown") for _method, path in writes(pve, since))


def test_a_slow_shutdown_fails_at_its_timeout_or_is_forced(run, pve):
    pve.add_vm(140, "slow", node="pve2", status="running")
    pve.vm(140).shutdown_secs = 90
    result, failed = run(name="slow", state="stopped", shutdown_timeout=30, force_stop=False)
    assert failed and "VM quit/powerdown failed - got timeout" in result["msg"] and "task log" in result["msg"]
    assert pve.vm(140).status == "running"
    result, failed = run(name="slow", state="stopped", shutdown_timeout=30)
    assert not failed and pve.vm(140).status == "stopped"


def test_a_start_that_fails_shows_the_task_error(run, pve):
    pve.add_vm(150, "broken", node="pve2", config={"scsi0": "local-lvm:vm-150-disk-0,size=8G"})
    pve.vm(150).start_error = "volume 'local-lvm:vm-150-disk-0' does not exist"
    result, failed = run(name="broken", state="started")
    assert failed and "starting VM 150 failed: volume 'local-lvm:vm-150-disk-0' does not exist" in result["msg"]


def test_a_clone_task_that_ends_in_error_fails_at_once_with_its_log(run, pve):
    pve.storages["local-lvm"]["avail"] = 1024 ** 3  # the template's 10G disk does not fit
    result, failed = run(**LB1)
    assert failed
    assert "cloning debian-12-cloud to VM 100 failed: clone failed: unable to write to storage 'local-lvm': No space " \
        "left on device" in result["msg"]
    assert "task log" in result["msg"] and "TASK ERROR" in result["msg"]
    assert pve.vm(100) is None  # Proxmox removed the half-made VM; nothing is left to clean up


def test_absent_stops_and_purges_and_then_has_nothing_to_do(run, pve):
    run(state="started", **LB1)
    result, failed = run(name="lb1", state="absent")
    assert not failed and result["changed"] and pve.vm(100) is None
    assert writes(pve)[-2:] == [("POST", "/api2/json/nodes/pve1/qemu/100/status/stop"),
                                ("DELETE", "/api2/json/nodes/pve1/qemu/100")]
    since = len(pve.requests)
    result, failed = run(name="lb1", state="absent")
    assert not failed and not result["changed"] and writes(pve, since) == []


# ---------------------------------------------------------------- the cluster misbehaves

def test_a_locked_vm_is_retried_then_named(run, pve):
    run(**LB1)
    pve.fail("PUT", "/nodes/pve1/qemu/100/config", 500, "VM is locked (backup)", times=2)
    result, failed = run(**dict(LB1, memory=8192))
    assert not failed and str(pve.vm(100).config["memory"]) == "8192"  # third try
    pve.snapshot_lock(100, "backup")
    result, failed = run(**dict(LB1, memory=6144))
    assert failed and "VM is locked (backup)" in result["msg"] and "stayed locked" in result["msg"]


def test_lost_quorum_is_named(run, pve):
    run(**LB1)
    pve.lose_quorum()
    result, failed = run(**dict(LB1, memory=8192))
    assert failed and "lost quorum" in result["msg"]


def test_an_offline_node_is_named(run, pve):
    pve.add_vm(160, "far", node="pve3")
    pve.set_node_offline("pve3")
    result, failed = run(name="far", memory=1024)
    assert failed and "offline" in result["msg"]


def test_a_flaky_network_converges_when_run_again(run, pve):
    pve.flaky_network(drop_rate=0.2, seed=7)
    outcomes = []
    for _attempt in range(10):
        result, failed = run(state="started", **dict(LB1, disk_size=None))
        outcomes.append(failed)
        if not failed and not result["changed"]:
            break
        if failed:
            assert "did not answer" in result["msg"] or "failed" in result["msg"], result["msg"]
    pve.flaky_network(drop_rate=0.0)
    assert [vm.vmid for vm in pve.vms if vm.name == "lb1"] == [100]  # never a duplicate
    assert outcomes[-1] is False
    assert pve.vm(100).status == "running" and pve.vm(100).config["cores"] == "4"


# ---------------------------------------------------------------- authentication

def test_an_api_token_works(run, pve):
    pve.apitokens["root@pam!ci"] = "token-secret-0b7e"
    result, failed = run(api_password=None, api_token_id="ci", api_token_secret="token-secret-0b7e", **LB1)
    assert not failed and result["created"], result


def test_the_certificate_is_verified_by_default(run, pve, monkeypatch):
    result, failed = run(ca_path=None, **LB1)
    assert failed and "cannot log in to Proxmox VE" in result["msg"]
    assert writes(pve) == []


# ---------------------------------------------------------------- placement that must hold (issue 22)

def test_a_pinned_node_that_is_offline_or_unknown_fails_before_anything_is_made(run, pve):
    pve.set_node_offline("pve3")
    result, failed = run(node="pve3", **LB1)
    assert failed and result["msg"] == "lb1 cannot be created on pve3: node pve3 is offline: bring it back, or " \
                                       "choose another node"
    result, failed = run(node="pve9", **LB1)
    assert failed and "node pve9 is not a node of this cluster (it has pve1, pve2, pve3)" in result["msg"]
    assert writes(pve) == [] and [vm.name for vm in pve.vms] == ["debian-12-cloud"]


def test_a_refused_migration_of_a_new_vm_removes_it_and_says_so(run, pve):
    pve.fail("POST", "/nodes/pve1/qemu/100/migrate", 500, "migration refused by a hook script", times=1)
    result, failed = run(node="pve2", **LB1)
    assert failed, result
    assert "VM 100 is on pve1, not on pve2 where it belongs, because the migration failed" in result["msg"]
    assert "migration refused by a hook script" in result["msg"]
    assert "VM 100, which this task had created on pve1, was removed again" in result["msg"]
    assert pve.vm(100) is None and not result["created"]
    result, failed = run(node="pve2", **LB1)  # the next run makes it whole, where it belongs
    assert not failed and (result["vmid"], result["node"]) == (100, "pve2") and pve.vm(100).node == "pve2"


def test_a_vm_left_on_the_wrong_node_is_moved_by_the_next_run(run, pve):
    pve.add_vm(110, "lb1", node="pve1", status="running",
               config={"scsi0": "local-lvm:vm-110-disk-0,size=20G", "cores": 4})
    result, failed = run(name="lb1", node="pve2", diff=True)
    assert not failed and result["changed"] and result["node"] == "pve2" and pve.vm(110).node == "pve2"
    assert (result["diff"]["before"]["node"], result["diff"]["after"]["node"]) == ("pve1", "pve2")
    body = [body for method, path, body in pve.requests if path.endswith("/qemu/110/migrate")][-1]
    assert "online" in str(body) and "with-local-disks" in str(body)  # it runs: moved live, disks and all
    since = len(pve.requests)
    result, failed = run(name="lb1", node="pve2")
    assert not failed and not result["changed"] and writes(pve, since) == []


def test_a_vm_beside_one_it_must_be_kept_apart_from_is_moved_or_reported(run, pve):
    pve.add_vm(110, "lb1", node="pve1")
    pve.add_vm(111, "lb2", node="pve1")
    result, failed = run(name="lb2", keep_apart_from=["lb1", "lb2"], move=False)
    assert not failed and result["placement_conflict"] == ["lb1"] and pve.vm(111).node == "pve1"
    result, failed = run(name="lb2", keep_apart_from=["lb1", "lb2"])
    assert not failed and result["node"] in ("pve2", "pve3") and pve.vm(111).node == result["node"]
    assert result["placement_conflict"] == []


def test_a_move_that_no_node_can_take_fails_naming_each_node(run, pve):
    pve.set_node_offline("pve2")
    pve.add_vm(110, "lb1", node="pve1")
    pve.add_vm(111, "lb2", node="pve1")
    pve.add_vm(112, "lb3", node="pve3")
    result, failed = run(name="lb2", keep_apart_from=["lb1", "lb2", "lb3"])
    assert failed and "lb2 shares pve1 with lb1, which keep_apart_from forbids, and no node can take it" \
        in result["msg"] and "pve2 is offline" in result["msg"] and "pve3 holds lb3" in result["msg"]
    assert result["placement_conflict"] == ["lb1"] and writes(pve) == []


def test_a_pin_that_contradicts_keep_apart_is_refused(run, pve):
    pve.add_vm(110, "lb1", node="pve2")
    result, failed = run(node="pve2", keep_apart_from=["lb1", "lb2"], **dict(LB1, name="lb2"))
    assert failed and "lb2 is pinned to node pve2, which holds lb1: keep_apart_from and node disagree" in result["msg"]
    assert writes(pve) == []


# ---------------------------------------------------------------- bad input, before the first write (issue 22)

@pytest.mark.parametrize("changes, expected", [
    ({"memory": -1024}, "memory=-1024: it must be 16 or more (MiB)"),
    ({"cores": 0}, "cores=0: it must be 1 or more"),
    ({"ipconfig": [{"ip": "172.22.76.14"}]}, "ipconfig[0]: ip '172.22.76.14' must be an IPv4 address with its prefix "
                                             "length (172.22.77.14/24) or dhcp"),
    ({"ipconfig": [{"ip": "172.22.76.14/24", "gw": "172.22.76.300"}]},
     "ipconfig[0]: gw '172.22.76.300' is not an IPv4 address"),
    ({"ipconfig": [{"ip": "172.22.76.14/24", "gw": "10.0.0.1"}]},
     "ipconfig[0]: gw 10.0.0.1 is outside 172.22.76.14/24's network 172.22.76.0/24"),
    ({"disk_size": "twenty"}, "disk_size: 'twenty' is not a size"),
    ({"node": "pve_1"}, "node='pve_1' is not a node name"),
    ({"nics": [{"bridge": "vmbr0", "tag": 5000}]}, "nics[0]: tag 5000 is not a VLAN id (1-4094)"),
])
def test_bad_input_fails_before_any_call(run, pve, changes, expected):
    result, failed = run(**dict(LB1, **changes))
    assert failed and result["msg"].startswith("nothing was done, because: ") and expected in result["msg"], result
    assert pve.requests == []  # not even a login


def test_a_disk_smaller_than_the_templates_fails_before_the_clone(run, pve):
    result, failed = run(**dict(LB1, disk_size="8G"))
    assert failed and "disk_size=8G is smaller than the template's scsi0 of 10G: Proxmox cannot shrink a disk. " \
                      "Use 10G or more." in result["msg"]
    assert writes(pve) == [] and pve.vm(100) is None
    result, failed = run(**dict(LB1, disk="virtio0"))
    assert failed and "template debian-12-cloud has no disk virtio0" in result["msg"] and writes(pve) == []


def test_what_only_proxmox_can_check_comes_back_with_its_reason_and_the_half_made_vm_goes(run, pve):
    result, failed = run(**dict(LB1, ostype="windows99"))
    assert failed, result
    assert "Parameter verification failed." in result["msg"] and "ostype: " in result["msg"], result["msg"]
    assert "VM 100, which this task had created on pve1, was removed again" in result["msg"]
    assert pve.vm(100) is None
    result, failed = run(**LB1)  # fixed: the next run starts clean, with the same id
    assert not failed and result["created"] and result["vmid"] == 100


# ---------------------------------------------------------------- check mode shows the VM (issue 22)

def test_check_diff_shows_the_vm_that_would_be_created(run, pve):
    result, failed = run(check=True, diff=True, state="started", **LB1)
    assert not failed and writes(pve) == []
    after = result["diff"]["after"]
    assert (after["cores"], after["memory"], after["size"], after["onboot"]) == ("4", "4096", "20G", "1")
    assert after["ipconfig0"] == "ip=172.22.76.14/24,gw=172.22.76.1" and after["ipconfig1"] == "ip=172.22.77.14/24"
    assert after["net1"].endswith("bridge=vmbr1,firewall=0,tag=77") and after["sshkeys"] == KEY + "\n"
    assert (after["tags"], after["node"], after["status"]) == ("balancer;hastack", "pve1", "running")
    assert result["diff"]["before"] == {"state": "absent"}
    assert {"cores", "memory", "ipconfig0", "ipconfig1", "net1", "sshkeys", "tags", "onboot"} <= set(result["changes"])


def test_after_a_real_create_the_diff_says_it_was_absent(run, pve):
    result, failed = run(diff=True, **dict(LB1, sshkeys=None))
    assert not failed and result["diff"]["before"] == {"state": "absent"}
    assert "None" not in [value for value in result["diff"]["after"].values() if isinstance(value, str)]
    assert result["diff"]["after"]["cores"] == "4" and result["diff"]["after"]["node"] == "pve1"


# ---------------------------------------------------------------- the fake does what Proxmox does

def test_the_fake_moves_resizes_and_refuses_a_cross_node_clone_from_local_storage(run, pve, fakepve_cafile):
    from proxmoxer import ProxmoxAPI
    from proxmoxer.core import ResourceException
    api = ProxmoxAPI(pve.host, port=pve.port, user="root@pam", password="secret", verify_ssl=fakepve_cafile)
    with pytest.raises(ResourceException, match="can't clone VM to node 'pve2' \\(VM uses local storage\\)"):
        api.nodes("pve1").qemu(TEMPLATE).clone.post(newid=100, name="x", target="pve2", full=1)
    pve.add_vm(120, "m", node="pve1", config={"scsi0": "local-lvm:vm-120-disk-0,size=10G"})
    api.nodes("pve1").qemu(120).resize.put(disk="scsi0", size="+2G")
    assert "size=12G" in pve.vm(120).config["scsi0"]
    with pytest.raises(ResourceException, match="shrinking disks is not supported"):
        api.nodes("pve1").qemu(120).resize.put(disk="scsi0", size="4G")
    api.nodes("pve1").qemu(120).migrate.post(target="pve3")
    assert pve.vm(120).node == "pve3"
