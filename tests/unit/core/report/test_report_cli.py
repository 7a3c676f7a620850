"""``tokenworth report`` for the text formats: writes, refuses to overwrite, says why."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tokenworth.core.analytics import summary
from tokenworth.core.errors import InputError
from tokenworth.core.report.model import period_bounds
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC
from tokenworth.report_cli import add_report_parser

from .conftest import FEB, NOTE_MARKER


def _args(data_dir: Path, *argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tokenworth")
    p.add_argument("--data-dir", type=Path)
    sub = p.add_subparsers(dest="command")
    add_report_parser(sub)
    return p.parse_args(["--data-dir", str(data_dir), "report", *argv])


def _run(data_dir: Path, *argv: str) -> int:
    args = _args(data_dir, *argv)
    return args.func(args)


def test_writes_each_text_format_by_suffix(
    report_journal: Journal, data_dir: Path, tmp_path: Path
) -> None:
    for suffix, start in ((".html", "<!DOCTYPE html>"), (".md", "# Was it"), (".csv", "session")):
        out = tmp_path / f"feb{suffix}"
        assert _run(data_dir, "--month", "2026-02", "--out", str(out), "--tz", "UTC") == 0
        assert out.read_text(encoding="utf-8").startswith(start)
    out = tmp_path / "report.data"
    assert _run(data_dir, "--format", "json", "--out", str(out)) == 0
    assert json.loads(out.read_text())["schema"] == "tokenworth-report/1"


def test_json_summary_equals_summary(
    report_journal: Journal, data_dir: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "r.json"
    assert _run(data_dir, "--month", "2026-02", "--tz", "UTC", "--out", str(out), "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    lo, hi = period_bounds(FEB["since"], FEB["until"], UTC)
    expected = summary(report_journal, SessionFilter(since=lo, until=hi), report_journal.prices)
    assert printed["summary"] == expected
    assert json.loads(out.read_text())["summary"] == expected
    assert printed["format"] == "json" and printed["period"]["label"] == "February 2026"


def test_refuses_to_overwrite_without_force(
    report_journal: Journal, data_dir: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "mine.md"
    out.write_text("my own notes")
    assert _run(data_dir, "--out", str(out)) == 2
    assert out.read_text() == "my own notes"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "add --force to replace it." in err
    assert _run(data_dir, "--out", str(out), "--force") == 0
    assert out.read_text().startswith("# Was it worth the tokens?")


def test_options_reach_the_file(report_journal: Journal, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert _run(data_dir, "--out", str(out)) == 0
    assert NOTE_MARKER not in out.read_text() and "cost_usd" in out.read_text()
    argv = ["--out", str(out), "--force", "--include-notes", "--hide-costs", "--hide-projects"]
    assert _run(data_dir, *argv) == 0
    text = out.read_text()
    header = text.splitlines()[0]
    assert NOTE_MARKER in text
    assert "cost" not in header and "project" not in header
    assert _run(data_dir, "--out", str(out), "--force", "--tool", "manual") == 0
    tools = {line.split(",")[4] for line in out.read_text().splitlines()[1:]}
    assert tools == {"manual"}


def test_bad_usage_says_what_to_do(report_journal: Journal, data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--format"):
        _run(data_dir, "--out", str(tmp_path / "r.txt"))
    with pytest.raises(InputError, match="not both"):
        _run(
            data_dir, "--out", str(tmp_path / "r.md"), "--month", "2026-02", "--since", "2026-02-03"
        )
    with pytest.raises(InputError, match="does not exist"):
        _run(data_dir, "--out", str(tmp_path / "nowhere" / "r.md"))
    with pytest.raises(SystemExit):
        _args(data_dir, "--out", "r.md", "--month", "February")


def test_no_journal_yet(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="tokenworth scan"):
        _run(tmp_path / "empty", "--out", str(tmp_path / "r.md"))
    assert not (tmp_path / "empty").exists()  # a report creates no journal
