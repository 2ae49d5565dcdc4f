"""What every experiment shares: its command line, where it writes, and how it ends.

An experiment module is its orchestration only: it declares its options on a Frame,
calls the measurements in hastack_lab.measure, and hands the data to Frame.save and
Frame.finish. The frame gives each one the same --out (never over another run's results),
the same comma-separated list options checked against their choices, the same
--report-only, the same head of results.json, and the same ending: the broken promises
printed, and exit 1 when there is one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

from .proxysql import PAUSE as WRITE_PAUSE
from .results import out_or_exit
from .site import PAUSE as STREAM_PAUSE


def started() -> str:
    """The moment a run starts, as every results.json records it."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def split_list(text: str) -> list[str]:
    """"a,b,,c" -> ["a", "b", "c"]: a list option as the user typed it."""
    return [item for item in text.split(",") if item]


def unknown_items(values: Iterable[str], choices: Iterable[str]) -> list[str]:
    known = set(choices)
    return [value for value in values if value not in known]


PROXYSQL_MISSING = "ProxySQL is not installed in the lab: deploy with PROXYSQL_DEB set (docs/lab.md)"


def needs_proxysql(args, cluster) -> str:
    """args.cluster: the lab's cluster when ProxySQL runs on it, else None; the problem that
    stops the run ("" with --if-installed, whose run then says it did not run)."""
    args.cluster = cluster if cluster.writer_order else None
    return "" if args.cluster is not None or args.if_installed else PROXYSQL_MISSING


def load_problem(args) -> str:
    """What is wrong with --pause and --write-pause ("" when nothing is)."""
    if min(args.pause, args.write_pause) <= 0:
        return "--pause and --write-pause must be positive (seconds between requests, between statements)"
    return ""


class Frame:
    """One experiment's command line and its results directory.

    name:    the command (`tools/lab experiment NAME`);
    doc:     the module's docstring; its first paragraph is --help's description;
    results: the directory name under docs/results/<date>/ that --out defaults to;
    render:  data -> report.md, the experiment's report (hastack_lab.reports).
    """

    def __init__(self, name: str, doc: str, results: str, render: Callable[[dict], str], *,
                 report_only: bool = True):
        self.results, self.render = results, render
        head, _, rest = doc.partition("\n\n")
        self.parser = argparse.ArgumentParser(prog="tools/lab experiment " + name, description=head, epilog=rest,
                                              formatter_class=argparse.RawDescriptionHelpFormatter)
        self.parser.add_argument("--out", type=Path, help="default: docs/results/<date>/%s, or %s-2, ... when a "
                                                          "run is there already" % (results, results))
        if report_only:
            self.parser.add_argument("--report-only", action="store_true",
                                     help="check the promises again and rewrite report.md from the results.json "
                                          "in --out; run nothing")
        self.lists: dict[str, list[str]] = {}
        self.out = Path(".")
        self.argv = ""
        self.started = ""

    def add(self, *flags, **options) -> None:
        self.parser.add_argument(*flags, **options)

    def add_list(self, flag: str, choices: Iterable[str], help: str, default: Iterable[str] | None = None) -> None:
        """A comma-separated option whose every item must be one of choices."""
        choices = list(choices)
        dest = flag.lstrip("-").replace("-", "_")
        self.lists[dest] = choices
        self.parser.add_argument(flag, default=",".join(choices if default is None else default),
                                 help="%s; comma-separated, of: %s" % (help, ", ".join(choices)))

    def add_if_installed(self) -> None:
        """--if-installed, for an experiment that needs ProxySQL (see needs_proxysql)."""
        self.add("--if-installed", action="store_true",
                 help="without ProxySQL in the lab, say so and exit 0 (make test on a machine with no package)")

    def add_load(self) -> None:
        """--pause and --write-pause, the site load's spacing (hastack_lab.measure.load) for an
        experiment that runs a playbook under it; load_problem() checks them."""
        self.add("--pause", type=float, default=STREAM_PAUSE, help="each stream client's seconds between requests "
                 "(default: the full load, about 1.5 of the lab's 2 CPUs)")
        self.add("--write-pause", type=float, default=WRITE_PAUSE, help="each writer's seconds between statements")

    def not_run(self, reason: str) -> int:
        """Say why the run measured nothing, remove the --out that parse() made, exit 0."""
        print("%s: not run: %s" % (self.parser.prog, reason))
        self.out.rmdir()
        return 0

    def error(self, message: str) -> None:
        """Stop before anything ran, as a bad argument does (exit 2)."""
        self.parser.error(message)

    def parse(self, argv: list[str] | None,
              check: Callable[[argparse.Namespace], str] | None = None) -> argparse.Namespace:
        """The options, the lists split and checked, then check(args) (the experiment's own
        preflight: a message stops the run), and only then --out resolved and made."""
        args = self.parser.parse_args(argv)
        for dest, choices in self.lists.items():
            values = split_list(getattr(args, dest))
            unknown = unknown_items(values, choices)
            if unknown:
                self.error("--%s: unknown %s; choose from %s" % (dest.replace("_", "-"), ", ".join(unknown),
                                                                 ", ".join(choices)))
            setattr(args, dest, values)
        problem = check(args) if check and not getattr(args, "report_only", False) else ""
        if problem:
            self.error(problem)
        self.out = out_or_exit(self.parser, args.out, self.results, report_only=getattr(args, "report_only", False))
        self.out.mkdir(parents=True, exist_ok=True)
        args.out = self.out
        self.argv = " ".join(sys.argv[1:] if argv is None else argv)
        self.started = started()
        return args

    def begin(self, **fields) -> dict:
        """The head of results.json: when the run started (parse() notes it, before anything
        ran: the fields may be a whole run's data) and the command line, then fields."""
        return {"started": self.started, "argv": self.argv, **fields}

    def load(self) -> dict:
        """The results.json in --out (for --report-only)."""
        return json.loads((self.out / "results.json").read_text())

    def save(self, data: dict) -> None:
        """results.json and report.md in --out; safe to call after every trial."""
        (self.out / "results.json").write_text(json.dumps(data, indent=1, default=list) + "\n")
        (self.out / "report.md").write_text(self.render(data))

    def finish(self, broken: list[str] | None, missed: Iterable[str] = ()) -> int:
        """Say where the report is and what it found: 1 when a promise is broken, else 0.
        broken: None when the run checked no promise (nothing is said about them);
        missed: goals the run did not reach, reported, but not a failure."""
        print("report: %s" % (self.out / "report.md"))
        for line in missed:
            print("goal missed: %s" % line)
        for line in broken or []:
            print("BROKEN: %s" % line)
        if broken is not None:
            print("%d promises broken" % len(broken) if broken else "every promise kept")
        return 1 if broken else 0
