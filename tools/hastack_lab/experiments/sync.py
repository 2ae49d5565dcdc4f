"""How fast files written on one web server appear on the other (rsync_sync), on the lab.

    tools/lab experiment sync [--files 50] [--interval 0.2] [--out docs/results/<date>/rsync-propagation]

Writes --files files, one every --interval seconds, into the first synced directory on
the primary (web1) and watches for each on the peer (web2). A watcher inside web2 polls
every 5 ms; both sides stamp with the realtime clock, which the lab's containers share
with the host kernel. The lag of a file is arrival minus write. Writes report.md and
results.json to --out. Runs only inside the lab's containers; loops are bounded.
"""

from __future__ import annotations

from ..cluster import Cluster
from ..experiment import Frame
from ..measure import sync
from ..reports import sync as sync_report


def main(argv: list[str] | None = None) -> int:
    frame = Frame("sync", __doc__, "rsync-propagation", sync_report.render)
    frame.add("--files", type=int, default=50)
    frame.add("--interval", type=float, default=0.2)
    args = frame.parse(argv)
    if args.report_only:
        data = frame.load()
    else:
        data = frame.begin(**sync.propagation(Cluster.from_inventory(), args.files, args.interval))
    frame.save(data)
    print(sync_report.render(data))
    return frame.finish(["%d files never arrived" % len(data["missing"])] if data["missing"] else [])
