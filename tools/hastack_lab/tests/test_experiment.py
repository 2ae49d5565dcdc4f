"""The frame every experiment shares (hastack_lab.experiment), and the experiments themselves
as the issue asks for them: each is a page of orchestration, and each answers --help."""

import ast
import importlib
import json

import pytest

from hastack_lab import ROOT
from hastack_lab import cli
from hastack_lab.experiment import Frame, split_list, unknown_items

DOC = "One line.\n\nThe rest of the story."
EXPERIMENTS = sorted(cli.EXPERIMENTS)
PAGE = 75  # lines of code after the docstring: what one screen shows


def frame(**kwargs):
    f = Frame("demo", DOC, "demo", lambda data: "# demo %s\n" % data.get("n"), **kwargs)
    f.add_list("--parts", ["a", "b", "c"], "what to do")
    return f


@pytest.mark.parametrize("text, items", [("a,b", ["a", "b"]), ("a,,b,", ["a", "b"]), ("", [])])
def test_split_list(text, items):
    assert split_list(text) == items


def test_unknown_items_keeps_the_order_given():
    assert unknown_items(["x", "a", "y"], ["a", "b"]) == ["x", "y"]


def test_a_list_option_defaults_to_every_choice_and_is_split(tmp_path):
    args = frame().parse(["--out", str(tmp_path / "run")])
    assert args.parts == ["a", "b", "c"]
    assert args.out == tmp_path / "run" and args.out.is_dir()


@pytest.mark.parametrize("parts", ["a,z", "zz"])
def test_an_unknown_item_stops_before_anything_is_made(tmp_path, capsys, parts):
    with pytest.raises(SystemExit) as stop:
        frame().parse(["--parts", parts, "--out", str(tmp_path / "run")])
    assert stop.value.code == 2
    assert "--parts: unknown z" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_the_experiments_own_check_runs_before_the_results_directory_is_made(tmp_path, capsys):
    seen = []

    def check(args):
        seen.append(args.parts)
        return "no cluster here"

    with pytest.raises(SystemExit):
        frame().parse(["--parts", "b", "--out", str(tmp_path / "run")], check=check)
    assert seen == [["b"]]
    assert "no cluster here" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_report_only_run_skips_the_check_and_needs_results(tmp_path, capsys):
    with pytest.raises(SystemExit):
        frame().parse(["--report-only", "--out", str(tmp_path)], check=lambda args: "must not run")
    assert "holds no results.json" in capsys.readouterr().err


def test_a_run_never_writes_over_another_runs_results(tmp_path, capsys):
    (tmp_path / "results.json").write_text("{}")
    with pytest.raises(SystemExit):
        frame().parse(["--out", str(tmp_path)])
    assert "already holds a run's results" in capsys.readouterr().err


def test_save_writes_the_data_and_its_report_and_load_reads_it_back(tmp_path):
    f = frame()
    f.parse(["--out", str(tmp_path / "run"), "--parts", "a"])
    data = f.begin(n=3)
    assert data["argv"] == "--out %s --parts a" % (tmp_path / "run") and data["started"].endswith("+00:00")
    f.save(data)
    assert json.loads((tmp_path / "run" / "results.json").read_text()) == data
    assert (tmp_path / "run" / "report.md").read_text() == "# demo 3\n"
    assert f.load() == data


def test_started_is_when_the_run_began_not_when_its_data_came(tmp_path, monkeypatch):
    # the scale and maintenance experiments call begin(**whole_run()): the head must still say
    # when the run began
    now = {"time": "2026-12-07T23:00:00+00:00"}
    monkeypatch.setattr("hastack_lab.experiment.started", lambda: now["time"])
    f = frame()
    f.parse(["--out", str(tmp_path / "run")])
    now["time"] = "2026-12-07T23:06:00+00:00"  # the run
    assert f.begin(n=1)["started"] == "2026-12-07T23:00:00+00:00"


@pytest.mark.parametrize("broken, code, says, silent", [
    ([], 0, "every promise kept", "BROKEN"),
    (["the VIP did not move"], 1, "BROKEN: the VIP did not move", "every promise kept"),
    (None, 0, "report: ", "promise"),
])
def test_finish_says_what_the_run_found_and_exits_by_it(tmp_path, capsys, broken, code, says, silent):
    f = frame()
    f.parse(["--out", str(tmp_path / "run")])
    assert f.finish(broken, missed=["p50 0.4 ms > 0.3 ms"]) == code
    out = capsys.readouterr().out
    assert says in out and silent not in out
    assert "goal missed: p50 0.4 ms > 0.3 ms" in out


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_each_experiment_is_a_page_of_orchestration(name):
    """The issue's bar: the measuring is in hastack_lab.measure, and the experiment only
    puts it in order."""
    path = ROOT / "tools" / "hastack_lab" / "experiments" / ("%s.py" % name)
    tree = ast.parse(path.read_text())
    after_doc = tree.body[1].lineno
    code = [line for line in path.read_text().splitlines()[after_doc - 1:]
            if line.strip() and not line.lstrip().startswith("#")]
    assert len(code) <= PAGE, "%s: %d lines of code, more than a page (%d)" % (path.name, len(code), PAGE)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_each_experiment_answers_help_without_a_lab(name, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["experiment", name, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tools/lab experiment %s" % name) and "--out" in out


class NoProxySQL:
    writer_order: list = []


@pytest.mark.parametrize("name", ["proxysql", "maintenance"])
def test_if_installed_without_proxysql_says_so_and_leaves_no_results_directory(name, tmp_path, monkeypatch, capsys):
    experiment = importlib.import_module("hastack_lab.experiments." + name)
    monkeypatch.setattr(experiment, "lab", NoProxySQL)
    out = tmp_path / ("%s-check" % name)
    assert experiment.main(["--if-installed", "--out", str(out)]) == 0
    assert "not run: ProxySQL is not installed" in capsys.readouterr().out
    assert not out.exists()


@pytest.mark.parametrize("name", ["proxysql", "maintenance"])
def test_without_proxysql_and_without_if_installed_the_run_stops(name, tmp_path, monkeypatch, capsys):
    experiment = importlib.import_module("hastack_lab.experiments." + name)
    monkeypatch.setattr(experiment, "lab", NoProxySQL)
    with pytest.raises(SystemExit) as stop:
        experiment.main(["--out", str(tmp_path / name)])
    assert stop.value.code == 2
    assert "ProxySQL is not installed in the lab" in capsys.readouterr().err
