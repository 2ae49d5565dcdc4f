"""Every committed run's report renders again from its results.json alone, and says what
the run measured: the reports are pure functions of the data, tested on real runs."""

import json

import pytest

from hastack_lab import ROOT
from hastack_lab.reports import counts, fmt, pyplot
from hastack_lab.reports import cost, failover, galera, maintenance, proxysql, scale, site, sync

RUNS = sorted(ROOT.glob("docs/results/*/*/results.json"))


def runs_with(*keys):
    found = []
    for path in RUNS:
        data = json.loads(path.read_text())
        if all(k in data for k in keys):
            found.append(pytest.param(data, id=path.parent.relative_to(ROOT / "docs" / "results").as_posix()))
    assert found, "no committed run has %s" % (keys,)
    return found


@pytest.mark.parametrize("data", runs_with("table5", "modes"))
def test_a_site_run_lists_every_trial_and_its_promises(data):
    text = site.render(data)
    assert text.startswith("# The whole system under faults (lab)\n")
    for trial in data["table5"]:
        assert "| %s | %s | " % (trial["server"], trial["mode"]) in text
    assert "## Promises" in text
    if data.get("broken_promises"):
        assert all(b in text for b in data["broken_promises"])
    elif "broken_promises" in data:
        assert "Every promise this run checked was kept." in text


@pytest.mark.parametrize("data", runs_with("arms", "seed"))
def test_a_galera_run_reports_its_parts(data):
    text = galera.render(data)
    assert text.startswith("# Galera experiments (lab)\n")
    titles = {"crash": "## Crash recovery", "soak": "## Soak", "rolling": "## Rolling restart"}
    for part, title in titles.items():
        assert (title in text) == bool(data.get(part) or data.get(part + "s")), part
    for arm, soaked in (data.get("soaks") or {}).items():
        assert ", %s (%s)" % (arm, galera.arm_label(data, arm)) in text
        assert "false suspicions (\"suspecting node\" in any journal): **%d**" % soaked["false_suspicions"] in text


@pytest.mark.parametrize("settings, arm, label", [
    ("absent", "tuned", "evs.suspect_timeout 0.5 s"),           # runs before arms were recorded
    ("absent", "default", "Galera defaults, 5 s"),
    (None, "tuned", "the lab's settings"),
    ({"galera_evs_suspect_timeout": 0.5, "galera_realtime_priority": 2}, "realtime",
     "evs.suspect_timeout 0.5 s, Galera's thread at SCHED_RR 2"),
    ({"galera_evs_suspect_timeout": 0, "galera_realtime_priority": 0}, "default",
     "Galera's evs defaults, 5 s, Galera's thread at normal priority"),
])
def test_a_galera_arm_is_labelled_with_what_it_set(settings, arm, label):
    data = {} if settings == "absent" else {"settings": {arm: settings}}
    assert galera.arm_label(data, arm) == label


@pytest.mark.parametrize("data", runs_with("writer_order", "version"))
def test_a_proxysql_run_names_the_version_and_each_broken_promise(data):
    text = proxysql.render(data)
    assert text.startswith("# ProxySQL in the lab")
    assert data["version"].split()[0] in text or data["version"] in text
    for promise in data.get("broken_promises", []):
        assert promise in text


@pytest.mark.parametrize("data", runs_with("results", "trials", "arms"))
def test_a_balancer_run_gives_a_row_per_fault_and_arm_with_the_papers_beside_it(data):
    faults = sorted({r["fault"] for r in data["results"]})
    text = failover.render(data)
    assert text.startswith("# Balancer failover on the local lab\n")
    for fault in faults:
        for arm in data["arms"]:
            if any(r["fault"] == fault and r["arm"] == arm and r["downtime_ms"] is not None for r in data["results"]):
                assert "| %s | %s | " % (fault, arm) in text
    assert "| paper (hard failure of the active balancer) |" in text
    assert ("## Soak" in text) == bool(data.get("soak") or data.get("soaks"))


CI_CHECK = {"results": [], "started": "2026-12-07T00:00:00+00:00", "trials": 3, "arms": ["tuned"],
            "faults": ["hard-kill"], "argv": ""}  # make failover-check: the tuned arm, no soak


@pytest.mark.parametrize("data", runs_with("results", "trials", "arms") + [pytest.param(CI_CHECK, id="ci-check")])
def test_a_checked_balancer_run_claims_only_the_promises_it_checked(data):
    text = failover.render(dict(data, broken_promises=[]))
    assert "every tuned trial stayed under 400 ms" in text
    compared = {"tuned", "default"} <= set(data["arms"])
    assert ("below advert_int 1's" in text) == compared
    assert ("saw no VRRP transition" in text) == bool(data.get("soak") or data.get("soaks"))


@pytest.mark.parametrize("data", runs_with("phases", "cluster_size"))
def test_a_scale_run_gives_each_phase_and_the_load_it_ran_under(data):
    text = scale.render(data)
    for phase in data["phases"]:
        assert "| %s |" % phase in text
    assert "4 clients" in text  # runs before the load was recorded say what it was
    load = {"clients": 4, "pause": 0.1, "write_pause": 0.05, "writers": 2, "requests_per_s": 35.2,
            "statements_per_s": 36.0}
    lighter = scale.render(dict(data, load=load))
    assert "4 clients, 0.1 s apart each" in lighter
    assert "0.05 s apart; 35.2 requests and 36.0 statements a second" in lighter


@pytest.mark.parametrize("data", runs_with("playbook", "windows", "per_node"))
def test_a_maintenance_run_gives_each_node_and_the_load_it_ran_under(data):
    text = maintenance.render(data)
    for node in data["windows"]:
        assert "| %s |" % node in text
    assert "4 clients" in text
    lighter = maintenance.render(dict(data, load={"clients": 4, "pause": 0.2, "write_pause": 0.1, "writers": 2,
                                                  "requests_per_s": 18.1, "statements_per_s": 19.0}))
    assert "4 clients, 0.2 s apart each" in lighter
    assert "0.1 s apart; 18.1 requests and 19.0 statements a second" in lighter


def test_the_shared_formatting():
    assert (fmt(None), fmt(3, " ms"), fmt(0)) == ("-", "3 ms", "0")
    assert (counts({"web1": 3, "web2": 4}), counts({})) == ("web1 3, web2 4", "-")


def test_without_matplotlib_there_are_no_plots_and_no_crash(monkeypatch, tmp_path):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert pyplot() is None
    assert failover.plot(tmp_path, "hard-kill", {"tuned": ({"downtime_ms": 1.0}, [])}) == ""
    assert site.plot(tmp_path, {"modes": ["kill"], "table5": []}, {}) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("data", runs_with("arms", "idle_cpu_per_s"))
def test_a_cost_run_gives_each_arm_page_and_client_with_the_goals(data):
    text = cost.render(data)
    assert text.startswith("# What the balancers cost (lab)\n")
    for arm, pages in data["arms"].items():
        assert "## HAProxy: %s" % arm in text
        for page in pages:
            assert "| %s `" % page in text
    missed = data["goals_missed"]
    assert all(m in text for m in missed) if missed else "Every goal met." in text


@pytest.mark.parametrize("data", runs_with("lags_ms", "topology"))
def test_a_sync_run_gives_its_lags_and_the_target(data):
    text = sync.render(data)
    assert text.startswith("# rsync_sync propagation on the local lab\n")
    assert "| %d | %d | " % (data["files"], len(data["lags_ms"])) in text
    assert "Target (issue 4)" in text
    assert ("never arrived" in text) == bool(data["missing"])


def test_a_converge_reports_where_its_time_and_cpu_went():
    conv = {"playbook": "site.yml", "from": "the checkout", "seconds": 100.0, "rc": 0, "changed": {"db1": 0},
            "failed": {"db1": 0}, "ok": {"db1": 80, "lb1": 20}, "changed_tasks": {},
            "roles_s": {"galera": 30.0, "common": 20.5}, "cpu_s": 170.2, "cpus": 2}
    text = site.render({"started": "x", "argv": "--parts converge", "converge": conv})
    assert "galera 30.0 s, common 20.5 s" in text
    assert "busy for 170.2 CPU-s of its 2 CPUs' 200" in text
    assert "100 tasks ran on a host" in text and "1702 CPU-ms each" in text
    # runs from before the profile say nothing about it
    assert "Where the time went" not in site.render({"started": "x", "argv": "", "converge": dict(
        conv, roles_s=None)})
