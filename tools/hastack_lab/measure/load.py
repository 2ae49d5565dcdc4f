"""The site's load while a playbook changes the lab: the demo's stream through the VIP, and one
writer inside each web server inserting through its local ProxySQL, a connection per statement
(as the demo's PHP makes one per request: a client that keeps one connection and inserts
without pause keeps its backend, auto_increment_delay_multiplex, and no drain can end; see
docs/operations.md). Used by the maintenance and scale experiments.

Lab traffic rules (shared/DESIGN.md): the stream goes to the lab's VIP only, the writers to
the ProxySQL inside each web server; both end by themselves (a deadline, a bound on their
count) and are stopped as soon as the caller is done.
"""

from __future__ import annotations

import time

from .. import proxysql as pl
from .. import site as sl
from ..cluster import Cluster
from ..shell import in_container
from ..site import PAUSE as STREAM_PAUSE
from .proxysql import PAUSE, finish_writers, start_writer, stored_nodes


class SiteLoad:
    """start(), then stop(): hits (the stream's), writes ({web: [write]}) and stored ({(web, n)}).
    `pause`: each stream client's seconds between requests; `write_pause`: each writer's between
    statements. The defaults are the full load (about 1.5 of the lab's 2 CPUs); a longer pause
    leaves a playbook more of them (`rates`)."""

    def __init__(self, env: Cluster, run_id: str, seconds: float, pause: float = STREAM_PAUSE,
                 write_pause: float = PAUSE):
        self.env, self.run_id, self.seconds = env, run_id, seconds
        self.pause, self.write_pause = pause, write_pause
        self.stop_file = "/tmp/hastack-%s.stop" % run_id
        self.webs = env.of_kind("web")
        self.hits: list = []
        self.writes: dict = {}

    def start(self) -> "SiteLoad":
        self.wall, self.mono = time.time(), time.monotonic()
        self.stream = sl.Stream(self.env.vip, max_seconds=self.seconds, pause=self.pause).start()
        self.writers = {web: start_writer(self.env, web, self.run_id, self.seconds, self.stop_file, reconnect=True,
                                          pause=self.write_pause)
                        for web in self.webs}
        return self

    def stop(self) -> "SiteLoad":
        self.ended = time.monotonic()
        self.hits = self.stream.stop()
        for web in self.webs:
            in_container(self.env.container(web), "touch", self.stop_file, check=False)
        self.writes = finish_writers(self.writers, 60)
        for web in self.webs:
            in_container(self.env.container(web), "rm", "-f", self.stop_file, check=False)
        return self

    def stored(self) -> set:
        return set(stored_nodes(self.env, self.run_id))

    def window(self) -> dict:
        """What the stream saw from its start to stop() (not to the end of the caller's cleanup)."""
        return sl.window(self.hits, self.mono, self.ended)

    def rates(self) -> dict:
        """The load as asked for and as it came: the pauses, and requests and statements a second."""
        seconds = max(self.ended - self.mono, 1e-9)
        return {"clients": self.stream.workers, "pause": self.pause, "write_pause": self.write_pause,
                "writers": len(self.webs), "requests_per_s": round(len(self.hits) / seconds, 1),
                "statements_per_s": round(sum(len(w) for w in self.writes.values()) / seconds, 1)}

    def seen(self, start: float, end: float) -> dict:
        """What the stream saw for requests sent in [start, end] (seconds of the wall clock)."""
        return sl.window(self.hits, self.mono + start - self.wall, self.mono + end - self.wall)


def table(env: Cluster) -> None:
    """The writers' table, as the proxysql experiment makes it."""
    in_container(env.container(env.writer_order[0]), "mariadb", "-e", "USE hastack; %s" % pl.SCHEMA)
