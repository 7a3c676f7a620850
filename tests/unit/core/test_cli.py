"""End-to-end tests of each subcommand, run in-process through main()."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tokenworth.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_log_then_sessions_json(capsys) -> None:
    code, out, _ = run(
        capsys,
        "log",
        "--tool",
        "chatgpt",
        "--start",
        "2026-03-01T09:00:00Z",
        "--minutes",
        "30",
        "--tokens",
        "4000",
        "--goal",
        "Draft the plan",
        "--value",
        "4",
        "--tag",
        "planning",
        "--outcome",
        "achieved",
    )
    assert code == 0
    key = out.strip()
    assert key.startswith("manual:")
    code, out, _ = run(capsys, "sessions", "--json")
    [s] = json.loads(out)
    assert s["session_key"] == key
    assert (s["tool"], s["start"], s["end"]) == (
        "chatgpt",
        "2026-03-01T09:00:00.000Z",
        "2026-03-01T09:30:00.000Z",
    )
    assert (s["total_tokens"], s["estimated"], s["value"], s["goal"]) == (
        4000,
        True,
        4,
        "Draft the plan",
    )
    assert s["tags"] == ["planning"] and s["outcome"] == "achieved"
    for name in (
        "input_tokens",
        "cache_creation_tokens",
        "cache_read_tokens",
        "output_tokens",
        "reasoning_tokens",
        "cost_usd",
        "models",
        "project",
    ):
        assert name in s


def test_log_json_prints_the_session(capsys) -> None:
    code, out, _ = run(capsys, "log", "--tool", "cursor", "--start", "2026-03-02", "--json")
    assert code == 0 and json.loads(out)["tool"] == "cursor"


def test_annotate_and_unrated_filter(capsys) -> None:
    _, out, _ = run(capsys, "log", "--tool", "codex", "--start", "2026-03-01T10:00Z")
    key = out.strip()
    _, out, _ = run(capsys, "sessions", "--unrated", "--json")
    assert [s["session_key"] for s in json.loads(out)] == [key]
    code, _, _ = run(
        capsys,
        "annotate",
        key,
        "--value",
        "2",
        "--outcome",
        "partly",
        "--minutes-saved",
        "-15",
        "--not-needed",
        "--tag",
        "busywork",
        "--note",
        "Mostly reformatting",
    )
    assert code == 0
    _, out, _ = run(capsys, "sessions", "--json")
    [s] = json.loads(out)
    assert (s["value"], s["outcome"], s["minutes_saved"], s["needed"]) == (2, "partly", -15, False)
    assert s["tags"] == ["busywork"] and s["note"] == "Mostly reformatting"
    _, out, _ = run(capsys, "sessions", "--unrated", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--value", "7"], "from 1 to 5"),
        (["--outcome", "maybe"], "Unknown outcome"),
    ],
)
def test_bad_annotation_values_write_nothing(capsys, args, message) -> None:
    _, out, _ = run(
        capsys, "log", "--tool", "codex", "--start", "2026-03-01T10:00Z", "--value", "3"
    )
    key = out.strip()
    code, _, err = run(capsys, "annotate", key, *args)
    assert code == 2 and message in err and "Traceback" not in err
    _, out, _ = run(capsys, "sessions", "--json")
    assert json.loads(out)[0]["value"] == 3


def test_bad_log_values_write_nothing(capsys) -> None:
    for args, message in [
        (["--start", "yesterday"], "Cannot read the date"),
        (["--start", "2026-03-01", "--value", "9"], "from 1 to 5"),
        (["--start", "2026-03-01", "--outcome", "great"], "Unknown outcome"),
    ]:
        code, _, err = run(capsys, "log", "--tool", "codex", *args)
        assert code == 2 and message in err, err
    _, out, _ = run(capsys, "sessions", "--json")
    assert json.loads(out) == []


def test_unknown_session_key(capsys) -> None:
    code, _, err = run(capsys, "annotate", "nope", "--value", "3")
    assert code == 2 and "There is no session 'nope'" in err


def test_stats_json_shape(capsys) -> None:
    run(capsys, "log", "--tool", "codex", "--start", "2026-03-01T10:00Z", "--tokens", "500")
    code, out, _ = run(capsys, "stats", "--by", "day", "--tz", "UTC", "--json")
    data = json.loads(out)
    assert code == 0 and data["by"] == "day" and data["tz"] == "UTC"
    [row] = data["rows"]
    assert row["period"] == "2026-03-01" and row["total_tokens"] == 500 and row["sessions"] == 1
    assert set(row) >= {
        "input_tokens",
        "output_tokens",
        "cache_creation_tokens",
        "cache_read_tokens",
        "reasoning_tokens",
        "total_tokens",
        "cost_usd",
        "events",
        "sessions",
    }


def test_check_and_backup(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "check")
    assert code == 2 and "no journal yet" in err
    run(capsys, "log", "--tool", "codex", "--start", "2026-03-01T10:00Z")
    code, out, _ = run(capsys, "check", "--json")
    assert code == 0 and json.loads(out)["integrity"] == "ok"
    code, out, _ = run(capsys, "backup", str(tmp_path / "copy.sqlite3"), "--json")
    result = json.loads(out)
    assert code == 0 and result["verified"] and result["sessions"] == 1
    code, _, err = run(capsys, "backup", str(tmp_path / "copy.sqlite3"))
    assert code == 2 and "already exists" in err


def test_data_dir_option_wins(capsys, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    run(capsys, "--data-dir", str(other), "log", "--tool", "codex", "--start", "2026-03-01")
    assert (other / "journal.sqlite3").exists()
    _, out, _ = run(capsys, "sessions", "--json")
    assert json.loads(out) == []


def test_console_script_runs(tmp_path: Path) -> None:
    """The installed entry point, as a person types it."""
    exe = Path(sys.executable).with_name("tokenworth")
    out = subprocess.run(
        [str(exe), "--data-dir", str(tmp_path), "sessions"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "No sessions" in out.stdout


def test_summary_json_has_exactly_the_headline_keys(capsys) -> None:
    from tokenworth.core.analytics import SUMMARY_KEYS

    _, out, _ = run(
        capsys,
        "log",
        "--tool",
        "chatgpt",
        "--start",
        "2026-03-01T09:00Z",
        "--tokens",
        "3000",
        "--value",
        "1",
    )
    _, out, _ = run(
        capsys,
        "log",
        "--tool",
        "codex",
        "--start",
        "2026-03-02T09:00Z",
        "--tokens",
        "1000",
        "--value",
        "5",
        "--outcome",
        "achieved",
    )
    code, out, _ = run(capsys, "summary", "--json")
    data = json.loads(out)
    assert code == 0 and tuple(data) == SUMMARY_KEYS
    assert data["sessions"] == 2 and data["rated_sessions"] == 2
    assert data["total_tokens"] == 4000 and data["estimated_tokens"] == 4000
    assert data["mean_value"] == 3.0
    assert data["low_value_share"] == 0.75  # 3,000 of 4,000 rated tokens were rated 1
    assert data["tokens_per_value_point"] == 4000 / 6
    assert data["outcome_rate"] == 1.0
    code, out, _ = run(capsys, "summary", "--tool", "codex", "--json")
    assert json.loads(out)["total_tokens"] == 1000
    code, out, _ = run(capsys, "summary", "--since", "2026-03-02", "--tz", "UTC", "--json")
    assert json.loads(out)["sessions"] == 1
    code, out, _ = run(capsys, "summary")
    assert code == 0 and "API-equivalent" in out and "Mean value: 3.00 / 5" in out


def test_self_test_flag_runs_the_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    import tokenworth.selftest

    monkeypatch.setattr(tokenworth.selftest, "run_self_test", lambda: 7)
    assert main(["--self-test"]) == 7


def test_gui_takes_paths_to_import(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The .desktop file runs `tokenworth gui %F`: the paths reach the window."""
    import tokenworth.app

    seen = {}
    monkeypatch.setattr(tokenworth.app, "run", lambda **kw: seen.update(kw) or 0)
    assert main(["gui", str(tmp_path / "a.jsonl")]) == 0
    assert seen["paths"] == [tmp_path / "a.jsonl"]


def test_price_override_prices_an_unknown_model(capsys) -> None:
    run(
        capsys,
        "log",
        "--tool",
        "codex",
        "--start",
        "2026-03-01T10:00Z",
        "--tokens",
        "1000000",
        "--model",
        "aide-gpt-5",
    )
    _, out, _ = run(capsys, "summary", "--json")
    assert json.loads(out)["cost_usd"] is None and json.loads(out)["unpriced_events"] == 1
    code, out, _ = run(capsys, "price", "aide-gpt-5", "--input", "2", "--output", "10", "--json")
    assert code == 0 and json.loads(out)["usd_per_million_tokens"]["input"] == 2
    _, out, _ = run(capsys, "summary", "--json")
    data = json.loads(out)
    # A hand-typed total has no split: priced as input, 1,000,000 x $2 / 1M.
    assert data["cost_usd"] == 2.0 and data["unpriced_events"] == 0
    code, _, err = run(capsys, "price", "aide-gpt-5", "--input", "-1")
    assert code == 2 and "must be a number of dollars" in err
    run(capsys, "price", "aide-gpt-5", "--clear")
    _, out, _ = run(capsys, "summary", "--json")
    assert json.loads(out)["unpriced_events"] == 1
