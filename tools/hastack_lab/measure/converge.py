"""site.yml once more on a deployed cluster: how long it takes and what it changes."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from .. import ROOT, playbook
from .. import site as sl

BIN = ROOT / ".venv" / "bin"
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
# profile_tasks (ansible.cfg) stamps each task's start: "... (0:00:00.252)       0:00:15.085 ****"
STAMPED = re.compile(r"^(?:TASK|RUNNING HANDLER|TASKS RECAP) ?\[?(.*?)\]? \*+\n.*?(\d+):(\d+):(\d+\.\d+) \*+ *$", re.M)


def recap(output: str) -> dict:
    """The play recap of ansible-playbook's output: {"changed": {host: n}, "failed": {host: n},
    "ok": {host: n}} (ok counts the tasks that ran on the host, changed ones included)."""
    rows = RECAP.findall(output)
    return {"changed": {h: int(c) for h, _, c, _, _ in rows}, "failed": {h: int(f) for h, _, _, _, f in rows},
            "ok": {h: int(o) for h, o, _, _, _ in rows}}


def role_seconds(output: str) -> dict[str, float]:
    """Seconds spent in each role's tasks, longest first, from profile_tasks' stamps: a task
    lasts until the next one starts. Tasks outside a role (fact gathering, the playbook's
    own checks) count as "playbook"."""
    stamps = [(name, int(h) * 3600 + int(m) * 60 + float(s)) for name, h, m, s in STAMPED.findall(output)]
    spent: dict[str, float] = {}
    for (name, start), (_, end) in zip(stamps, stamps[1:]):
        role = name.split(" : ", 1)[0].rsplit(".", 1)[-1] if " : " in name else "playbook"
        spent[role] = spent.get(role, 0.0) + end - start
    return {role: round(sec, 1) for role, sec in sorted(spent.items(), key=lambda kv: -kv[1])}


def busy_cpu_seconds() -> float:
    """CPU seconds this machine has spent busy since boot (every CPU, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def collection_problem(collections: Path) -> str:
    """Why hastack.web.site would not come from the collection installed in `collections`
    alone ("" when it would)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections.resolve()))
    listed = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "list", "hastack.web"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120, check=False).stdout
    homes = re.findall(r"^# (\S+)$", listed, re.M)
    if homes != [str(collections.resolve() / "ansible_collections")]:
        return ("--converge-collections: hastack.web would come from %s, not only from %s; install it there with "
                "ANSIBLE_COLLECTIONS_PATH=%s ansible-galaxy collection install -p %s <tarball>" % (
                    homes or "nowhere", collections, collections, collections))
    return ""


def converge(collections: Path | None = None) -> dict:
    """site.yml once more on the deployed lab. With `collections`, the playbook is
    hastack.web.site from the collection installed there (as after a Galaxy install),
    not the checkout's: the lab's inventory and ansible.cfg stay, the collection is that
    copy alone."""
    if collections is None:
        name, source = "site.yml", "the checkout"
    else:
        name, source = "hastack.web.site", "the collection installed in %s" % collections
    start, busy = time.monotonic(), busy_cpu_seconds()
    rc, output = playbook.run(name, collections=collections, timeout=1800)
    seconds = round(time.monotonic() - start, 1)
    return {"playbook": name, "from": source, "seconds": seconds, "rc": rc, **recap(output),
            "changed_tasks": sl.changed_tasks(output), "roles_s": role_seconds(output),
            "cpu_s": round(busy_cpu_seconds() - busy, 1), "cpus": os.cpu_count()}
