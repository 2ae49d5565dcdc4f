"""What `tools/lab up` does with a container of its name that another checkout made."""

import pytest

from hastack_lab.takeover import foreign_container

OTHER = "/tmp/other/.lab/hastack-lb1/hosts"


@pytest.mark.parametrize("mounted, exists, running, ci, replace, why", [
    # the other checkout is gone: nothing can start or use the container again
    (OTHER, False, False, False, True, "are gone"),
    (OTHER, False, True, False, True, "are gone"),
    (OTHER, False, False, True, True, "are gone"),
    # a CI machine made from an image that held a stopped lab
    (OTHER, True, False, True, True, "left over"),
    # somebody's lab: in use, or stopped for later, outside CI
    (OTHER, True, True, False, False, "another checkout (its /etc/hosts is " + OTHER + "; running)"),
    (OTHER, True, False, False, False, "stopped): remove that lab"),
    # running, even in CI: a run may be using it right now
    (OTHER, True, True, True, False, "running): remove that lab"),
    # a container that mounts no /etc/hosts (made by something else, or an old lab)
    ("", False, False, False, False, "mounts no /etc/hosts"),
    ("", False, False, True, True, "left over"),
    ("", False, True, True, False, "mounts no /etc/hosts"),
])
def test_foreign_container(mounted, exists, running, ci, replace, why):
    decision = foreign_container(mounted, exists, running, ci)
    assert decision.replace is replace
    assert why in decision.why


def test_a_refusal_says_what_to_do():
    assert "`tools/lab down`" in foreign_container(OTHER, True, True, False).why
