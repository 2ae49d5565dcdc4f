"""playbooks/provision.yml with inventory/production.example (the paper's seven servers and
table 1-3 sizes) against fakepve on loopback: seven VMs on seven nodes, sized and addressed
from the inventory; the second run changes nothing and writes nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProvisionTestKeyOnly provision@test"
TOKEN = "provision-token-Hq83mZ"
SIZES = {"lb": ("4", "4096", "20G"), "web": ("16", "16384", "500G"), "db": ("16", "16384", "200G")}


@pytest.fixture
def pve(fakepve):
    for index in range(2, 8):
        fakepve.add_node("pve%d" % index)
    fakepve.storages["local-lvm"]["shared"] = 1  # clones go straight to their node
    fakepve.add_vm(9000, "debian-12-cloud", node="pve1", template=True, config={
        "scsi0": "local-lvm:base-9000-disk-0,size=10G", "ide2": "local-lvm:vm-9000-cloudinit,media=cdrom",
        "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0", "cores": 1, "memory": 2048, "agent": "1"})
    fakepve.apitokens["ansible@pve!provision"] = TOKEN
    return fakepve


def provision(pve, cafile, *args):
    extra = {"proxmox_api_host": pve.host, "proxmox_api_port": pve.port, "proxmox_api_token_secret": TOKEN,
             "proxmox_ca_path": cafile, "proxmox_sshkeys": [KEY], "proxmox_wait_for": "none"}
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
    env.pop("REQUESTS_CA_BUNDLE", None)
    env.pop("CURL_CA_BUNDLE", None)
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i",
                           str(ROOT / "inventory/production.example"), str(ROOT / "playbooks/provision.yml"),
                           "-e", json.dumps(extra), "-e", "ansible_python_interpreter=" + sys.executable, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def writes(pve, since=0):
    return [(method, path) for method, path, _body in pve.requests[since:]
            if method != "GET" and not path.endswith("/access/ticket")]


def test_the_papers_cluster_is_provisioned_once_on_seven_nodes(pve, fakepve_cafile):
    rc, out = provision(pve, fakepve_cafile)
    assert rc == 0, out[-4000:]
    vms = {vm.name: vm for vm in pve.vms if not vm.template}
    assert sorted(vms) == ["db1", "db2", "db3", "lb1", "lb2", "web1", "web2"]
    assert len({vm.node for vm in vms.values()}) == 7            # one VM per physical host
    for name, vm in vms.items():
        cores, memory, size = SIZES[name.rstrip("0123456789")]
        assert (vm.config["cores"], str(vm.config["memory"])) == (cores, memory), name
        assert vm.status == "running" and vm.config["onboot"] == "1"
    assert vms["lb1"].config["ipconfig0"] == "ip=103.30.180.234/24,gw=103.30.180.1"
    assert vms["lb1"].config["ipconfig1"] == "ip=172.22.77.14/24"
    assert vms["db3"].config["ipconfig0"] == "ip=172.22.77.23/24,gw=172.22.77.1" and "net1" not in vms["db3"].config
    assert "bridge=vmbr1" in vms["web2"].config["net1"]
    assert TOKEN not in out

    for name, vm in vms.items():
        assert "size=%s" % SIZES[name.rstrip("0123456789")][2] in vm.config["scsi0"], name  # grown
    since = len(pve.requests)
    rc, out = provision(pve, fakepve_cafile)
    assert rc == 0, out[-4000:]
    assert writes(pve, since) == []
    recap = [line for line in out.splitlines() if "ok=" in line and "changed=" in line]
    assert len(recap) == 7 and all("changed=0" in line for line in recap), "\n".join(recap)


def test_check_mode_provisions_nothing(pve, fakepve_cafile):
    rc, out = provision(pve, fakepve_cafile, "--check")
    assert rc == 0, out[-4000:]
    assert writes(pve) == [] and [vm.name for vm in pve.vms] == ["debian-12-cloud"]


def test_an_inventory_without_a_template_is_refused_before_any_call(pve, fakepve_cafile):
    rc, out = provision(pve, fakepve_cafile, "-e", "proxmox_template=''")
    assert rc != 0 and "set proxmox_api_host, proxmox_api_user" in " ".join(out.split())
    assert pve.requests == []


def test_two_servers_on_one_node_stop_the_run_unless_allowed(pve, fakepve_cafile):
    """lb1 and lb2 share pve2 (a move that failed once, or an HA relocation)."""
    for vmid, name in ((301, "lb1"), (302, "lb2")):
        pve.add_vm(vmid, name, node="pve2", status="running", config={
            "scsi0": "local-lvm:vm-%d-disk-0,size=20G" % vmid, "ide2": "local-lvm:vm-%d-cloudinit,media=cdrom" % vmid,
            "net0": "virtio=BC:24:11:00:03:%02d,bridge=vmbr0" % (vmid - 300), "agent": "1"})
    limit = ["--limit", "lb1,lb2"]
    rc, out = provision(pve, fakepve_cafile, "-e", "proxmox_move=false", *limit)
    flat = " ".join(out.split())
    assert rc != 0 and "is on pve2, beside" in flat and "losing that node would take both down" in flat, out[-3000:]
    rc, out = provision(pve, fakepve_cafile, "-e", "proxmox_move=false", "-e", "proxmox_allow_shared_node=true",
                        *limit)
    assert rc == 0, out[-3000:]
    rc, out = provision(pve, fakepve_cafile, *limit)  # the default: the module moves one of them
    assert rc == 0, out[-3000:]
    assert pve.vm(301).node != pve.vm(302).node
