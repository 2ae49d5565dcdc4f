import pytest

from ansible_collections.hastack.web.plugins.module_utils.host import in_container


@pytest.mark.parametrize("facts, expected", [
    ({"virtualization_role": "guest", "virtualization_type": "docker"}, True),
    ({"virtualization_role": "guest", "virtualization_type": "lxc"}, True),
    ({"virtualization_role": "guest", "virtualization_type": "kvm",
      "virtualization_tech_guest": ["kvm", "container"]}, True),
    ({"virtualization_role": "guest", "virtualization_type": "kvm"}, False),   # a Proxmox VM
    ({"virtualization_role": "host", "virtualization_type": "kvm"}, False),    # a Proxmox node
    ({"virtualization_role": "NA", "virtualization_type": "NA"}, False),
    ({}, False),
    (None, False),
])
def test_in_container(facts, expected):
    assert in_container(facts) is expected
