"""tools/lab gate molecule-failures DIR: for each scenario that `make molecule` marked as failed in DIR
(<scenario>.failed beside <scenario>.log), print why, in a few lines."""

import sys
from pathlib import Path

from .molecule import failure_lines


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    directory = Path(argv[0])
    for marker in sorted(directory.glob("*.failed")):
        scenario = marker.stem
        log = directory / (scenario + ".log")
        print("\n==== molecule scenario %s failed; why, from %s:" % (scenario, log))
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        for line in failure_lines(lines) or ["(nothing recognisable: read the whole log)"]:
            print("  [%s] %s" % (scenario, line))
    return 0
