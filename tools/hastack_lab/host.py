"""This machine's own tools: the Debian packages the lab and the experiments run from it.

The lab needs docker.io and debootstrap; the site experiment drives a browser (chromium)
and a load generator (wrk). Each is installed from Debian when it is missing and this is
root on Debian; anywhere else the user is told what to install.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable


INSTALL_LOCK = Path("/run/lock" if Path("/run/lock").is_dir() else "/tmp") / "hastack-host-packages.lock"


class HostError(Exception):
    """A problem with this machine the user has to fix; printed without a traceback."""


def is_root_on_debian() -> bool:
    return os.geteuid() == 0 and Path("/etc/debian_version").exists()


def apt_install(packages: list[str], log: Callable[[str], None] = print) -> None:
    log(f"installing {' '.join(packages)} from Debian")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]):
        # and wait for any other apt on this machine instead of failing on its lock
        proc = subprocess.run(cmd[:1] + ["-o", "DPkg::Lock::Timeout=300"] + cmd[1:], env=env,
                              capture_output=True, check=False)
        if proc.returncode != 0:
            raise HostError(f"`{' '.join(cmd)}` failed:\n{proc.stdout.decode()[-2000:]}{proc.stderr.decode()[-2000:]}")


def ensure_commands(commands: dict[str, str], why: str, log: Callable[[str], None] = print) -> dict[str, str]:
    """The path of each command ({command: Debian package}), installing the packages of
    the missing ones when this is root on Debian. Raises HostError naming the packages
    otherwise."""
    missing = {cmd: pkg for cmd, pkg in commands.items() if shutil.which(cmd) is None}
    if missing:
        packages = sorted(set(missing.values()))
        if not is_root_on_debian():
            raise HostError(f"{why} needs {', '.join(sorted(missing))}: install {' '.join(packages)} "
                            f"(Debian/Ubuntu: `apt-get install {' '.join(packages)}`) and run it again.")
        # one installer at a time (pytest -n runs test modules side by side, and apt-get
        # fails at once on a held lock); whoever waited finds the commands there
        with open(INSTALL_LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            missing = {cmd: pkg for cmd, pkg in missing.items() if shutil.which(cmd) is None}
            if missing:
                apt_install(sorted(set(missing.values())), log)
    paths = {cmd: shutil.which(cmd) for cmd in commands}
    still = sorted(cmd for cmd, path in paths.items() if path is None)
    if still:
        raise HostError(f"{why}: {', '.join(still)} not on PATH after installing {', '.join(sorted(missing.values()))}")
    return paths  # type: ignore[return-value]
