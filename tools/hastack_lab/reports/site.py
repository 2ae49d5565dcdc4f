"""The site experiment's report: report.md and the timelines, from a run's data alone."""

from __future__ import annotations

from pathlib import Path

from ..site import BASELINE, BROWSER_LOADS, MODES, TAIL, WINDOW
from . import counts, fmt, pyplot


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment site, from its results.json."""
    lines = ["# The whole system under faults (lab)", "",
             "Run %s with `tools/lab experiment site %s`." % (data["started"], data["argv"]), ""]
    trials = data.get("table5")
    if trials:
        database = sorted({str(t["before"]["database"]) for t in trials})
        lines += ["## The paper's table 5: each server fails in turn", "",
                  "A stream of requests to the demo page through the VIP (4 clients, a new connection and session "
                  "each, 5 s timeout) and one writer per database node run throughout. The server fails "
                  "%.0f s into the stream, is started again %.0f s later, and the stream goes on until every "
                  "server is healthy, plus %.0f s. *Gap*: the longest time no client got a good answer. *Failed*: "
                  "requests that failed, by when they were sent (the fault phase / the recovery phase). *Lost*: "
                  "acknowledged database rows missing afterwards; *stall*: the longest wait for an acknowledged "
                  "insert on the other nodes. A balancer fails while it holds the VIP, as in the paper: "
                  "before its trial the VIP is moved to it (keepalived restarted on the holder), marked *moved from* "
                  "in the VIP column." % (BASELINE, WINDOW, TAIL), "",
                  "Targets: the service keeps working; 0 failed requests; 0 lost rows.", "",
                  "| server | fault | kept working | gap fault / recovery (ms) | failed fault / recovery | "
                  "answered before -> during | VIP before -> during -> after | rows lost | stall (ms) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for t in trials:
            lines.append("| %s | %s | %s | %s / %s | %d of %d / %d of %d | %s -> %s | %s -> %s -> %s | %d of %d | %s |" % (
                t["server"], t["mode"], "**yes**" if t["kept_working"] else "**no**",
                t["fault"]["longest_gap_ms"], t["recovery"]["longest_gap_ms"],
                t["fault"]["failed"], t["fault"]["requests"], t["recovery"]["failed"], t["recovery"]["requests"],
                counts(t["before"]["servers"]), counts(t["fault"]["servers"]),
                (",".join(t["vip"]["before"]) or "-") + (
                    " (moved from %s)" % ",".join(t["vip"]["moved_from"]) if t["vip"].get("moved_from") else ""),
                ",".join(t["vip"]["during"]) or "-",
                ",".join(t["vip"]["after"]) or "-", t["db"]["lost"], t["db"]["acknowledged"],
                fmt(t["db"]["stall_ms_on_others"])))
        errors = {}
        for t in trials:
            for phase in ("fault", "recovery"):
                for error, n in t[phase]["errors"].items():
                    key = "%s %s, %s" % (t["server"], t["mode"], phase)
                    errors.setdefault(key, []).append("%s x%d" % (error, n))
        lines += [""]
        if errors:
            lines += ["Failed requests by error:", ""] + ["- %s: %s" % (k, ", ".join(v)) for k, v in errors.items()]
            lines += [""]
        lines += ["Reads and writes through ProxySQL, as the demo page reported them: %s." % ", ".join(database), ""]
        proxied = [t for t in trials if t["fault"]["writes"] or t["before"]["writes"]]
        if proxied:
            lines += ["ProxySQL's writer order (the role's, most preferred first): %s. *During*: the requests sent "
                      "once the server was down. *After*: the last %.0f s, once every server is healthy again and "
                      "each ProxySQL writes to %s." % (
                          ", ".join(data.get("writer_order", [])) or "-", TAIL,
                          (data.get("writer_order") or ["-"])[0]), "",
                      "| server | fault | reads before -> during -> after | writes before -> during -> after |",
                      "|---|---|---|---|"]
            for t in proxied:
                lines.append("| %s | %s | %s -> %s -> %s | %s -> %s -> %s |" % (
                    t["server"], t["mode"], counts(t["before"]["reads"]), counts(t.get("down", t["fault"])["reads"]),
                    counts(t.get("after", {}).get("reads", {})), counts(t["before"]["writes"]),
                    counts(t.get("down", t["fault"])["writes"]), counts(t.get("after", {}).get("writes", {}))))
            lines += [""]
        for mode in data["modes"]:
            lines += ["![timeline, %s](timeline-%s.png)" % (MODES[mode], mode), ""]
    dist = data.get("distribution")
    if dist:
        wc = dist["without_cookie"]
        lines += ["## Load distribution", "",
                  "%d requests without a cookie (each a new session): %s; failed %d. With the balancers' cookie "
                  "`%s`: %s of %d requests on that server (target 100 %%)." % (
                      wc["requests"], ", ".join("%s %d (%.1f %%)" % (s, c, 100 * wc["share"][s])
                                                for s, c in wc["per_server"].items()),
                      wc["failed"], dist["cookie"] or "none",
                      "%.1f %%" % (100 * dist["stuck_share"]), dist["with_cookie"].get("requests", 0)), ""]
    repl = data.get("replication")
    if repl:
        paper = data.get("replication_table", {})
        lines += ["## Replication", "",
                  "The paper's table: a database created on each node, then listed on every node: %s." % (
                      "each node lists all of them" if paper.get("complete") else "**incomplete**: %s" % paper),
                  "", "Delay from an autocommit insert returning on one node to the row being readable on another "
                  "(each other node asked every 0.5 ms by a thread of its own, with wsrep_sync_wait=0), %d rows from "
                  "each node:" % repl["rows_per_node"],
                  "", "| from -> to | visible | min | median | p95 | max (ms) |", "|---|---|---|---|---|---|"]
        for pair, s in repl["per_pair"].items():
            lines.append("| %s | %d of %d | %s | %s | %s | %s |" % (
                pair, repl["visible"].get(pair, 0), repl["rows_per_node"], s.get("min"), s.get("median"),
                s.get("p95"), s.get("max")))
        a = repl["all"]
        lines += ["", "All pairs: median %s ms, p95 %s ms, max %s ms." % (a.get("median"), a.get("p95"), a.get("max")),
                  ""]
    seen = data.get("browser")
    if seen:
        lines += ["## In a browser", "",
                  "%s, headless, loaded the demo page through the VIP %d times in one session (one profile, so "
                  "the balancers' and PHP's cookies went with each load), over HTTP and over HTTPS." % (
                      seen["chromium"], BROWSER_LOADS), "",
                  "| scheme | served by | balancer saw | session counter | screenshot |", "|---|---|---|---|---|"]
        for scheme in ("http", "https"):
            check = seen[scheme]
            if check.get("error"):
                lines.append("| %s | **error:** %s | | | |" % (scheme, check["error"]))
                continue
            lines.append("| %s | %s | %s | %s | [%s](%s) |" % (
                scheme, ", ".join(str(p["server"]) for p in check["loads"]),
                ", ".join(str(p["via"]) for p in check["loads"]),
                " -> ".join(str(p["count"]) for p in check["loads"]), check["screenshot"], check["screenshot"]))
        lines += [""] + ["![%s](%s)" % (s, seen[s]["screenshot"]) for s in ("http", "https")
                         if seen[s].get("screenshot")] + [""]
    speed = data.get("throughput")
    if speed:
        rates = speed["median_rps"]
        lines += ["## Throughput", "",
                  "`%s` with %d threads and %d connections for %d s, %s each, alternating which goes "
                  "first, asked for a static page (`%s`, %d bytes) through the VIP and directly from %s. "
                  "wrk, the balancers and the web servers share this machine's %d CPUs, "
                  "so the hop through HAProxy costs the web servers CPU it would not on separate machines: "
                  "the ratio here is a lower bound, and cannot reach 0.9 on this machine: `tools/lab experiment cost` "
                  "measures the balancers' cost in CPU per request and added latency instead, which shared CPUs "
                  "do not distort. Only errors through the VIP break a promise: users come "
                  "that way." % (
                      speed["wrk"].split(" [")[0], speed["threads"], speed["connections"], speed["seconds"],
                      "1 round" if speed["rounds"] == 1 else "%d rounds" % speed["rounds"], speed["path"], speed["bytes"], speed["direct_to"], speed["cpus"]), "",
                  "| target | requests/s per round | median | errors |", "|---|---|---|---|"]
        for target, rounds in speed["runs"].items():
            lines.append("| %s | %s | %s | %d |" % (
                "VIP" if target == "vip" else speed["direct_to"] + " directly",
                ", ".join("%.0f" % r["rps"] for r in rounds), rates[target],
                sum(r["non_2xx"] + r["socket_errors"] for r in rounds)))
        ratio = speed["ratio"]
        lines += ["", "VIP / direct: **%s** (target >= %s: %s)." % (
            ratio, speed["target"], "met" if ratio is not None and ratio >= speed["target"] else "**not met**"), ""]
    conv = data.get("converge")
    if conv:
        lines += ["## Converge", "", "`ansible-playbook %s` (%s) on the deployed lab: %s s, exit %d, changed: %s." % (
            conv.get("playbook", "site.yml"), conv.get("from", "the checkout"), conv["seconds"], conv["rc"],
            counts(conv["changed"])), ""]
        tasks = conv.get("changed_tasks") or {}
        lines += ["- %s: %s" % (host, "; ".join(names)) for host, names in tasks.items()]
        lines += [""] if tasks else []
        if conv.get("roles_s"):
            ran = sum((conv.get("ok") or {}).values())
            lines += ["Where the time went (profile_tasks; a task lasts until the next starts): %s. The machine "
                      "was busy for %s CPU-s of its %d CPUs' %s: %d tasks ran on a host (each a module run "
                      "inside that host's container, or a check on the controller), %s CPU-ms each." % (
                          ", ".join("%s %s s" % kv for kv in conv["roles_s"].items()), conv["cpu_s"],
                          conv["cpus"], "%.0f" % (conv["seconds"] * conv["cpus"]), ran,
                          "%.0f" % (1000 * conv["cpu_s"] / ran) if ran else "-"), ""]
    broken = data.get("broken_promises", [])
    lines += ["## Promises", "",
              "What the collection promises, checked on this run's data (`hastack_lab.site.broken_promises`): no "
              "acknowledged row lost; a web or database server's fault and every server's return cost no "
              "request; a balancer's power cut costs at most the requests open on it (one per client); the "
              "VIP is on one balancer; the load is spread and the cookie sticks; every row replicates; a "
              "browser's session stays on one web server and counts up, over HTTP and HTTPS; the static page "
              "is answered without an error; a second converge changes nothing; Galera's group-communication thread runs "
              "at the priority the inventory asks for (%s)." % (", ".join(
                  "%s %s" % (n, t["logged"]) for n, t in sorted((data.get("galera_threads") or {}).items())) or
                  "not recorded in this run"), ""]
    lines += ["- **broken:** %s" % b for b in broken] if broken else ["Every promise this run checked was kept."]
    return "\n".join(lines) + "\n"


def plot(out: Path, data: dict, timelines: dict) -> list[str]:
    """timeline-<mode>.png per fault mode, every request coloured by its web server; the
    files written ([] without matplotlib)."""
    plt = pyplot()
    if plt is None:
        return []
    written = []
    colours = {"": "#999999"}
    palette = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf"]
    for mode in data["modes"]:
        trials = [t for t in data["table5"] if t["mode"] == mode]
        if not trials:
            continue
        fig, axes = plt.subplots(len(trials), 1, figsize=(10, 1.9 * len(trials)), sharex=True, squeeze=False)
        for ax, t in zip(axes[:, 0], trials):
            hits = timelines["%s-%s" % (t["server"], mode)]
            for h in hits:
                colours.setdefault(h["server"], palette[(len(colours) - 1) % len(palette)])
            for server in sorted({h["server"] for h in hits if h["ok"]}):
                pts = [h for h in hits if h["ok"] and h["server"] == server]
                ax.scatter([h["sent"] for h in pts], [(h["done"] - h["sent"]) * 1000 for h in pts], s=3,
                           color=colours[server], label=server)
            bad = [h for h in hits if not h["ok"]]
            if bad:
                ax.scatter([h["sent"] for h in bad], [(h["done"] - h["sent"]) * 1000 for h in bad], s=14,
                           marker="x", color="#d62728", label="failed")
            ax.axvline(0, color="black", linewidth=0.8)
            ax.axvline(t["repair_at_s"], color="black", linewidth=0.8, linestyle="--")
            ax.set_yscale("log")
            ax.set_ylabel("%s\nms" % t["server"])
            ax.legend(loc="upper right", fontsize=7, markerscale=3)
        axes[-1, 0].set_xlabel("seconds from the fault (solid line); dashed: the server started again")
        fig.suptitle("Requests through the VIP, %s of each server, coloured by the web server that answered" %
                     MODES[mode])
        fig.tight_layout()
        fig.savefig(out / ("timeline-%s.png" % mode), dpi=110)
        plt.close(fig)
        written.append("timeline-%s.png" % mode)
    return written
