"""tools/lab: the one entry point of the project's tools.

    tools/lab up|status|where|down|image|create ...   the container lab (hastack_lab.lab)
    tools/lab experiment NAME [options]               measure the lab (hastack_lab.experiments)
    tools/lab gate NAME [options]                     a repository check that `make test` runs

`tools/lab experiment NAME --help` and `tools/lab gate NAME --help` describe each one.
The make targets call these; see the Makefile for the ones CI runs.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys
from pathlib import Path

from . import lab
from .host import HostError

EXPERIMENTS = {
    "site": "each server fails in turn under load (the paper's table 5), distribution, replication, converge",
    "failover": "the balancers' failover: power cuts, stops, HAProxy killed, network cut, soak",
    "galera": "Galera: crash recovery, a node's power cut, soak, rolling restart",
    "proxysql": "ProxySQL: the writer's power cut, ProxySQL killed, a node cut off, a lagging reader",
    "sync": "how fast rsync_sync propagates files between the web servers",
    "maintenance": "rolling_maintenance.yml over chosen nodes under the site's load",
    "scale": "database and web nodes added with site.yml, then retired, under the site's load",
    "cost": "what the balancers cost: CPU per request of each tier, latency the VIP hop adds",
}
GATES = {
    "argspecs": ("argspecs", "every role's defaults, argument spec and README agree"),
    "reference": ("reference", "docs/reference/ and the preflight table are generated from the specs (--check)"),
    "diagram": ("diagram", "docs/architecture.svg is drawn from its source (--check)"),
    "molecule-failures": ("molecule_failures", "why each failed Molecule scenario failed, from its log"),
    "sanity": ("sanity.sh", "ansible-test sanity on a copy of the collection"),
    "build-check": ("build-check.sh", "the Galaxy artifact holds what it must and nothing else"),
}
GATES_DIR = Path(__file__).resolve().parent / "gates"


def _parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="tools/lab", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="experiments:\n" + "".join(
                                         "  %-10s %s\n" % item for item in EXPERIMENTS.items())
                                     + "gates:\n" + "".join(
                                         "  %-18s %s\n" % (name, why) for name, (_, why) in GATES.items()))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers = lab.add_commands(sub)
    p_exp = sub.add_parser("experiment", help="run one of the experiments on the deployed lab")
    p_exp.add_argument("name", choices=sorted(EXPERIMENTS))
    p_exp.add_argument("args", nargs=argparse.REMAINDER, help="the experiment's own options (NAME --help)")
    p_gate = sub.add_parser("gate", help="run one of the repository's gates")
    p_gate.add_argument("name", choices=sorted(GATES))
    p_gate.add_argument("args", nargs=argparse.REMAINDER, help="the gate's own options")
    return parser, handlers


def _gate(name: str, args: list[str]) -> int:
    module = GATES[name][0]
    if module.endswith(".sh"):
        return subprocess.run(["bash", str(GATES_DIR / module), *args], check=False).returncode
    return importlib.import_module("hastack_lab.gates." + module).main(args)


def main(argv: list[str] | None = None) -> int:
    # `tools/lab status | head` should end quietly, like any command-line tool
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    if args.command == "experiment":
        return importlib.import_module("hastack_lab.experiments." + args.name).main(args.args)
    if args.command == "gate":
        return _gate(args.name, args.args)
    try:
        handlers[args.command](args)
    except HostError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired as exc:
        print(f"lab: error: `{' '.join(exc.cmd)}` timed out", file=sys.stderr)
        return 1
    return 0
