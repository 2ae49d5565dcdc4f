"""report.md of tools/lab experiment sync."""

from __future__ import annotations

from .. import stats

TARGET = "p95 <= 2000 ms over 50 files"  # issue 4


def render(data: dict) -> str:
    summary = stats.summary(data["lags_ms"])
    lines = ["# rsync_sync propagation on the local lab", "",
             "Run %s with `tools/lab experiment sync --files %d --interval %s`: %d files written on %s (one every "
             "%s s, each created under a temporary name and renamed), watched for on %s every 5 ms. Topology: %s; "
             "lsyncd delay as deployed." % (data["started"], data["files"], data["interval"], data["files"],
                                            data["source"], data["interval"], data["peer"], data["topology"]), "",
             "| files | arrived | min ms | median ms | p95 ms | max ms | mean ms |", "|---|---|---|---|---|---|---|"]
    if summary["n"]:
        lines.append("| %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
            data["files"], summary["n"], summary["min"], summary["median"], summary["p95"], summary["max"],
            summary["mean"]))
    else:
        lines.append("| %d | 0 | - | - | - | - | - |" % data["files"])
    lines += ["", "Target (issue 4): %s." % TARGET, ""]
    if data["missing"]:
        lines += ["Files that never arrived within %.0f s: %d." % (data.get("timeout_s", 0), len(data["missing"])), ""]
    return "\n".join(lines)
