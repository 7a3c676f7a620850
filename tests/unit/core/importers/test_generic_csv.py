"""Any CSV through a column-mapping preset: presets in the journal, csv:NAME, guesses, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.errors import InputError
from tokenworth.core.importers import registry
from tokenworth.core.importers.generic_csv import GenericCsvImporter
from tokenworth.core.importers.presets import (
    Preset,
    delete_preset,
    guess_columns,
    importer_for,
    load_presets,
    preview,
    read_header,
    save_preset,
)
from tokenworth.core.importers.runner import expand_paths, import_candidates
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "generic_csv"
MISTRAL = DATA / "mistral_usage_handmade.csv"
DAILY = DATA / "daily_usage_handmade.csv"

MISTRAL_PRESET = Preset(
    name="mistral",
    columns={
        "timestamp": "When",
        "model": "Model name",
        "input_tokens": "Prompt",
        "output_tokens": "Completion",
        "cache_read_tokens": "Cached",
        "cost_usd": "Cost (EUR→USD)",
        "session": "Conversation",
        "request_id": "Id",
    },
    tool="mistral",
    input_includes_cache=True,
    time_zone="Europe/Paris",
)
DAILY_PRESET = Preset(
    name="llama-daily",
    columns={
        "timestamp": "day",
        "model": "model",
        "input_tokens": "input_tokens",
        "output_tokens": "output_tokens",
        "cost_usd": "cost",
    },
    daily=True,
)


def _sums(events: list) -> tuple:
    return (
        len(events),
        sum(e.input_tokens for e in events),
        sum(e.cache_read_tokens for e in events),
        sum(e.output_tokens for e in events),
        round(sum(e.cost_usd or 0 for e in events), 9),
        sorted({e.session_key for e in events}),
    )


def _import(journal: Journal, fmt: str, *paths: Path) -> list:
    importer = importer_for(fmt, load_presets(journal))
    found, _ = expand_paths(paths, importer)
    return import_candidates(journal, found)


def test_preset_reads_a_european_csv() -> None:
    events, ctx = parse_file(GenericCsvImporter.with_preset(MISTRAL_PRESET), MISTRAL)
    assert ctx.issues == []
    # "1 200" prompt tokens include 200 cached; times are Paris time (UTC+1 in January).
    assert _sums(events) == (
        4,
        1_000 + 500 + 800 + 900,
        200 + 1_500,
        970,
        0.0385,
        ["mistral:2026-01-05T13:00:00.000Z", "mistral:conv-1"],
    )
    assert events[0].ts == "2026-01-05T08:00:00.000Z"
    assert {e.tool for e in events} == {"mistral"}
    assert events[0].dedup_key == "mistral:r1"


def test_presets_live_in_the_journal_and_csv_name_imports(journal: Journal) -> None:
    save_preset(journal, MISTRAL_PRESET)
    save_preset(journal, DAILY_PRESET)
    assert sorted(load_presets(journal)) == ["llama-daily", "mistral"]
    assert journal.get_setting("csv_preset:mistral") is not None
    assert load_presets(journal)["mistral"] == MISTRAL_PRESET
    [r] = _import(journal, "csv:mistral", MISTRAL)
    assert (r.status, r.format, r.events_added) == ("imported", "csv:mistral", 4)
    [again] = _import(journal, "csv:mistral", MISTRAL)
    assert again.status == "unchanged"
    assert journal.count("events") == 4
    assert delete_preset(journal, "mistral") and not delete_preset(journal, "mistral")
    with pytest.raises(InputError, match=r"There is no CSV preset 'mistral' \(presets: llama"):
        importer_for("csv:mistral", load_presets(journal))
    assert importer_for("cursor-csv", {}).name == "cursor-csv"


def test_daily_preset_sums_and_replaces(journal: Journal, tmp_path: Path) -> None:
    import os

    save_preset(journal, DAILY_PRESET)
    first = tmp_path / "day1.csv"
    first.write_text(DAILY.read_text())
    os.utime(first, ns=(1_700_000_000_000_000_000,) * 2)
    [r] = _import(journal, "csv:llama-daily", first)
    assert r.events_added == 2
    later = tmp_path / "day2.csv"
    later.write_text(
        "day,model,input_tokens,output_tokens,cost\n2026-01-06,local-llama,9000,900,0\n"
    )
    os.utime(later, ns=(1_800_000_000_000_000_000,) * 2)
    _import(journal, "csv:llama-daily", later)
    row = journal.conn.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM events"
    ).fetchone()
    assert row == (2, 15_000 + 9_000, 3_000 + 900)  # the 6th replaced, the 5th summed
    assert sorted(s.session_key for s in journal.sessions()) == [
        "csv:2026-01-05",
        "csv:2026-01-06",
    ]


def test_plain_csv_guesses_standard_names(tmp_path: Path) -> None:
    path = tmp_path / "handmade-standard.csv"
    path.write_text(
        "timestamp,model,prompt_tokens,completion_tokens,cost,extra\n"
        "2026-02-01T10:00:00Z,m1,100,10,0.5,x\n2026-02-01T10:10:00Z,m1,200,20,,y\n"
    )
    events, ctx = parse_file(GenericCsvImporter(), path)
    assert ctx.issues == []
    assert _sums(events) == (2, 300, 0, 30, 0.5, ["csv:2026-02-01T10:00:00.000Z"])


def test_plain_csv_without_recognizable_columns_asks_for_a_mapping() -> None:
    events, ctx = parse_file(GenericCsvImporter(), MISTRAL)
    assert events == []
    assert [(i.line, i.reason) for i in ctx.issues] == [
        (
            1,
            "Tokenworth cannot tell which columns hold the time and the tokens: map the columns "
            "(in the window, Import with a column mapping; on the command line, save a preset "
            "and use --format csv:PRESET)",
        )
    ]


def test_preset_on_a_file_without_its_columns(tmp_path: Path) -> None:
    events, ctx = parse_file(GenericCsvImporter.with_preset(MISTRAL_PRESET), DAILY)
    assert events == []
    assert ctx.issues[0].reason == (
        "the file has no column 'When', which the preset 'mistral' maps: choose the mapping "
        "again for this file"
    )


def test_bad_cell_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "handmade-bad.csv"
    path.write_text(MISTRAL.read_text(encoding="utf-8").replace(";450;", ";4,5;"), "utf-8")
    events, ctx = parse_file(GenericCsvImporter.with_preset(MISTRAL_PRESET), path)
    assert events == []
    assert [(i.line, i.reason) for i in ctx.issues] == [
        (
            3,
            "the Completion cell '4,5' is not a whole, non-negative count of tokens: correct "
            "the row",
        )
    ]


@pytest.mark.parametrize(
    ("preset", "message"),
    [
        (Preset(name="a b", columns={"timestamp": "t", "input_tokens": "i"}), "not a preset name"),
        (Preset(name="x", columns={"input_tokens": "i"}), "Choose the column that holds the time"),
        (Preset(name="x", columns={"timestamp": "t"}), "Choose at least one column of tokens"),
        (Preset(name="x", columns={"timestamp": "t", "tokens": "i"}), "Unknown field 'tokens'"),
        (
            Preset(name="x", columns={"timestamp": "t", "input_tokens": "i"}, time_zone="Mars"),
            "Unknown time zone 'Mars'",
        ),
        (
            Preset(name="x", columns={"timestamp": "t", "input_tokens": "i"}, tool="my tool"),
            "is not a tool name",
        ),
    ],
)
def test_bad_presets_are_refused_with_a_reason(preset: Preset, message: str) -> None:
    with pytest.raises(InputError, match=message):
        preset.validate()


def test_dialog_helpers() -> None:
    header = read_header(MISTRAL)
    assert header == [
        "When",
        "Model name",
        "Prompt",
        "Completion",
        "Cached",
        "Cost (EUR→USD)",
        "Conversation",
        "Id",
        "Notes",
    ]
    assert guess_columns(header) == {
        "cache_read_tokens": "Cached",
        "session": "Conversation",
        "request_id": "Id",
    }
    assert guess_columns(["Date", "Model", "Input (w/o Cache Write)", "Output Tokens", "Cost"]) == {
        "timestamp": "Date",
        "model": "Model",
        "output_tokens": "Output Tokens",
        "cost_usd": "Cost",
    }
    events, issues = preview(MISTRAL, MISTRAL_PRESET, limit=2)
    assert issues == [] and [e.dedup_key for e in events] == ["mistral:r1", "mistral:r2"]


def test_never_detected_by_sniffing_but_forced_formats_check_the_header(
    journal: Journal, tmp_path: Path
) -> None:
    head = DAILY.read_bytes()
    assert registry.detect(DAILY, head) is None
    assert registry.by_name("csv").sniff(DAILY, head) == 0.0
    mistral = GenericCsvImporter.with_preset(MISTRAL_PRESET)
    assert mistral.sniff(MISTRAL, MISTRAL.read_bytes()) == 0.95
    assert mistral.sniff(DAILY, head) == 0.0
    save_preset(journal, MISTRAL_PRESET)
    [r] = _import(journal, "csv:mistral", DAILY)
    assert r.message == "This does not look like csv:mistral data; check the --format you chose."
    standard = tmp_path / "handmade-standard.csv"
    standard.write_text("date,model,input_tokens,output_tokens\n2026-02-01,m,5,6\n")
    [r] = _import(journal, "csv", standard)
    assert (r.status, r.format, r.events_added) == ("imported", "csv", 1)
    [r] = _import(journal, "csv", MISTRAL)
    assert r.status == "refused"
