"""Commands on this machine and in the lab's containers, each bounded by a timeout."""

from __future__ import annotations

import subprocess


class CommandError(RuntimeError):
    """A command exited non-zero where success was required."""


def sh(*cmd: str, check: bool = True, timeout: float = 120) -> str:
    """Run cmd and return its standard output; with check, a non-zero exit raises
    CommandError naming the command and its standard error."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise CommandError("%s failed: %s" % (" ".join(cmd), proc.stderr.strip()))
    return proc.stdout


def in_container(container: str, *cmd: str, check: bool = True, timeout: float = 120) -> str:
    """sh() inside a lab container (docker exec)."""
    return sh("docker", "exec", container, *cmd, check=check, timeout=timeout)
