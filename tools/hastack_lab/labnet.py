"""The lab's network faults, shared by the experiments: silence a container on the host's
bridges (ebtables), with its links left up, as when a switch port fails or the power goes
before the kernel can say goodbye."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .shell import sh


def host_veths(container: str) -> list[str]:
    """The host ends of a container's network interfaces (its links to the lab bridges)."""
    peers = sh("docker", "exec", container, "sh", "-c",
               "for i in /sys/class/net/*; do [ $i = /sys/class/net/lo ] || cat $i/iflink; done").split()
    names = []
    for link in Path("/sys/class/net").iterdir():
        if (link / "ifindex").read_text().strip() in peers:
            names.append(link.name)
    if len(names) != len(peers):
        raise RuntimeError("could not find the host ends of %s's interfaces" % container)
    return names


# One rule per direction and path: frames from the container, to it, and between it and the host.
CUT_RULES = [("INPUT", "-i"), ("FORWARD", "-i"), ("FORWARD", "-o"), ("OUTPUT", "-o")]


def cut(veths: list[str]) -> None:
    for veth in veths:
        for chain, flag in CUT_RULES:
            sh("ebtables", "-A", chain, flag, veth, "-j", "DROP")


def uncut(veths: list[str]) -> None:
    for veth in veths:
        for chain, flag in CUT_RULES:
            for _ in range(10):  # bounded: a rule may be there more than once after a crash
                if subprocess.run(["ebtables", "-D", chain, flag, veth, "-j", "DROP"],
                                  capture_output=True, check=False).returncode:
                    break


def ensure_ebtables() -> None:
    if shutil.which("ebtables"):
        return
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        raise RuntimeError("the network-cut fault needs ebtables: install it (apt-get install ebtables)")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "ebtables"]):
        sh(*cmd, timeout=600)
