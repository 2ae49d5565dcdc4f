"""The proxmox_vm module's decisions, table-driven: normalisation, the config diff, disk
growth, placement, ids and error classification."""

from urllib.parse import quote

import pytest

from ansible_collections.hastack.web.plugins.module_utils import proxmox_vm as pv

MAC = "BC:24:11:AA:BB:CC"


@pytest.mark.parametrize("text, expected", [
    ("20G", 20 * 1024 ** 3), ("512M", 512 * 1024 ** 2), ("1.5T", int(1.5 * 1024 ** 4)), ("1024", 1024),
    ("20g", 20 * 1024 ** 3), ("8GB", 8 * 1024 ** 3),
])
def test_size_bytes(text, expected):
    assert pv.size_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "twenty", "20X", "-1G"])
def test_size_bytes_refuses(text):
    with pytest.raises(pv.ProxmoxVmError, match="is not a size"):
        pv.size_bytes(text)


@pytest.mark.parametrize("value, expected", [
    (20 * 1024 ** 3, "20G"), (2 * 1024 ** 4, "2T"), (1536 * 1024 ** 2, "1536M"), (1000, "1000"),
])
def test_size_text(value, expected):
    assert pv.size_text(value) == expected


@pytest.mark.parametrize("text, expected", [
    ("virtio=%s,bridge=vmbr0" % MAC.lower(), {"model": "virtio", "macaddr": MAC, "bridge": "vmbr0"}),
    ("e1000,bridge=vmbr1,tag=77,firewall=1", {"model": "e1000", "bridge": "vmbr1", "tag": "77", "firewall": "1"}),
    ("model=virtio,macaddr=%s,bridge=vmbr0" % MAC, {"model": "virtio", "macaddr": MAC, "bridge": "vmbr0"}),
])
def test_parse_nic(text, expected):
    assert pv.parse_nic(text) == expected


@pytest.mark.parametrize("spec, current, expected", [
    # same card, MAC chosen by Proxmox: nothing to write
    ({"bridge": "vmbr0"}, "virtio=%s,bridge=vmbr0" % MAC, None),
    ({"bridge": "vmbr0", "firewall": False}, "virtio=%s,bridge=vmbr0,firewall=0" % MAC, None),
    ({"bridge": "vmbr1", "tag": 77}, "virtio=%s,bridge=vmbr1,tag=77" % MAC, None),
    # a new VLAN keeps the MAC
    ({"bridge": "vmbr1", "tag": 78}, "virtio=%s,bridge=vmbr1,tag=77" % MAC,
     "virtio=%s,bridge=vmbr1,firewall=0,tag=78" % MAC),
    # no tag asked: an existing one goes
    ({"bridge": "vmbr1"}, "virtio=%s,bridge=vmbr1,tag=77" % MAC, "virtio=%s,bridge=vmbr1,firewall=0" % MAC),
    # settings nobody manages here stay
    ({"bridge": "vmbr2"}, "virtio=%s,bridge=vmbr0,rate=100,queues=4" % MAC,
     "virtio=%s,bridge=vmbr2,firewall=0,queues=4,rate=100" % MAC),
    # a MAC asked for wins, in any case
    ({"bridge": "vmbr0", "macaddr": "bc:24:11:00:00:01"}, "virtio=%s,bridge=vmbr0" % MAC,
     "virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=0"),
    ({"bridge": "vmbr0", "macaddr": MAC.lower()}, "virtio=%s,bridge=vmbr0" % MAC, None),
    # a new card: Proxmox chooses the MAC
    ({"bridge": "vmbr1", "model": "e1000"}, None, "e1000,bridge=vmbr1,firewall=0"),
    ({"bridge": "vmbr0", "model": "e1000"}, "virtio=%s,bridge=vmbr0" % MAC, "e1000=%s,bridge=vmbr0,firewall=0" % MAC),
])
def test_nic_value(spec, current, expected):
    assert pv.nic_value(spec, current) == expected


def test_a_bad_mac_is_refused():
    with pytest.raises(pv.ProxmoxVmError, match="is not a MAC address"):
        pv.nic_value({"bridge": "vmbr0", "macaddr": "bc:24:11"}, None)


KEYS = ["ssh-ed25519 AAAAC3Nza+/key1 me@laptop", "ssh-rsa AAAAB3Nza key2"]


@pytest.mark.parametrize("current, same", [
    (quote("\n".join(KEYS) + "\n", safe=""), True),
    (quote("\n".join(reversed(KEYS)), safe=""), True),           # order does not matter
    (quote(KEYS[0] + "\n", safe=""), False),
    (None, False),
])
def test_same_sshkeys(current, same):
    assert pv.same_sshkeys(current, pv.sshkeys_text(KEYS)) is same


def test_sshkeys_are_encoded_as_proxmox_wants():
    text = pv.sshkeys_text(["ssh-ed25519 AAA+b/c me@x\n", ""])
    assert text == "ssh-ed25519%20AAA%2Bb%2Fc%20me%40x%0A" and " " not in text


@pytest.mark.parametrize("key, current, desired, same", [
    ("memory", "4096", "4096", True), ("memory", 4096, "4096", True), ("memory", "2048", "4096", False),
    ("cores", "4", "4", True), ("onboot", "1", "1", True), ("onboot", 1, "1", True), ("onboot", "0", "1", False),
    ("agent", "enabled=1,fstrim_cloned_disks=1", "1", True), ("agent", "1,type=virtio", "1", True),
    ("agent", "0", "1", False), ("tags", "b;a", "a;b", True), ("tags", "A,b", "a;b", True),
    ("tags", "a", "a;b", False), ("ipconfig0", "gw=10.0.0.1,ip=10.0.0.5/24", "ip=10.0.0.5/24,gw=10.0.0.1", True),
    ("ipconfig0", "ip=dhcp", "ip=10.0.0.5/24", False), ("cpu", "host", "host", True),
    ("name", None, "lb1", False),
])
def test_same_value(key, current, desired, same):
    assert pv.same_value(key, current, desired) is same


def test_effective_config_is_what_the_next_start_uses():
    pending = [{"key": "cores", "value": "2", "pending": "4"}, {"key": "memory", "value": "4096"},
               {"key": "net1", "value": "virtio,bridge=vmbr1", "delete": 1}, {"key": "tags", "pending": "a"}]
    assert pv.effective_config(pending) == {"cores": "4", "memory": "4096", "tags": "a"}
    assert pv.pending_keys(pending) == ["cores", "net1", "tags"]


CURRENT = {"name": "lb1", "cores": "4", "memory": "4096", "onboot": "1", "tags": "balancer;hastack",
           "net0": "virtio=%s,bridge=vmbr0" % MAC, "ipconfig0": "ip=172.22.76.14/24,gw=172.22.76.1",
           "sshkeys": pv.sshkeys_text(KEYS), "ciuser": "debian", "cipassword": "**********",
           "scsi0": "local-lvm:vm-100-disk-0,size=20G"}
PARAMS = {"name": "lb1", "cores": 4, "memory": 4096, "onboot": True, "tags": ["hastack", "Balancer"],
          "nics": [{"bridge": "vmbr0"}], "ipconfig": [{"ip": "172.22.76.14/24", "gw": "172.22.76.1"}],
          "sshkeys": KEYS, "ciuser": "debian", "cipassword": "secret"}


@pytest.mark.parametrize("changes, expected", [
    ({}, {}),
    ({"memory": 8192}, {"memory": "8192"}),
    ({"cores": None, "memory": None}, {}),                          # unset options are not managed
    ({"onboot": False}, {"onboot": "0"}),
    ({"tags": ["hastack"]}, {"tags": "hastack"}),
    ({"nics": [{"bridge": "vmbr0"}, {"bridge": "vmbr1", "tag": 77}]}, {"net1": "virtio,bridge=vmbr1,firewall=0,tag=77"}),
    ({"ipconfig": [{"ip": "172.22.76.15/24", "gw": "172.22.76.1"}]}, {"ipconfig0": "ip=172.22.76.15/24,gw=172.22.76.1"}),
    ({"name": "lb1-new"}, {"name": "lb1-new"}),
])
def test_config_changes(changes, expected):
    assert pv.config_changes(CURRENT, dict(PARAMS, **changes)) == expected


def test_a_password_is_only_set_when_the_vm_has_none():
    current = dict(CURRENT)
    del current["cipassword"]
    assert pv.config_changes(current, PARAMS) == {"cipassword": "secret"}


@pytest.mark.parametrize("size, expected", [
    (None, None), ("20G", None), ("20480M", None), ("32G", "32G"), ("1T", "1T"),
])
def test_disk_resize(size, expected):
    assert pv.disk_resize(CURRENT, "scsi0", size) == expected


@pytest.mark.parametrize("disk, size, message", [
    ("scsi0", "10G", "disk_size=10G is smaller than scsi0's 20G: Proxmox cannot shrink a disk. Keep disk_size at 20G"),
    ("virtio0", "10G", "disk virtio0 does not exist on this VM: set disk to one of scsi0"),
])
def test_disk_resize_refuses(disk, size, message):
    with pytest.raises(pv.ProxmoxVmError, match=message.replace(".", r"\.")):
        pv.disk_resize(CURRENT, disk, size)


def test_cloud_init_drive():
    assert pv.has_cloudinit_drive({"ide2": "local-lvm:vm-100-cloudinit,media=cdrom"})
    assert not pv.has_cloudinit_drive({"scsi0": "local-lvm:vm-100-disk-0,size=8G", "ipconfig0": "ip=dhcp"})


def test_masked_hides_the_password_and_decodes_keys():
    shown = pv.masked({"cipassword": "secret", "sshkeys": pv.sshkeys_text(KEYS[:1]), "cores": "4"})
    assert shown == {"cipassword": "********", "sshkeys": KEYS[0] + "\n", "cores": "4"}
    assert pv.masked({"cipassword": None}) == {"cipassword": None}


NODES = [{"node": "pve1", "status": "online", "mem": 6, "maxmem": 10, "cpu": 0.1},
         {"node": "pve2", "status": "online", "mem": 2, "maxmem": 10, "cpu": 0.5},
         {"node": "pve3", "status": "online", "mem": 2, "maxmem": 10, "cpu": 0.2},
         {"node": "pve4", "status": "offline"}]


@pytest.mark.parametrize("vms, name, apart, allowed, expected", [
    ([], "db1", [], None, "pve3"),                                  # least memory, then least CPU
    ([{"name": "db1", "node": "pve3"}], "db2", ["db1", "db2"], None, "pve2"),
    ([{"name": "db1", "node": "pve3"}, {"name": "db2", "node": "pve2"}], "db3", ["db1", "db2", "db3"], None, "pve1"),
    ([{"name": "web1", "node": "pve3"}], "db1", ["db2"], None, "pve3"),  # other groups do not count
    ([{"name": "db1", "node": "pve3"}], "db1", ["db1"], None, "pve3"),   # itself does not count
    ([], "db1", [], ["pve1", "pve4"], "pve1"),
])
def test_choose_node(vms, name, apart, allowed, expected):
    assert pv.choose_node(NODES, vms, name, apart, allowed) == expected


def test_choose_node_says_why_each_node_was_refused():
    vms = [{"name": "db1", "node": "pve1"}, {"name": "db2", "node": "pve2"}, {"name": "db3", "node": "pve3"}]
    with pytest.raises(pv.ProxmoxVmError) as raised:
        pv.choose_node(NODES, vms, "db4", ["db1", "db2", "db3", "db4"])
    assert str(raised.value) == ("no node can take db4: pve1 holds db1; pve2 holds db2; pve3 holds db3; pve4 is "
                                 "offline. Keep-apart groups need as many online nodes as members.")


@pytest.mark.parametrize("used, start, skip, expected", [
    ([], 100, (), 100), ([100, 101, 103], 100, (), 102), ([100], 100, (101,), 102), ([5000], 9000, (), 9000),
])
def test_free_vmid(used, start, skip, expected):
    assert pv.free_vmid(used, start, skip) == expected


@pytest.mark.parametrize("status, message, kind", [
    (500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", "lock"),
    (500, "VM is locked (backup)", "lock"),
    (500, "checksum mismatch (file change by other user?)", "checksum"),
    (500, "cluster not ready - no quorum?", "quorum"),
    (595, "No route to host", "offline"),
    (500, "unable to create VM 100: config file already exists", "exists"),
    (403, "Permission check failed", "auth"),
    (500, "something else", "other"),
])
def test_classify_error(status, message, kind):
    assert pv.classify_error(status, message) == kind


@pytest.mark.parametrize("status, failed", [
    ({"status": "running"}, None), ({"status": "stopped", "exitstatus": "OK"}, None),
    ({"status": "stopped", "exitstatus": "WARNINGS: 1"}, None),
    ({"status": "stopped", "exitstatus": "VM quit/powerdown failed - got timeout"},
     "VM quit/powerdown failed - got timeout"),
])
def test_task_failed(status, failed):
    assert pv.task_failed(status) == failed


# ---------------------------------------------------------------- input, before any call

@pytest.mark.parametrize("params, expected", [
    ({"memory": 4096, "cores": 4, "disk_size": "20G", "ipconfig": [{"ip": "10.0.0.5/24", "gw": "10.0.0.1"}]}, []),
    ({"memory": 8}, ["memory=8: it must be 16 or more (MiB)"]),
    ({"cores": 0, "sockets": 0}, ["cores=0: it must be 1 or more", "sockets=0: it must be 1 or more"]),
    ({"vmid": 99}, ["vmid=99: it must be 100 or more"]),
    ({"disk_size": "20"}, ["disk_size=20: a VM disk of less than 1G is surely a mistake; use G (20G)"]),
    ({"disk_size": "big"}, ["disk_size: 'big' is not a size: use a number with K, M, G or T (e.g. 20G)"]),
    ({"disk": "hda"}, ["disk='hda' is not a disk slot (scsi0, virtio0, sata0, ide0...)"]),
    ({"node": "pve 2", "nodes": ["pve1", "-x"]}, ["node='pve 2' is not a node name (letters, digits and inner hyphens)",
                                                  "nodes[1]='-x' is not a node name (letters, digits and inner "
                                                  "hyphens)"]),
    ({"nics": [{"bridge": "vmbr0", "model": "virtio", "tag": 0, "mtu": 100, "macaddr": "zz"}]},
     ["nics[0]: tag 0 is not a VLAN id (1-4094)", "nics[0]: mtu 100 is outside 576-65520",
      "nics[0]: macaddr 'zz' is not a MAC address (aa:bb:cc:dd:ee:ff)"]),
    ({"nics": [{"bridge": "vmbr0"}], "ipconfig": [{"ip": "dhcp"}, {"ip": "dhcp"}]},
     ["ipconfig has 2 entries for 1 nics: one per card, in the same order"]),
    ({"ipconfig": [{"gw": "10.0.0.1"}]}, ["ipconfig[0] needs ip (an address with its prefix length, or dhcp) or ip6"]),
    ({"ipconfig": [{"ip": "10.0.0.5"}]},
     ["ipconfig[0]: ip '10.0.0.5' must be an IPv4 address with its prefix length (172.22.77.14/24) or dhcp"]),
    ({"ipconfig": [{"ip": "dhcp", "gw": "10.0.0.1"}]},
     ["ipconfig[0]: gw is given with ip=dhcp, where DHCP gives the gateway"]),
    ({"ipconfig": [{"ip": "10.0.0.5/24", "gw": "10.0.1.1"}]},
     ["ipconfig[0]: gw 10.0.1.1 is outside 10.0.0.5/24's network 10.0.0.0/24"]),
    ({"ipconfig": [{"ip": "10.0.0.5/24", "gw": "fe80::1"}]}, ["ipconfig[0]: gw 'fe80::1' is not an IPv4 address"]),
    ({"ipconfig": [{"ip6": "2001:db8::5", "gw6": "10.0.0.1"}]},
     ["ipconfig[0]: ip6 '2001:db8::5' must be an IPv6 address with its prefix length, dhcp or auto",
      "ipconfig[0]: gw6 '10.0.0.1' is not an IPv6 address"]),
    ({"ipconfig": [{"ip6": "auto"}]}, []),
])
def test_input_problems(params, expected):
    assert pv.input_problems(params) == expected


STATES = [{"node": "pve1", "status": "online"}, {"node": "pve2", "status": "offline"}, {"node": "pve3"}]


@pytest.mark.parametrize("name, expected", [
    ("pve1", None),
    ("pve2", "node pve2 is offline: bring it back, or choose another node"),
    ("pve3", "node pve3 is unknown: bring it back, or choose another node"),
    ("pve9", "node pve9 is not a node of this cluster (it has pve1, pve2, pve3)"),
])
def test_node_problem(name, expected):
    assert pv.node_problem(STATES, name) == expected


def test_new_vm_view_is_the_template_with_every_change_the_task_writes():
    base = {"cores": "1", "memory": "2048", "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0",
            "scsi0": "local-lvm:base-9000-disk-0,size=10G"}
    params = {"cores": 4, "memory": 2048, "disk_size": "20G", "nics": [{"bridge": "vmbr0"}, {"bridge": "vmbr1", "tag": 77}]}
    view, written = pv.new_vm_view(base, params)
    assert view == {"cores": "4", "memory": "2048", "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0",
                    "net1": "virtio,bridge=vmbr1,firewall=0,tag=77", "size": "20G"}
    assert written == ["cores", "net1"]


@pytest.mark.parametrize("errors, text", [
    ({"memory": "value must have a minimum value of 16\n", "cores": "type check ('integer') failed"},
     "cores: type check ('integer') failed; memory: value must have a minimum value of 16"),
    (None, ""), ("plain", "plain"),
])
def test_parameter_errors(errors, text):
    assert pv.parameter_errors(errors) == text


def test_masked_shows_no_none_string():
    assert pv.masked({"sshkeys": None, "cipassword": "x"}) == {"sshkeys": None, "cipassword": "********"}
