"""Reports: each experiment's report.md (and its plots) made from the run's data alone,
so that a committed results.json renders again (--report-only) and the rendering is
tested on real runs. Plots need matplotlib; without it a report says so instead."""

from __future__ import annotations


def fmt(value, unit: str = "") -> str:
    """A value with its unit, or '-' for none."""
    return "-" if value is None else "%s%s" % (value, unit)


def counts(mapping: dict) -> str:
    """{'web1': 3, 'web2': 4} as 'web1 3, web2 4'; '-' for none."""
    return ", ".join("%s %d" % (k, v) for k, v in mapping.items()) or "-"


def pyplot():
    """matplotlib.pyplot on the Agg backend, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
