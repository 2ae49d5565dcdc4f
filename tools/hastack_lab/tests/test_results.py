"""An experiment never writes over another run's results."""

from pathlib import Path

import pytest

from hastack_lab import results as rl


def run_in(path: Path, name: str = "results.json") -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_text("{}\n")


@pytest.mark.parametrize("earlier, expected", [
    ([], "site"),                                  # nothing there yet
    (["site"], "site-2"),                          # the same day's first run is kept
    (["site", "site-2"], "site-3"),
    (["site-2"], "site"),                          # the default itself is free
])
def test_the_default_directory_moves_on_past_earlier_runs(tmp_path, earlier, expected):
    for name in earlier:
        run_in(tmp_path / name)
    assert rl.output_dir(None, tmp_path / "site") == tmp_path / expected


def test_a_report_alone_counts_as_a_run(tmp_path):
    run_in(tmp_path / "site", "report.md")
    assert rl.output_dir(None, tmp_path / "site") == tmp_path / "site-2"


def test_an_empty_directory_is_used(tmp_path):
    (tmp_path / "site").mkdir()
    assert rl.output_dir(None, tmp_path / "site") == tmp_path / "site"


def test_an_explicit_directory_with_a_run_is_refused(tmp_path):
    run_in(tmp_path / "mine")
    with pytest.raises(ValueError, match="already holds a run's results: give another --out"):
        rl.output_dir(tmp_path / "mine", tmp_path / "site")


def test_an_explicit_new_directory_is_used(tmp_path):
    assert rl.output_dir(tmp_path / "mine", tmp_path / "site") == tmp_path / "mine"


@pytest.mark.parametrize("requested", [None, "mine"])
def test_report_only_rewrites_the_run_it_is_given(tmp_path, requested):
    path = tmp_path / (requested or "site")
    run_in(path)
    assert rl.output_dir(requested and path, tmp_path / "site", report_only=True) == path


def test_report_only_needs_results_to_read(tmp_path):
    with pytest.raises(ValueError, match="holds no results.json"):
        rl.output_dir(None, tmp_path / "site", report_only=True)


def test_a_refused_directory_ends_the_command_as_a_bad_argument_does(tmp_path, capsys):
    import argparse
    run_in(tmp_path / "mine")
    with pytest.raises(SystemExit) as exit_:
        rl.out_or_exit(argparse.ArgumentParser(prog="tool"), tmp_path / "mine", "site")
    assert exit_.value.code == 2
    assert "tool: error: %s already holds a run's results" % (tmp_path / "mine") in capsys.readouterr().err


def test_the_default_is_under_todays_results(monkeypatch, tmp_path):
    import argparse
    import datetime
    monkeypatch.setattr(rl, "ROOT", tmp_path)
    today = datetime.date.today().isoformat()
    assert rl.out_or_exit(argparse.ArgumentParser(), None, "galera") == tmp_path / "docs" / "results" / today / "galera"
