"""The statistics every experiment reports: nearest-rank percentiles and a summary of
milliseconds, one definition for all of them."""

from __future__ import annotations

import statistics


def percentile(values: list, fraction: float) -> float | None:
    """Nearest-rank percentile of the values that are not None; None for none."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    rank = max(1, -(-int(round(fraction * 1000)) * len(data) // 1000))
    return data[min(rank, len(data)) - 1]


def summary(values: list[float], *, mean: bool = True) -> dict:
    """n, min, median, nearest-rank p95, max (and mean) of a list of milliseconds; {"n": 0}
    for an empty list."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    found = {"n": len(ordered), "min": ordered[0], "median": round(statistics.median(ordered), 1),
             "p95": percentile(ordered, 0.95), "max": ordered[-1]}
    if mean:
        found["mean"] = round(statistics.fmean(ordered), 1)
    return found
