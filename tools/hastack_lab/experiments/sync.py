"""How fast files written on one web server appear on the other (rsync_sync), on the lab.

    tools/lab experiment sync [--files 50] [--interval 0.2] [--out docs/results/<date>/rsync-propagation]

Writes --files files, one every --interval seconds, into the first synced directory on
the primary (web1) and watches for each on the peer (web2). A watcher inside web2 polls
every 5 ms; both sides stamp with the realtime clock, which the lab's containers share
with the host kernel. The lag of a file is arrival minus write. Writes report.md and
results.json to --out. Runs only inside the lab's containers; loops are bounded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import uuid
from pathlib import Path

from .. import stats
from ..cluster import Cluster
from ..results import out_or_exit
from ..shell import in_container

WATCH = r"""
import json, os, sys, time
names = json.loads(sys.argv[1]); deadline = time.time() + float(sys.argv[2]); seen = {}
while len(seen) < len(names) and time.time() < deadline:
    for n in names:
        if n not in seen and os.path.exists(n):
            seen[n] = time.time()
    time.sleep(0.005)
print(json.dumps(seen))
"""

WRITE = r"""
import json, sys, time
names = json.loads(sys.argv[1]); interval = float(sys.argv[2]); written = {}
for n in names:
    with open(n + ".part", "w") as f:
        f.write("benchmark\n")
    import os; os.rename(n + ".part", n)
    written[n] = time.time()
    time.sleep(interval)
print(json.dumps(written))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lab experiment sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--out", type=Path, help="default: docs/results/<date>/rsync-propagation, or "
                                                 "rsync-propagation-2, ... when a run is there already")
    args = parser.parse_args(argv)
    out = out_or_exit(parser, args.out, "rsync-propagation")
    cluster = Cluster.from_inventory()
    web = cluster.of_kind("web")
    source, target = cluster.container(web[0]), cluster.container(web[1])
    settings = json.loads(in_container(source, "cat", "/etc/hastack/sync-targets.json"))
    directory = settings["directories"][0]["path"].rstrip("/")
    run = uuid.uuid4().hex[:8]
    names = ["%s/bench-%s-%03d" % (directory, run, n) for n in range(args.files)]
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    timeout = args.files * args.interval + 60
    watcher = subprocess.Popen(["docker", "exec", target, "python3", "-c", WATCH, json.dumps(names),
                                str(timeout)], stdout=subprocess.PIPE, text=True)
    written = json.loads(subprocess.run(["docker", "exec", source, "python3", "-c", WRITE,
                                         json.dumps(names), str(args.interval)],
                                        capture_output=True, text=True, check=True, timeout=timeout).stdout)
    seen = json.loads(watcher.communicate(timeout=timeout + 30)[0] or "{}")
    subprocess.run(["docker", "exec", source, "sh", "-c", "rm -f %s/bench-%s-*" % (directory, run)],
                   check=False)
    lags = [round((seen[n] - written[n]) * 1000, 1) for n in names if n in seen]
    missing = [n for n in names if n not in seen]
    summary = stats.summary(lags)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"started": started, "files": args.files, "interval": args.interval,
                                                  "topology": settings["topology"], "source": web[0], "peer": web[1],
                                                  "lags_ms": lags, "missing": missing}, indent=1))
    lines = ["# rsync_sync propagation on the local lab", "",
             "Run %s with `tools/lab experiment sync --files %d --interval %s`: %d files written on %s (one every "
             "%s s, each created under a temporary name and renamed), watched for on %s every 5 ms. Topology: %s; "
             "lsyncd delay as deployed." % (started, args.files, args.interval, args.files, web[0], args.interval,
                                            web[1], settings["topology"]), "",
             "| files | arrived | min ms | median ms | p95 ms | max ms | mean ms |", "|---|---|---|---|---|---|---|"]
    if summary["n"]:
        lines.append("| %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
            args.files, summary["n"], summary["min"], summary["median"], summary["p95"], summary["max"],
            summary["mean"]))
    else:
        lines.append("| %d | 0 | - | - | - | - | - |" % args.files)
    lines += ["", "Target (issue 4): p95 <= 2000 ms over 50 files.", ""]
    if missing:
        lines += ["Files that never arrived within %.0f s: %d." % (timeout, len(missing)), ""]
    (out / "report.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 1 if missing else 0
