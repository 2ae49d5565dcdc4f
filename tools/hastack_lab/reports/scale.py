"""The scale experiment's report, from a run's data alone."""

from __future__ import annotations

from .. import scale
from . import site_load

WHAT = {"containers": "`tools/lab up --inventory COPY`: the added hosts' containers",
        "grow": "`site.yml -i COPY`: the added hosts brought in",
        "hold": "the load on the grown cluster",
        "retire": "`retire.yml -i COPY --limit <added> -e retire_confirm=true`",
        "shrink": "`site.yml` on the lab's own inventory"}


def render(data: dict) -> str:
    """report.md of a run of tools/lab experiment scale, from its results.json."""
    stream, writes, sizes = data["stream"], data["writes"], data["cluster_size"]
    lines = ["# Growing and shrinking under load", "",
             "Run %s (`tools/lab experiment scale %s`): %s added to a copy of the lab inventory, brought in, held, "
             "retired and forgotten, while %s." % (data["started"], data["argv"], ", ".join(data["add"]),
                                                   site_load(data)), "",
             "| phase | what | exit | took (s) | window (s) | requests | failed | longest gap (ms) | answered by |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, phase in data["phases"].items():
        seen = phase["seen"]
        answered = ", ".join("%s %d" % kv for kv in seen["servers"].items())
        for kind in ("reads", "writes"):
            if seen.get(kind):
                answered += "; %s %s" % (kind, ", ".join("%s %d" % kv for kv in seen[kind].items()))
        lines.append("| %s | %s | %d | %.1f | %.0f-%.0f | %d | %d | %.0f | %s |" % (
            name, WHAT.get(name, ""), phase["rc"], phase["seconds"], phase["window"][0], phase["window"][1],
            seen["requests"], seen["failed"], seen["longest_gap_ms"], answered))
    failures = ["- %s: %s" % (name, phase["failure"]) for name, phase in data["phases"].items() if phase["failure"]]
    lines += [""] + failures + ([""] if failures else [])
    lines += ["| what | value |", "|---|---|",
              "| Galera cluster size before / grown / after | %s / %s (expected %s) / %s |" % (
                  sizes.get("before"), sizes.get("grown", "-"), sizes.get("expected_grown"), sizes.get("after")),
              "| requests through the VIP | %d, %d failed %s, longest gap %.0f ms |" % (
                  stream["requests"], stream["failed"], stream["errors"] or "", stream["longest_gap_ms"]),
              "| statements through ProxySQL | %d, %d acknowledged, %d failed %s |" % (
                  writes["statements"], writes["acknowledged"], writes["failed"], writes["errors"] or ""),
              "| acknowledged rows lost | %d |" % writes["lost"],
              "| VIP holder before / after | %s / %s |" % tuple(
                  ", ".join(data.get("vip_holders", {}).get(k, [])) or "-" for k in ("before", "after")),
              ] + ["| added balancer %s | keepalived %s, HAProxy %s, %s |" % (
                  name, b["keepalived"], b["haproxy"], "took the VIP" if b["holds_vip"] else "standing by")
                  for name, b in (data.get("added_balancers") or {}).items()] + [
              "| still configured after the shrink | %s |" % ("; ".join(data["leftovers"]) or "nothing"),
              "| VRRP transitions (reported, not a promise of growing: a false failover when the converge starves "
              "keepalived) | %s |" % ("; ".join(data["transitions"]) or "none"),
              "| requests a false failover cost (at most one per client; keepalived restarted or reloaded during the "
              "run: %s) | %d |" % ("; ".join(data.get("keepalived_restarts") or []) or "no",
                                  scale.false_failover_losses(data)), ""]
    broken = data.get("broken_promises", [])
    lines += ["## Promises", ""] + (["- BROKEN: " + b for b in broken] if broken else ["Every promise kept."]) + [""]
    return "\n".join(lines)
