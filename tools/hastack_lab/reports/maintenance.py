"""The rolling maintenance experiment's report, from a run's data alone."""

from __future__ import annotations

from . import site_load


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment maintenance, from its results.json."""
    book, stream, writes = data["playbook"], data["stream"], data["writes"]
    lines = ["# Rolling maintenance under load", "",
             "Run %s (`tools/lab experiment maintenance %s`): `playbooks/rolling_maintenance.yml --limit %s -e "
             "maintenance_action=%s` while %s." % (data["started"], data["argv"], ",".join(data["nodes"]),
                                                    data["action"], site_load(data)), "",
             "The playbook exited %d after %.1f s%s." % (book["rc"], book["seconds"],
                                                         (": " + book["failure"]) if book["failure"] else ""), "",
             "## Each node", "",
             "Its window runs from the first task for it to the end of its last (s from the start of the load, "
             "whole seconds): the cluster's health check, the drain, the action, the return, the health check again.",
             "", "| node | window (s) | requests | failed | longest gap (ms) |", "|---|---|---|---|---|"]
    for node, (start, end) in data["windows"].items():
        seen = data["per_node"].get(node, {})
        lines.append("| %s | %.0f-%.0f | %s | %s | %s |" % (
            node, start, end, seen.get("requests", "-"), seen.get("failed", "-"), seen.get("longest_gap_ms", "-")))
    lines += ["", "## Totals", "",
              "| what | value |", "|---|---|",
              "| requests through the VIP | %d, %d failed %s, longest gap %.0f ms |" % (
                  stream["requests"], stream["failed"], stream["errors"] or "", stream["longest_gap_ms"]),
              "| statements through ProxySQL | %d, %d acknowledged, %d failed (%d more on a writer whose own web server "
              "was being maintained) %s |" % (
                  writes["statements"], writes["acknowledged"], writes["failed"], writes["failed_on_own_web_server"],
                  writes["errors"] or ""),
              "| acknowledged rows lost | %d |" % writes["lost"],
              "| VIP holder before / after | %s / %s |" % (", ".join(data["vip"]["before"]) or "none",
                                                           ", ".join(data["vip"]["after"]) or "none"),
              "| VRRP transitions | %s |" % ("; ".join(data["transitions"]) or "none"), ""]
    broken = data.get("broken_promises", [])
    lines += ["## Promises", ""] + (["- BROKEN: " + b for b in broken] if broken else ["Every promise kept."]) + [""]
    return "\n".join(lines)
