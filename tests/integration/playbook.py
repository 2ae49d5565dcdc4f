"""Run a playbook against fake hosts on a local connection, for the integration tests."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


def run_playbook(tmp_path, playbook, groups, variables=None, args=(), cached_facts=False):
    """Write `groups` ({group: {host: hostvars}}, or {"": hosts} for ungrouped ones) and
    `variables` as an inventory, run `playbook` (YAML text) with `args`, and return
    (return code, output).

    Every fake host's facts are this machine's, and gathering them costs about a CPU-second a
    host, a third of a seven-host preflight's time. With cached_facts, the full set a play
    gathers implicitly (ANSIBLE_GATHERING=smart) is kept in a JSON fact cache of this test
    process's own (pytest's base temp directory, one per xdist worker) and reused by the next
    such run. Only runs that gather every fact may share it: a play gathering a subset would
    leave the next one without, say, the network interfaces."""
    tree = {"vars": dict({"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                         **(variables or {}))}
    children = dict((group, {"hosts": hosts}) for group, hosts in groups.items() if group)
    if children:
        tree["children"] = children
    if "" in groups:
        tree["hosts"] = groups[""]
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": tree}))
    (tmp_path / "play.yml").write_text(playbook)
    # The fake hosts share names with the lab's; their facts (this machine's) are never kept
    # where a run against the lab could read them.
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
    if cached_facts:
        env.update(ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile", ANSIBLE_GATHERING="smart",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path.parent / "fake-host-full-facts"))
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "play.yml"),
                           *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr
