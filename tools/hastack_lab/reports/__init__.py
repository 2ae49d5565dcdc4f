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


def site_load(data: dict) -> str:
    """The maintenance and scale experiments' load as asked for and as it came
    (hastack_lab.measure.load.SiteLoad.rates), as the clause their reports open with. Runs
    before 2026-12-07 did not record it."""
    load = data.get("load")
    if not load:
        return ("the demo's stream asked the VIP (4 clients, each request a new connection, reading and writing "
                "through ProxySQL) and one writer inside each web server inserted through its local ProxySQL, a "
                "connection per statement")
    return ("the demo's stream asked the VIP (%d clients, %s s apart each, each request a new connection, reading "
            "and writing through ProxySQL) and one writer inside each web server inserted through its local ProxySQL, "
            "a connection per statement, %s s apart; %s requests and %s statements a second on average" % (
                load["clients"], load["pause"], load["write_pause"], load["requests_per_s"],
                load["statements_per_s"]))


def pyplot():
    """matplotlib.pyplot on the Agg backend, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
