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


def recap(output: str) -> dict:
    """The play recap of ansible-playbook's output: {"changed": {host: n}, "failed": {host: n}}."""
    rows = RECAP.findall(output)
    return {"changed": {h: int(c) for h, _, c, _, _ in rows}, "failed": {h: int(f) for h, _, _, _, f in rows}}


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
    start = time.monotonic()
    rc, output = playbook.run(name, collections=collections, timeout=1800)
    seconds = round(time.monotonic() - start, 1)
    return {"playbook": name, "from": source, "seconds": seconds, "rc": rc, **recap(output),
            "changed_tasks": sl.changed_tasks(output)}
