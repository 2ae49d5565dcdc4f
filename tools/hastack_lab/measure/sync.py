"""How fast a file written on one web server appears on the other (rsync_sync and lsyncd).

A watcher inside the peer polls every 5 ms; both sides stamp with the realtime clock,
which the lab's containers share with the host kernel. The lag of a file is its arrival
minus its write.
"""

from __future__ import annotations

import json
import subprocess
import uuid

from ..cluster import Cluster
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


def propagation(cluster: Cluster, files: int, interval: float) -> dict:
    """`files` files written on the first web server, one every `interval` seconds, into
    its first synced directory (each under a temporary name, then renamed), watched for on
    the second; removed again afterwards."""
    web = cluster.of_kind("web")
    source, target = cluster.container(web[0]), cluster.container(web[1])
    settings = json.loads(in_container(source, "cat", "/etc/hastack/sync-targets.json"))
    directory = settings["directories"][0]["path"].rstrip("/")
    run = uuid.uuid4().hex[:8]
    names = ["%s/bench-%s-%03d" % (directory, run, n) for n in range(files)]
    timeout = files * interval + 60
    watcher = subprocess.Popen(["docker", "exec", target, "python3", "-c", WATCH, json.dumps(names),
                                str(timeout)], stdout=subprocess.PIPE, text=True)
    try:
        written = json.loads(subprocess.run(["docker", "exec", source, "python3", "-c", WRITE, json.dumps(names),
                                             str(interval)], capture_output=True, text=True, check=True,
                                            timeout=timeout).stdout)
        seen = json.loads(watcher.communicate(timeout=timeout + 30)[0] or "{}")
    finally:
        if watcher.poll() is None:
            watcher.kill()
        subprocess.run(["docker", "exec", source, "sh", "-c", "rm -f %s/bench-%s-*" % (directory, run)], check=False)
    return {"files": files, "interval": interval, "timeout_s": timeout, "topology": settings["topology"],
            "source": web[0], "peer": web[1], "lags_ms": [round((seen[n] - written[n]) * 1000, 1) for n in names if n in seen],
            "missing": [n for n in names if n not in seen]}
