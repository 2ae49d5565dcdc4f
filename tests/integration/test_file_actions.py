"""hastack.web.template and hastack.web.copy: the builtin's behaviour, with an unchanged file
found by one shell command instead of two module runs.

The proof that no module ran: a run whose Python interpreter is /bin/false. A module run
fails under it (the control case shows so), a shell command does not. Files go to the test's
directory only, on a local connection."""

import os
import re
import shutil
import stat

import pytest
from playbook import run_playbook

PLAY = """
- name: Put a rendered file and a copied one in place
  hosts: box
  gather_facts: false
  tasks:
    - name: Render the template
      {template}:
        src: app.conf.j2
        dest: "{{{{ playbook_dir }}}}/out/app.conf"
        mode: "{{{{ file_mode }}}}"
        validate: "sh -c 'echo validated >> {{{{ playbook_dir }}}}/validations; grep -q port %s'"
    - name: Copy given content
      {copy}:
        content: "{{{{ greeting }}}}\\n"
        dest: "{{{{ playbook_dir }}}}/out/greeting"
        mode: "0600"
"""
OURS = PLAY.format(template="hastack.web.template", copy="hastack.web.copy")
BUILTIN = PLAY.format(template="ansible.builtin.template", copy="ansible.builtin.copy")
RECAP = re.compile(r"^box\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
NO_PYTHON = {"ansible_python_interpreter": "/bin/false"}


@pytest.fixture
def box(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "app.conf.j2").write_text("port {{ port }}\n")
    (tmp_path / "out").mkdir()

    def run(play=OURS, check=False, **variables):
        values = dict(port=8080, greeting="hello", file_mode="0640")
        values.update(variables)
        rc, out = run_playbook(tmp_path, play, {"": {"box": {}}}, values, args=["--check"] if check else [])
        recap = RECAP.search(out)
        assert recap, out[-3000:]
        ok, changed, unreachable, failed = (int(n) for n in recap.groups())
        return dict(rc=rc, ok=ok, changed=changed, unreachable=unreachable, failed=failed, out=out)

    run.path = tmp_path
    return run


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_unchanged_file_needs_no_module_run(box):
    first = box()
    assert (first["rc"], first["changed"]) == (0, 2), first["out"][-3000:]
    assert (box.path / "out" / "app.conf").read_text() == "port 8080\n"
    assert mode(box.path / "out" / "app.conf") == 0o640
    again = box(**NO_PYTHON)
    assert (again["rc"], again["changed"], again["failed"]) == (0, 0, 0), again["out"][-3000:]
    # The control: the builtin needs a module run for the same unchanged files, and fails without Python.
    builtin = box(BUILTIN, **NO_PYTHON)
    assert builtin["rc"] != 0 and builtin["failed"] == 1, builtin["out"][-3000:]


@pytest.mark.parametrize("drift", ["content", "mode", "symbolic"])
def test_any_difference_takes_the_builtins_steps(box, drift):
    assert box()["rc"] == 0
    target = box.path / "out" / "app.conf"
    variables = {}
    if drift == "content":
        target.write_text("port 1\n")
    elif drift == "mode":
        os.chmod(target, 0o644)
    else:
        variables["file_mode"] = "u=rw,g=r"   # the same mode, written in a form only the file module reads
    # Without Python, the builtin's steps (a module run) fail: the shortcut was not taken.
    assert box(**dict(variables, **NO_PYTHON))["failed"] == 1
    result = box(**variables)
    assert result["rc"] == 0, result["out"][-3000:]
    assert result["changed"] == (0 if drift == "symbolic" else 1)
    assert target.read_text() == "port 8080\n" and mode(target) == 0o640


def test_a_change_is_validated_and_check_mode_writes_nothing(box):
    assert box()["rc"] == 0
    assert (box.path / "validations").read_text().count("validated") == 1
    checked = box(check=True, port=9090, greeting="bye")
    assert (checked["rc"], checked["changed"]) == (0, 2), checked["out"][-3000:]
    assert (box.path / "out" / "app.conf").read_text() == "port 8080\n"
    assert (box.path / "out" / "greeting").read_text() == "hello\n"
    changed = box(port=9090, greeting="bye")
    assert (changed["rc"], changed["changed"]) == (0, 2)
    assert (box.path / "out" / "app.conf").read_text() == "port 9090\n"
    assert (box.path / "out" / "greeting").read_text() == "bye\n"
    assert (box.path / "validations").read_text().count("validated") == 2


def test_an_invalid_file_is_refused_and_the_old_one_stays(box):
    assert box()["rc"] == 0
    (box.path / "templates" / "app.conf.j2").write_text("no listener here\n")
    refused = box()
    assert refused["rc"] != 0 and refused["failed"] == 1, refused["out"][-3000:]
    assert "failed to validate" in refused["out"]
    assert (box.path / "out" / "app.conf").read_text() == "port 8080\n"


PATHS = """
- name: Directories, links and absent paths, and an installed package
  hosts: box
  gather_facts: false
  tasks:
    - name: A directory
      {file}:
        path: "{{{{ playbook_dir }}}}/out/conf.d"
        state: directory
        mode: "0750"
    - name: A link to it
      {file}:
        path: "{{{{ playbook_dir }}}}/out/current"
        src: conf.d
        state: link
    - name: A path that must not be there
      {file}:
        path: "{{{{ playbook_dir }}}}/out/stale"
        state: absent
"""
PACKAGE = """
- name: An installed package
  hosts: box
  gather_facts: false
  tasks:
    - name: dpkg, which every Debian has
      {apt}:
        name: [dpkg]
        state: present
        update_cache: true
        cache_valid_time: 3600
"""


def test_paths_already_as_asked_need_no_module_run(box):
    ours = PATHS.format(file="hastack.web.file")
    (box.path / "out" / "stale").write_text("old\n")
    first = box(ours)
    assert (first["rc"], first["changed"]) == (0, 3), first["out"][-3000:]
    assert mode(box.path / "out" / "conf.d") == 0o750
    assert os.readlink(box.path / "out" / "current") == "conf.d"
    assert not (box.path / "out" / "stale").exists()
    again = box(ours, **NO_PYTHON)
    assert (again["rc"], again["changed"], again["failed"]) == (0, 0, 0), again["out"][-3000:]
    assert box(PATHS.format(file="ansible.builtin.file"), **NO_PYTHON)["failed"] == 1
    # A difference is the builtin's to fix.
    os.chmod(box.path / "out" / "conf.d", 0o755)
    assert box(ours, **NO_PYTHON)["failed"] == 1
    fixed = box(ours)
    assert (fixed["rc"], fixed["changed"]) == (0, 1) and mode(box.path / "out" / "conf.d") == 0o750


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="this machine has no dpkg to ask")
def test_an_installed_package_needs_no_module_run(box):
    ours = box(PACKAGE.format(apt="hastack.web.apt"), **NO_PYTHON)
    assert (ours["rc"], ours["changed"], ours["failed"]) == (0, 0, 0), ours["out"][-3000:]
    assert box(PACKAGE.format(apt="ansible.builtin.apt"), **NO_PYTHON)["failed"] == 1
