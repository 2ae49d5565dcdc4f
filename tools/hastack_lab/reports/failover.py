"""The balancer experiment's report and timelines, from a run's data alone."""

from __future__ import annotations

from pathlib import Path

from .. import probe as fl
from .. import stats
from . import pyplot


def plot(out: Path, fault: str, timelines: dict) -> str:
    """timeline-<fault>.png of each arm's median trial; its name ('' without matplotlib)."""
    plt = pyplot()
    if plt is None:
        return ""

    fig, axes = plt.subplots(len(timelines), 1, figsize=(10, 2.6 * len(timelines)), squeeze=False)
    for ax, (arm, (result, answers)) in zip(axes[:, 0], timelines.items()):
        rows = {"failed": 0}
        for a in answers:
            if a["ok"]:
                rows.setdefault(a["balancer"] or "?", len(rows))
        for label, y in rows.items():
            xs = [a["done"] * 1000 for a in answers if (a["ok"] and (a["balancer"] or "?") == label)
                  or (label == "failed" and not a["ok"])]
            ax.scatter(xs, [y] * len(xs), s=2, color="tab:red" if label == "failed" else None)
        ax.axvline(0, color="black", linewidth=1)
        ax.set_yticks(list(rows.values()), list(rows.keys()))
        ax.set_xlabel("ms after the fault (answers by completion time)")
        ax.set_title("%s, %s: median trial, downtime %.0f ms" % (fault, arm, result["downtime_ms"] or -1))
    fig.tight_layout()
    name = "timeline-%s.png" % fault
    fig.savefig(out / name, dpi=110)
    plt.close(fig)
    return name


def client_cell(clients: list[dict], key: str) -> str:
    """'failed of requests' summed over the trials, or '-' for runs without the client."""
    if not clients:
        return "-"
    return "%d of %d" % (sum(c[key] for c in clients), sum(c["requests"] for c in clients))


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment failover, from its results.json: the trials
    per fault and arm, the soak, the promises when the run checked them (`broken_promises`
    present) and the timeline plots it drew (`plots`, fault -> file)."""
    results, started, trials = data["results"], data["started"], data["trials"]
    # runs before 2026-12-06 had one soak, with the site's settings
    soaks = data.get("soaks") or ({"site": data["soak"]} if data.get("soak") else {})
    arms = list(data["arms"])
    faults = data.get("faults") or list(dict.fromkeys(r["fault"] for r in results))
    broken, plots = data.get("broken_promises"), data.get("plots", {})
    lines = [
        "# Balancer failover on the local lab",
        "",
        "Run %s with `tools/lab experiment failover --trials %d` (%s). Probe: HTTP GET of "
        "`/haproxy-alive` on the VIP every 1 ms, a new TCP connection each time, 100 ms "
        "timeout. Downtime: the longest gap between good answers after the fault. "
        "Each trial hits whichever balancer holds the VIP." % (
            started, trials, ", ".join(faults) if trials else "no trials, soak only"),
        "",
        "| fault | arm | trials | min ms | median ms | p95 ms | max ms | mean ms "
        "| ordinary client: failed in flight | ordinary client: failed, started after the fault |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for fault in faults:
        for arm in arms:
            rows = [r for r in results if r["fault"] == fault and r["arm"] == arm]
            s = stats.summary([r["downtime_ms"] for r in rows if r["downtime_ms"] is not None])
            if not s["n"]:
                continue
            clients = [r["client"] for r in rows if "client" in r]
            lines.append("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s |" % (
                fault, arm, s["n"], s["min"], s["median"], s["p95"], s["max"], s["mean"],
                client_cell(clients, "failed_in_flight"), client_cell(clients, "failed_after")))
    lines += ["| paper (hard failure of the active balancer) | - | 50 | %.0f | - | - | %.0f | %.0f | - | - |"
              % (fl.PAPER_RANGE_MS[0], fl.PAPER_RANGE_MS[1], fl.PAPER_MEAN_MS), ""]
    for fault in faults:
        tuned = stats.summary([r["downtime_ms"] for r in results if r["fault"] == fault and r["arm"] == "tuned"
                            and r["downtime_ms"] is not None])
        default = stats.summary([r["downtime_ms"] for r in results if r["fault"] == fault and r["arm"] == "default"
                              and r["downtime_ms"] is not None])
        if tuned.get("n") and default.get("n"):
            line = "- %s: median %.0f ms tuned vs %.0f ms with advert_int 1 (%.1fx)" % (
                fault, tuned["median"], default["median"], default["median"] / tuned["median"])
            if fault == "hard-kill":  # the paper measured a hard failure only
                line += "; the paper's mean (1787 ms) is %.1fx the tuned median" % (
                    fl.PAPER_MEAN_MS / tuned["median"])
            lines.append(line + ".")
    lines += ["", "The ordinary client: 4 threads in a separate process, each sending one request "
              "after another (10 ms apart) with Python's http.client: the kernel's standard TCP "
              "behaviour (SYN retransmits after 1 s, orderly close) and a 5 s timeout. Its failed "
              "requests are counted by when they started: in flight at the fault (for a kill: sent "
              "before the kill command returned; for a graceful stop: before the stop began), or "
              "after it. 'failed of requests' is the sum over all trials; results.json has each "
              "trial's error kinds (`client.errors`).",
              "", "Trials whose probe saw no answer on one side of the fault have no downtime and are "
              "listed in results.json with `downtime_ms: null`: %d." % sum(r["downtime_ms"] is None for r in results),
              ""]
    if data.get("realtime"):
        lines += ["How keepalived's processes were scheduled in each arm (`chrt -p`, the parent first):", ""]
        lines += ["- %s: %s" % (arm, "; ".join("%s %s" % kv for kv in sorted(hosts.items())))
                  for arm, hosts in data["realtime"].items()] + [""]
    if broken is not None:  # --check
        lines += ["## Promises", "", "Checked by `--check` (probe.broken_promises): trials ran and the VIP "
                  "moved in each; the ordinary client lost nothing it started after a fault; every tuned "
                  "trial stayed under %.0f ms (the paper's fastest took %.0f)%s%s."
                  % (fl.BOUND_MS, fl.PAPER_RANGE_MS[0],
                     "; the tuned median is below advert_int 1's" if {"tuned", "default"} <= set(arms) else "",
                     "; a soak with the tuned settings saw no VRRP transition" if soaks else ""), ""]
        lines += ["- **broken:** " + b for b in broken] if broken else ["Every promise kept."]
        lines += [""]
    for arm, soaked in soaks.items():
        lines += soak_lines(arm, soaked)
    for fault, name in plots.items():
        lines += ["![%s](%s)" % (fault, name), ""]
    return "\n".join(lines)


def soak_lines(arm: str, soaked: dict) -> list[str]:
    """The report's section for one soak."""
    stream = soaked.get("stream")
    lines = ["## Soak, %s: %d s under load, no faults" % (arm, soaked["seconds"]), "",
             "`%s` for %d s with the %s settings%s, a probe of the VIP every 10 ms, the VIP holder sampled "
             "every 5 s. Highest 1-minute load average on the host: %.1f." % (
                 soaked["stress"], soaked["seconds"], arm,
                 ", while the site experiment's stream asked for the demo page through the VIP" if stream else "",
                 soaked["loadavg_max"]), "",
             "- VRRP transitions (spurious, since nothing failed): **%d**" % len(soaked["transitions"]),
             "- samples with the VIP elsewhere than on %s: %d" % (soaked["holder"], soaked["holder_changes"]),
             "- probe requests failed: %d of %d" % (soaked["probe_failed"], soaked["probe_requests"])]
    if stream:
        lines.append("- the stream's requests failed: %d of %d; longest time without an answer %.0f ms" % (
            stream["failed"], stream["requests"], stream["longest_gap_ms"]))
    if soaked.get("rt"):
        lines.append("- keepalived's scheduling: %s" % "; ".join("%s %s" % kv for kv in sorted(soaked["rt"].items())))
    lines.append("")
    if soaked["probe_failed"] and not soaked["transitions"] and not soaked["holder_changes"]:
        kinds = soaked.get("probe_errors")
        lines += ["The VIP never moved (no transition, every sample on %s), so the failed probe requests "
                  "are not failovers: %s." % (soaked["holder"], (
                      "their errors were " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
                      if kinds else "this run did not record their kind"), ""]
    return lines + ["    " + t for t in soaked["transitions"]] + ([""] if soaked["transitions"] else [])
