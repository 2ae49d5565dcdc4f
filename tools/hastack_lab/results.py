"""Where an experiment writes its results: never over another run's.

Every experiment command writes report.md and results.json to docs/results/<date>/<name>/
by default. A second run on the same day must not overwrite the first: its results are
evidence, and often the one that a later run is compared with.
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from . import ROOT

RESULTS = ("results.json", "report.md")


def holds_results(path: Path) -> bool:
    return any((path / name).exists() for name in RESULTS)


def output_dir(requested: Path | None, default: Path, *, report_only: bool = False) -> Path:
    """The directory a run writes to; ValueError (with the fix) when there is none.

    requested:   --out as the user gave it, or None.
    default:     docs/results/<date>/<name>; when it holds a run already, the run goes to
                 <name>-2, <name>-3, ... instead.
    report_only: the command only rewrites report.md from the results.json already there.
    """
    if report_only:
        path = requested or default
        if not (path / "results.json").exists():
            raise ValueError("%s holds no results.json to rewrite the report from: give the run's --out" % path)
        return path
    if requested is not None:
        if holds_results(requested):
            raise ValueError("%s already holds a run's results: give another --out, or move that run "
                             "away first (it is evidence another run may be compared with)" % requested)
        return requested
    path, n = default, 1
    while holds_results(path):
        n += 1
        path = default.with_name("%s-%d" % (default.name, n))
    return path


def out_or_exit(parser: argparse.ArgumentParser, requested: Path | None, name: str, *,
                report_only: bool = False) -> Path:
    """output_dir for a command whose default is docs/results/<today>/<name>; a refusal
    ends the command with its message, as a bad argument does."""
    try:
        return output_dir(requested, ROOT / "docs" / "results" / datetime.date.today().isoformat() / name,
                          report_only=report_only)
    except ValueError as err:
        parser.error(str(err))
        raise  # parser.error exits; this line is for type checkers
