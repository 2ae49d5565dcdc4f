"""The ProxySQL experiment's report, from a run's data alone."""

from __future__ import annotations

from .. import proxysql as pl
from ..proxysql import BEFORE, PAUSE


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment proxysql, from its results.json."""
    lines = ["# ProxySQL in the lab", "", "Run %s (`tools/lab experiment proxysql %s`). ProxySQL %s on each web server; "
             "writer order %s." % (data["started"], data["argv"], data["version"], ", ".join(data["writer_order"])),
             ""]
    w = data.get("writer")
    if w:
        lines += ["## The writer's power cut", "",
                  "db3 (the preferred writer) is power-cut (docker kill) %.0f s into writes from both web servers, "
                  "each through its own ProxySQL (autocommit INSERTs, %.0f ms apart, one client per web server). "
                  "*Resume*: from the cut to the first write acknowledged on %s, the later of the two web servers. "
                  "*Failed*: writes the application saw fail. *Lost*: acknowledged writes missing afterwards. "
                  "*Galera's own stall*: the longest wait of a client writing to %s directly, in the same trial: "
                  "the survivors commit nothing until the cluster has evicted the dead node (evs.suspect_timeout), "
                  "and no proxy can beat it. The arms alternate trial by trial: *tuned* is the proxysql role's "
                  "settings, *defaults* ProxySQL's own monitor settings (%s), *retry* the role's with writes "
                  "sent again when their backend dies (query_retries_on_failure=1, "
                  "auto_increment_delay_multiplex=0). *Twice*: failed writes that ProxySQL had sent again "
                  "after they had committed (the table's unique key refused the second copy). The anchor: ProxySQL issue #3053, a Galera writer "
                  "failover of several seconds. Goal: p95 <= 500 ms and 0 failed writes." % (
                      BEFORE, PAUSE * 1000, data["writer_order"][1], data["writer_order"][1],
                      ", ".join("%s=%s" % (k[6:], v) for k, v in pl.PROXYSQL_DEFAULTS.items())), "",
                  "| arm | trials | resume min | median | p95 | max (ms) | Galera's own stall, median / p95 | "
                  "added by ProxySQL, median / p95 | never resumed | failed writes (trials with any) | twice | "
                  "lost of acknowledged |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for arm, s in w["summary"].items():
            r, g, a = s["resume_ms"], s["galera_stall_ms"], s["added_ms"]
            lines.append("| %s | %d | %s | %s | %s | %s | %s / %s | %s / %s | %d | %d (%d) | %d | %d of %d |" % (
                arm, s["trials"], r.get("min", "-"), r.get("median", "-"), r.get("p95", "-"), r.get("max", "-"),
                g.get("median", "-"), g.get("p95", "-"), a.get("median", "-"), a.get("p95", "-"),
                s["never_resumed"], s["failed"], s["trials_with_failures"], s.get("applied_twice", 0), s["lost"],
                s["acknowledged"]))
        errors: dict = {}
        for arm, trials in w["trials"].items():
            for t in trials:
                for e, n in t["failed_errors"].items():
                    errors.setdefault(arm, {}).setdefault(e, 0)
                    errors[arm][e] += n
        lines += [""] + ["- %s, failed writes: %s" % (arm, "; ".join("%s x%d" % en for en in e.items()))
                         for arm, e in errors.items()] + [""]
    k = data.get("kill")
    if k:
        lines += ["## ProxySQL killed on %s" % k["web"], "",
                  "SIGKILL to ProxySQL on %s while 4 clients ask for the demo page through the VIP; systemd starts "
                  "it again (Restart=on-failure). The demo answers 503 when its database path fails, HAProxy retries "
                  "a GET on the other web server, and its health check (through ProxySQL) drains %s. Goal: 0 failed "
                  "GETs." % (k["web"], k["web"]), "",
                  "| trial | failed of requests (10 s) | longest gap (ms) | answered by | ProxySQL active again (s) "
                  "| health check took it out on |", "|---|---|---|---|---|---|"]
        for i, t in enumerate(k["trials"], 1):
            lines.append("| %d | %d of %d | %s | %s | %s | %s |" % (
                i, t["failed"], t["requests"], t["longest_gap_ms"],
                ", ".join("%s %d" % kv for kv in t["servers"].items()), t["proxysql_back_s"],
                ", ".join(t.get("drained_by", [])) or "-"))
        lines += [""]
    i = data.get("isolate")
    if i:
        lines += ["## %s cut off from %s only" % (i["db"], i["web"]), "",
                  "A blackhole route to %s inside %s for %.0f s, while both web servers write through their own "
                  "ProxySQL. The Galera cluster itself stays whole: only %s's ProxySQL loses %s." % (
                      i["db"], i["web"], i["seconds"], i["web"], i["db"]), "",
                  "| web server | phase | writes | failed | acknowledged, by the node that executed them |",
                  "|---|---|---|---|---|"]
        for web, phases in i["per_web"].items():
            for phase, p in phases.items():
                where = ", ".join("%s %d" % kv for kv in p["on"].items()) or "-"
                lines.append("| %s | %s | %d | %d | %s |" % (web, phase, p["writes"], p["failed"], where))
        lines += ["", "Acknowledged writes lost: %d." % i["lost"], ""]
    lag = data.get("lag")
    if lag:
        lines += ["## A reader that falls behind", "",
                  "%s is desynced (wsrep_desync) and its applier held by FLUSH TABLES WITH READ LOCK for %.0f s "
                  "while both web servers write; then unlocked and resynced. ProxySQL takes a reader out when its "
                  "receive queue passes proxysql_max_transactions_behind." % (lag["reader"], lag["hold_s"]), "",
                  "- largest receive queue: %s write-sets" % lag["max_recv_queue"],
                  "- out of %s's readers at %s s; lock released at %s s; back among the readers at %s s" % (
                      lag["web"], lag["out_of_readers_at_s"], lag["lock_released_s"], lag["back_at_s"]),
                  "- writes that failed meanwhile: %d" % lag["failed_writes"], ""]
    if data["broken_promises"]:
        lines += ["## Broken promises", ""] + ["- %s" % b for b in data["broken_promises"]] + [""]
    else:
        lines += ["Every promise checked held.", ""]
    return "\n".join(lines)
