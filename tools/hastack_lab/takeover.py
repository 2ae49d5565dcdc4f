"""Pure decisions of `tools/lab`, kept apart from Docker so they can be tested by table."""

from __future__ import annotations

from typing import NamedTuple


class Takeover(NamedTuple):
    replace: bool
    why: str


def foreign_container(mounted: str, mounted_exists: bool, running: bool, ci: bool) -> Takeover:
    """What `tools/lab up` does with a container of its name that another checkout made.

    `mounted` is the /etc/hosts file the container mounts (another checkout's .lab/),
    `mounted_exists` whether that file is still on this machine, `running` whether the
    container runs, `ci` whether this is a CI run (the CI environment variable).

    - Its checkout's lab files are gone: Docker cannot start it again and nothing can use
      it, so it is replaced.
    - It is stopped and this is CI: a CI machine is disposable, and a stopped lab on one is
      what an earlier run (or the image the machine was made from) left behind. Replaced.
    - Otherwise it may be somebody's lab, running or paused for later: left alone, and the
      run stops with what to do.
    """
    if mounted and not mounted_exists:
        return Takeover(True, f"its checkout's lab files ({mounted}) are gone, so nothing can start it again")
    if ci and not running:
        return Takeover(True, "it is stopped, and on a CI machine a stopped lab is left over from an earlier run")
    where = f"its /etc/hosts is {mounted}" if mounted else "it mounts no /etc/hosts of this checkout"
    state = "running" if running else "stopped"
    return Takeover(False, f"it belongs to the lab of another checkout ({where}; {state}): remove that lab "
                           "(`tools/lab down` here removes every lab container) and run again")
