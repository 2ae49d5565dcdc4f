"""ansible-playbook as the experiments run it: the project's virtualenv, the checkout's
ansible.cfg (so the lab's inventory), extra variables from a file, output kept."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import yaml

from . import ROOT

ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"


class PlaybookError(RuntimeError):
    """A playbook the experiment relies on failed."""


def run(playbook: str | Path, *args: str, extra_vars: dict | None = None, collections: Path | None = None,
        timeout: float = 1200) -> tuple[int, str]:
    """Run a playbook (a path, or a collection's playbook as hastack.web.NAME) with args;
    returns (exit code, stdout + stderr). collections: take hastack.web from there rather
    than from the checkout (the collection as installed from its artifact)."""
    env = dict(os.environ)
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(Path(collections).resolve())
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="hastack-vars-") as varfile:
        cmd = [str(ANSIBLE_PLAYBOOK), str(playbook), *args]
        if extra_vars:
            yaml.safe_dump(extra_vars, varfile)
            varfile.flush()
            cmd += ["-e", "@" + varfile.name]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def apply(what: str, limit: str, tag: str, extra_vars: dict | None = None, timeout: float = 1200) -> None:
    """site.yml's plays for one role on one group, with extra variables (None: the
    inventory's own settings); raises PlaybookError with the output's end on failure."""
    rc, out = run("site.yml", "--limit", limit, "--tags", tag, extra_vars=extra_vars, timeout=timeout)
    if rc != 0:
        raise PlaybookError("configuring %s failed:\n%s" % (what, out[-4000:]))
