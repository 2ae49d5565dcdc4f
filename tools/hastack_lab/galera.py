"""The database side of every experiment: connections to the cluster's nodes as the
application's user, writers that record every acknowledged insert, the rows each node
holds, and the pure summaries the reports are built from (unit-tested in
tools/hastack_lab/tests/test_galera.py)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from .cluster import Cluster

TABLE = "hastack_acked"
VICTIM = "db3"  # the node the Galera experiment cuts (ProxySQL's preferred writer in the lab)
SCHEMA = ("CREATE TABLE IF NOT EXISTS %s (id BIGINT AUTO_INCREMENT PRIMARY KEY, run VARCHAR(40) NOT NULL, "
          "writer VARCHAR(16) NOT NULL, n INT NOT NULL, UNIQUE KEY (run, writer, n)) ENGINE=InnoDB" % TABLE)


@dataclass
class Outcome:
    n: int
    sent: float          # time.monotonic() when the statement was sent
    done: float          # when it returned (acknowledged) or failed
    ok: bool
    error: str = ""
    at: float = 0.0      # time.time() when it returned: to compare with journal timestamps


@dataclass
class Writer:
    """One client connection to one node, inserting rows with autocommit, one at a time.

    A row counts as acknowledged only when the server answered the INSERT's commit.
    A statement that failed may or may not have committed ("in doubt"); it is never
    counted as lost. Reconnects after a failure, with a short pause, until stopped.
    """

    name: str
    host: str
    user: str
    password: str
    run: str
    database: str = "hastack"
    read_every: int = 0          # also SELECT every N inserts (0: never)
    timeout: float = 10.0
    outcomes: list = field(default_factory=list)
    reads: list = field(default_factory=list)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self._loop, args=(stop,), name="writer-" + self.name, daemon=True)
        thread.start()
        return thread

    def _connect(self):
        import pymysql
        return pymysql.connect(host=self.host, user=self.user, password=self.password, database=self.database,
                               autocommit=True, connect_timeout=2, read_timeout=self.timeout,
                               write_timeout=self.timeout)

    def _loop(self, stop: threading.Event) -> None:
        conn, n = None, 0
        while not stop.is_set():
            n += 1
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = self._connect()
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO " + TABLE + " (run, writer, n) VALUES (%s, %s, %s)",
                                (self.run, self.name, n))
                self.outcomes.append(Outcome(n, sent, time.monotonic(), True, at=time.time()))
                if self.read_every and n % self.read_every == 0:
                    read_sent = time.monotonic()
                    with conn.cursor() as cur:
                        cur.execute("SELECT COUNT(*) FROM " + TABLE + " WHERE run = %s AND writer = %s",
                                    (self.run, self.name))
                        cur.fetchone()
                    self.reads.append(Outcome(n, read_sent, time.monotonic(), True, at=time.time()))
            except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is fatal
                self.outcomes.append(Outcome(n, sent, time.monotonic(), False,
                                             type(exc).__name__ + ": " + str(exc)[:120], at=time.time()))
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:  # noqa: BLE001
                        pass
                conn = None
                stop.wait(0.05)
        if conn is not None:
            conn.close()

    def acknowledged(self) -> set:
        return {o.n for o in self.outcomes if o.ok}

    def failed(self) -> list:
        return [o for o in self.outcomes if not o.ok]


def stall_ms(outcomes: list, fault_at: float) -> float | None:
    """The longest time one connection went without an acknowledged write, among the gaps
    that end after the fault, in ms: the write stall the fault caused (failed statements
    in the gap do not end it). None when nothing was acknowledged after the fault."""
    done = sorted(o.done for o in outcomes if o.ok)
    gaps = [b - a for a, b in zip(done, done[1:]) if b > fault_at]
    if not any(d > fault_at for d in done):
        return None
    if done[0] > fault_at:
        gaps.append(done[0] - fault_at)
    return round(max(gaps) * 1000, 1)


def stored(conn, run: str) -> dict:
    """{writer: {n}} of one run's rows, read on `conn` (a PyMySQL connection) after the node
    has applied every write the cluster committed before the read (wsrep_sync_wait)."""
    with conn.cursor() as cur:
        cur.execute("SET SESSION wsrep_sync_wait = 1")
        cur.execute("SELECT writer, n FROM " + TABLE + " WHERE run = %s", (run,))
        found: dict = {}
        for writer, n in cur.fetchall():
            found.setdefault(writer, set()).add(n)
        return found


def lost(acknowledged: dict, present: dict) -> dict:
    """Per writer, the acknowledged row numbers that are not in the database."""
    return {name: sorted(acked - present.get(name, set())) for name, acked in acknowledged.items()
            if acked - present.get(name, set())}


def failures_outside(failures: list, windows: list, margin: float = 1.0) -> list:
    """The failures (each with .at, wall clock) that fall outside every (start, end) window,
    widened by margin seconds: failures against nodes that were not being restarted."""
    return [f for f in failures if not any(start - margin <= f.at <= end + margin for start, end in windows)]


def restart_windows(journal: str) -> list:
    """(down, synced) wall-clock pairs from `journalctl -o short-unix` of mariadb: from the
    shutdown request to 'Synchronized with group' (ready for clients again)."""
    windows, down = [], None
    for line in journal.splitlines():
        stamp, _, text = line.partition(" ")
        try:
            when = float(stamp)
        except ValueError:
            continue
        if down is None and ("Normal shutdown" in text or "Stopping mariadb" in text or "Stopping MariaDB" in text):
            down = when
        elif down is not None and "Synchronized with group, ready for connections" in text:
            windows.append((down, when))
            down = None
    if down is not None:
        windows.append((down, float("inf")))
    return windows


def connect(cluster: Cluster, node: str, database: str | None = "hastack"):
    """A connection to one node as the application's user, autocommit on."""
    import pymysql
    return pymysql.connect(host=cluster.servers[node].address, user=cluster.user, password=cluster.password,
                           database=database, autocommit=True, connect_timeout=5)


def prepare_table(cluster: Cluster, node: str) -> None:
    """The acknowledged-writes table, created through one node (Galera replicates it)."""
    conn = connect(cluster, node)
    with conn.cursor() as cur:
        cur.execute(SCHEMA)
    conn.close()


def writers(cluster: Cluster, run: str, names: list[str], read_every: int = 0) -> list[Writer]:
    """One Writer per node named, each writing straight to its node."""
    return [Writer(name=n, host=cluster.servers[n].address, user=cluster.user, password=cluster.password,
                   run=run, read_every=read_every) for n in names]


def present_rows(cluster: Cluster, node: str, run: str) -> dict:
    """{writer: {n, ...}}: the rows of a run that one node holds, read causally
    (wsrep_sync_wait), so that a row the cluster committed is not missed."""
    conn = connect(cluster, node)
    rows: dict = {}
    with conn.cursor() as cur:
        cur.execute("SET SESSION wsrep_sync_wait = 1")
        cur.execute("SELECT writer, n FROM " + TABLE + " WHERE run = %s", (run,))
        for writer, n in cur.fetchall():
            rows.setdefault(writer, set()).add(n)
    conn.close()
    return rows


# ---------------------------------------------------------------- reading the journal

def rejoin_kind(journal: str) -> str:
    """How a node came back, from its mariadb journal since the fault: "SST", "IST" or "none".
    The SST script runs, and Galera logs "SST received", for an IST too; only a full copy
    makes the script log "Proceeding with SST"."""
    if "Proceeding with SST" in journal:
        return "SST"
    if "IST received" in journal:
        return "IST"
    return "none"


def soak_events(journal: str) -> dict[str, int]:
    """What a node's mariadb journal says about its peers and itself during a soak."""
    return {"suspicions": len(re.findall(r"suspecting node", journal)),
            "inactive": len(re.findall(r"declaring inactive|inactive nodes", journal)),
            "view_changes": len(re.findall(r"New COMPONENT", journal)),
            # Galera's own sign that the node itself was not scheduled for > 0.6 x suspect_timeout
            "late_checks": len(re.findall(r"last inactive check more than", journal))}


def gcomm_policy(journal: str) -> str:
    """The policy Galera last gave its group-communication thread ("other:0", "rr:2"), from
    MariaDB's journal; "?" when it did not say."""
    found = re.findall(r"gcomm thread scheduling priority set to (\S+)", journal)
    return found[-1] if found else "?"


def plan_reason(output: str) -> str:
    """The recovery playbook's decision, from its output ("?" when it printed none)."""
    match = re.search(r"msg: '?((?:none|join|bootstrap|refuse): [^']*)", output)
    return " ".join(match.group(1).split()) if match else "?"
