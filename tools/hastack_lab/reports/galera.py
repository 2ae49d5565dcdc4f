"""The Galera experiment's report, from a run's data alone."""

from __future__ import annotations

from .. import stats
from ..galera import VICTIM
from . import fmt


def arm_label(data: dict, arm: str) -> str:
    """What an arm set, from the run's own record (older runs had only the two evs arms)."""
    settings = (data.get("settings") or {}).get(arm, "absent")
    if settings == "absent":
        return "evs.suspect_timeout 0.5 s" if arm == "tuned" else "Galera defaults, 5 s"
    if settings is None:
        return "the lab's settings"
    parts = []
    suspect = settings.get("galera_evs_suspect_timeout")
    if suspect is not None:
        parts.append("evs.suspect_timeout %s s" % suspect if suspect else "Galera's evs defaults, 5 s")
    priority = settings.get("galera_realtime_priority")
    if priority is not None:
        parts.append("Galera's thread at SCHED_RR %d" % priority if priority else "Galera's thread at normal priority")
    return ", ".join(parts)


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment galera, from its results.json."""
    lines = ["# Galera experiments (lab)", "", "Run %s with `tools/lab experiment galera %s`." % (
        data["started"], data["argv"]), ""]
    crash = data.get("crash")
    if crash:
        times = [t.get("recovery_s") for t in crash if t.get("recovered")]
        lines += ["## Crash recovery: every node power-cut under write load", "",
                  "One writer per node (autocommit inserts, each acknowledged row recorded); after a random 2-6 s "
                  "every container is killed at once, started again, and playbooks/galera_recover.yml runs. "
                  "Recovery: from the containers' start to every node Synced in a cluster of 3.", "",
                  "Targets: 0 lost acknowledged rows; recovery p95 <= 90 s.", "",
                  "Trials: %d; recovered: %d; lost acknowledged rows: **%d** of %d acknowledged; recovery "
                  "median %s s, p95 %s s, max %s s." % (
                      len(crash), len(times), sum(t.get("lost", 0) for t in crash),
                      sum(t.get("acknowledged", 0) for t in crash), fmt(stats.percentile(times, 0.5)),
                      fmt(stats.percentile(times, 0.95)), fmt(max(times, default=None))), "",
                  "| trial | load before the cut (s) | acknowledged | in doubt | lost | nodes agree | recovery (s) "
                  "| plan |", "|---|---|---|---|---|---|---|---|"]
        for t in crash:
            lines.append("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
                t["trial"], t["load_s"], t.get("acknowledged"), t.get("in_doubt", "-"), t.get("lost", "-"),
                t.get("nodes_agree", "-"), t.get("recovery_s", "failed"), t["plan"]))
        lines += ["", "In doubt: statements that failed when the power went; they may or may not have "
                  "committed, and are not counted as lost.", ""]
    kills = data.get("kill")
    if kills:
        lines += ["## One node's power cut (%s) under write load" % VICTIM, "",
                  "The node is silenced on the host's bridges (ebtables), then killed: no FIN or RST from a "
                  "dying kernel tells its peers, as with a real power loss.", "",
                  "Target: stall <= 1 s with tuned evs.*; 0 lost acknowledged rows.", "",
                  "| arm | trials | stall median (ms) | stall max (ms) | failed on survivors | lost | rejoined by |",
                  "|---|---|---|---|---|---|---|"]
        for arm in data["arms"]:
            rows = [k for k in kills if k["arm"] == arm]
            if not rows:
                continue
            stalls = [k["stall_ms"] for k in rows]
            lines.append("| %s (%s) | %d | %s | %s | %d | %d | %s |" % (
                arm, arm_label(data, arm), len(rows),
                fmt(stats.percentile(stalls, 0.5)), fmt(max((s for s in stalls if s is not None), default=None)),
                sum(k["failed_on_survivors"] for k in rows), sum(k["lost"] for k in rows),
                ", ".join(sorted({k["rejoin"] for k in rows}))))
        lines += ["", "Stall: on each surviving node's connection (one writer each, autocommit inserts one after "
                  "another), the longest time without an acknowledged insert among the gaps that end after the "
                  "fault; the larger of the two survivors. Rejoined by: how the node caught up after it was "
                  "started again (MariaDB starts at boot).", ""]
    # runs before the soak arms kept one soak, with the lab's settings
    soaks = data.get("soaks") or ({"tuned": data["soak"]} if data.get("soak") else {})
    for arm, soaked in soaks.items():
        lines += ["## Soak: %d s of %s, with writers, no fault%s" % (
                      soaked["seconds"], soaked["stress"], ", %s (%s)" % (arm, arm_label(data, arm))
                      if "soaks" in data else ""), "",
                  "Target: 0 false suspicions with the tuned evs.* timeouts.", "",
                  "- false suspicions (\"suspecting node\" in any journal): **%d**; membership changes: %d" % (
                      soaked["false_suspicions"], soaked["view_changes"]),
                  "- Galera's own warnings that a node was not scheduled in time (\"last inactive check more "
                  "than ... ago\"): %s" % (", ".join("%s %d" % (n, e["late_checks"]) for n, e in sorted(soaked["events"].items()))
                                        if all("late_checks" in e for e in soaked["events"].values())
                                        else "not recorded in this run"),
                  "- statements: %d inserts, %d reads; failed: %d" % (soaked["writes"], soaked["reads"],
                                                                        soaked["failed"]),
                  "- commit latency p50 %s ms, p99 %s ms, max %s ms; host load average up to %.1f" % (
                      soaked["commit_ms_p50"], soaked["commit_ms_p99"], soaked["commit_ms_max"],
                      soaked["loadavg_max"])]
        if soaked.get("gcomm_thread"):
            lines.append("- Galera's group-communication thread, as each node logged it: %s" % ", ".join(
                "%s %s" % kv for kv in sorted(soaked["gcomm_thread"].items())))
        lines.append("")
    roll = data.get("rolling")
    if roll:
        lines += ["## Rolling restart under read and write load", "",
                  "Target: 0 failed statements against the surviving nodes; each node rejoins by IST.", "",
                  "playbooks/rolling_restart.yml: exit %d in %s s; rejoined by: %s; failed statements against "
                  "nodes that were not restarting: **%d**; lost acknowledged rows: %d." % (
                      roll["playbook_rc"], roll["seconds"], ", ".join("%s %s" % kv for kv in
                                                                      sorted(roll["transfers"].items())),
                      roll["failed_against_survivors"], roll["lost"]), "",
                  "| node | statements | failed (all) | failed while another node restarted | its restart (s) |",
                  "|---|---|---|---|---|"]
        for name, node in sorted(roll["nodes"].items()):
            lines.append("| %s | %d | %d | %d | %s |" % (name, node["statements"], node["failed"],
                                                        node["failed_while_others_restarted"],
                                                        ", ".join(str(w) for w in node["restart_windows_s"])))
        lines.append("")
    return "\n".join(lines) + "\n"
