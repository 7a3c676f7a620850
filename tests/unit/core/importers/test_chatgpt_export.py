"""ChatGPT export: estimates on real conversations, active branch, zip by content, bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.bench.bench_chatgpt import write_export
from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers._tabular import TRUNCATED_ZIP, BadInput, JsonArrayReader
from tokenworth.core.importers.chatgpt_export import (
    ChatGPTExportImporter,
    active_branch,
    conversation_events,
)
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "chatgpt_export"
NODE = DATA / "node-js-network-libraries.json"
O1 = DATA / "csv-data-analysis-insights.json"
NODE_ID = "c4954b10-dcb5-4ea0-af0e-11dcc905fc05"  # its current_node


def _conv(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _export(tmp_path: Path, convs: list[dict], name: str = "conversations.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(convs), encoding="utf-8")  # one line, as ChatGPT writes it
    return path


def _sums(events: list) -> tuple[int, int, int, int]:
    return (
        len(events),
        sum(e.input_tokens for e in events),
        sum(e.output_tokens for e in events),
        sum(e.reasoning_tokens for e in events),
    )


def test_real_gpt_4o_mini_conversation() -> None:
    events = conversation_events(_conv(NODE))
    # By hand: the hidden system message's custom instructions (536 chars, 134 tokens) and the
    # first question (115 chars, 29) are the first call's input; its answer 1,321 chars (331).
    # The second call re-sends all that plus the 73-char question (19): 494 + 19 = 513; its
    # answer is 2,316 chars (579). The empty assistant placeholder adds nothing.
    assert [(e.input_tokens, e.output_tokens, e.reasoning_tokens) for e in events] == [
        (163, 331, 0),
        (513, 579, 0),
    ]
    assert [e.model for e in events] == ["gpt-4o-mini", "gpt-4o-mini"]  # not the "auto" default
    assert [e.ts for e in events] == ["2024-07-29T13:48:41.425Z", "2024-07-29T13:50:01.532Z"]
    assert {e.session_key for e in events} == {"chatgpt:" + _conv(NODE)["conversation_id"]}
    assert all(e.estimated and e.tool == "chatgpt" and e.dedup_rank == 1 for e in events)


def test_real_o1_conversation_counts_its_thoughts_as_reasoning() -> None:
    [ev] = conversation_events(_conv(O1))
    # Input: custom instructions (653 chars, 164) + question (269 chars, 68). The "Thought for
    # 27 seconds" tool message (2,895 chars, a few curly quotes) is reasoning: 726 tokens.
    assert (ev.input_tokens, ev.output_tokens, ev.reasoning_tokens) == (232, 3169, 726)
    assert ev.model == "o1-preview"


def test_a_single_conversation_file_and_an_array_give_the_same(tmp_path: Path) -> None:
    single, ctx = parse_file(ChatGPTExportImporter(), NODE)
    assert ctx.issues == [] and _sums(single) == (2, 676, 910, 0)
    path = _export(tmp_path, [_conv(NODE), _conv(O1)])
    events, ctx = parse_file(ChatGPTExportImporter(), path)
    assert ctx.issues == []
    assert _sums(events) == (3, 908, 4079, 726)


def test_through_the_journal_estimates_are_marked(journal: Journal, tmp_path: Path) -> None:
    path = _export(tmp_path, [_conv(NODE), _conv(O1)])
    [r] = import_paths(journal, [path]).files
    assert (r.status, r.format, r.events_added) == ("imported", "chatgpt", 3)
    sessions = journal.sessions()
    assert len(sessions) == 2
    assert all(s.estimated and s.estimated_tokens == s.total_tokens for s in sessions)
    assert sum(s.total_tokens for s in sessions) == 908 + 4079
    # A later export holding the same conversations and one more call adds only that call.
    later = _conv(NODE)
    last = later["mapping"][later["current_node"]]
    new_q, new_a = "q-new", "a-new"
    last["children"] = [new_q]
    later["mapping"][new_q] = {
        "id": new_q,
        "parent": later["current_node"],
        "children": [new_a],
        "message": {
            "id": new_q,
            "author": {"role": "user"},
            "create_time": 1722261100.0,
            "content": {"content_type": "text", "parts": ["x" * 40]},
            "metadata": {},
        },
    }
    later["mapping"][new_a] = {
        "id": new_a,
        "parent": new_q,
        "children": [],
        "message": {
            "id": new_a,
            "author": {"role": "assistant"},
            "create_time": 1722261110.0,
            "content": {"content_type": "text", "parts": ["y" * 400]},
            "metadata": {"model_slug": "gpt-4o"},
        },
    }
    later["current_node"] = new_a
    newer = _export(tmp_path, [later, _conv(O1)], "conversations-later.json")
    [r2] = import_paths(journal, [newer]).files
    assert (r2.events_added, r2.events_updated) == (1, 0)
    s = journal.session("chatgpt:" + later["conversation_id"])
    assert (s.events, s.input_tokens, s.output_tokens) == (3, 163 + 513 + 513 + 579 + 10, 1010)


def test_only_the_active_branch_counts() -> None:
    conv = _conv(NODE)
    chain = active_branch(conv)
    assert chain[-1]["id"] == NODE_ID and len(chain) == 7
    # Move current_node to the first answer: the second turn is no longer on the branch.
    conv["current_node"] = "df6cc4fe-ee9e-429b-bc9d-e2be31072853"
    assert [e.output_tokens for e in conversation_events(conv)] == [331]
    # Without current_node, the newest leaf is taken.
    del conv["current_node"]
    assert len(conversation_events(conv)) == 2


def test_zip_is_searched_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        # A decoy with the expected name, and the real file under another one.
        zf.writestr("conversations.json", json.dumps([{"id": "x", "conversation_id": "c"}]))
        zf.writestr("chat.html", "<html>" + "x" * 5000 + "</html>")
        zf.writestr("user.json", json.dumps({"id": "user-1", "email": "me@example.com"}))
        zf.writestr("data/renamed.bin", json.dumps([_conv(NODE), _conv(O1)]))
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "chatgpt"
    events, ctx = parse_file(ChatGPTExportImporter(), path)
    assert ctx.issues == []
    assert _sums(events) == (3, 908, 4079, 726)


def _refused(journal: Journal, path: Path, fmt: str | None = None) -> str:
    [r] = import_paths(journal, [path], fmt=fmt).files
    assert r.status == "refused", r
    assert journal.count("events") == 0
    assert r.message is not None
    return r.message


def test_truncated_json_is_refused_before_anything_is_read(
    journal: Journal, tmp_path: Path
) -> None:
    text = json.dumps([_conv(NODE), _conv(O1)])
    path = tmp_path / "conversations.json"
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    assert _refused(journal, path) == (
        "Nothing could be imported: the file is cut short (it does not end with the closing "
        "bracket of a ChatGPT export): export your data again, or take the file from the zip "
        "again, and import it."
    )


def test_truncated_zip_is_refused_with_a_clear_message(journal: Journal, tmp_path: Path) -> None:
    full = tmp_path / "full.zip"
    with zipfile.ZipFile(full, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", json.dumps([_conv(NODE), _conv(O1)] * 20))
        zf.writestr("chat.html", "x" * 100)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    head = cut.read_bytes()[: registry.HEAD_BYTES]
    assert ChatGPTExportImporter().sniff(cut, head) == 0.6  # its first member still reads
    assert _refused(journal, cut) == f"Nothing could be imported: {TRUNCATED_ZIP}."


def test_damage_in_the_middle_rolls_the_whole_file_back(journal: Journal, tmp_path: Path) -> None:
    good = json.dumps([_conv(NODE)] * 3 + [_conv(O1)])
    parts = good.split('"current_node"')
    parts[3] = ' "' + parts[3]  # damage the third conversation: the first two are yielded
    bad = '"current_node"'.join(parts)
    path = tmp_path / "conversations.json"
    path.write_text(bad, encoding="utf-8")
    [r] = import_paths(journal, [path]).files
    assert r.status == "refused"
    assert journal.count("events") == 0 and journal.count("sessions") == 0
    # Conversations 1 and 2 were already written into the file's savepoint: the runner
    # rolled them back. (It words any importer exception as a failure to report.)
    assert (
        "the JSON is damaged in conversation 3 (Expecting ':' delimiter): export your data again"
        in (r.message or "")
    )


def test_json_that_is_not_an_export(journal: Journal, tmp_path: Path) -> None:
    shared = tmp_path / "shared_conversations.json"
    shared.write_text(json.dumps([{"id": "s1", "conversation_id": "c1", "title": "t"}]))
    assert ChatGPTExportImporter().sniff(shared, shared.read_bytes()) == 0.0
    assert _refused(journal, shared, fmt="chatgpt") == (
        "This does not look like chatgpt data; check the --format you chose."
    )
    events, ctx = parse_file(ChatGPTExportImporter(), shared)
    assert events == []
    assert [(i.line, i.reason) for i in ctx.issues] == [
        (
            1,
            "this JSON is not a ChatGPT export: its first item is not a conversation; import "
            "conversations.json from the ChatGPT export (Settings, Data controls, Export) or "
            "the export's zip as downloaded",
        )
    ]


def test_empty_export_imports_nothing(tmp_path: Path) -> None:
    path = _export(tmp_path, [])
    events, ctx = parse_file(ChatGPTExportImporter(), path)
    assert (events, ctx.issues) == ([], [])


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_streaming_reader_matches_json_loads_at_any_chunk_size(chunk: int) -> None:
    items = [_conv(NODE), {"nested": ["]", '\\"', "ü", {"a": [1, 2.5e3, None, True]}]}, _conv(O1)]
    raw = "\ufeff[ " + " ,\n ".join(json.dumps(i, ensure_ascii=False) for i in items) + " ]\n"
    reader = JsonArrayReader(io.BytesIO(raw.encode("utf-8")), what="x", chunk=chunk)
    assert list(reader) == items
    assert reader.count == 3


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'[{"a": 1}, {"b": 2}', "the JSON text ends too early: it is cut short after 2 items."),
        (b'[{"a": 1} {"b": 2}]', "the JSON is damaged after item 1 (found '{' where a comma"),
        (b'[{"a": 1}] x', "there is more text after the end of the JSON ('x')"),
        (b"not json", "this is not x: it is not a JSON array"),
        (b'[{"a": "\xff"}]', "the file is not UTF-8 text: it is not x"),
    ],
)
def test_streaming_reader_names_the_damage(raw: bytes, reason: str) -> None:
    with pytest.raises(BadInput) as err:
        list(JsonArrayReader(io.BytesIO(raw), what="x", chunk=4))
    assert err.value.reason.startswith(reason)


def test_reader_memory_is_bounded_by_the_element_not_the_file() -> None:
    with io.StringIO() as fp:
        write_export(fp, 3 << 20, seed=3)
        data = fp.getvalue().encode()
    reader = JsonArrayReader(io.BytesIO(data), what="x", chunk=64 << 10)
    biggest = 0
    for conv in reader:
        biggest = max(biggest, len(json.dumps(conv)))
        assert len(reader._buf) < 2 * (64 << 10) + 2 * biggest
    assert reader.count > 50


def test_generated_export_gives_the_generators_totals(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    with open(path, "w", encoding="utf-8") as fp:
        totals = write_export(fp, 2 << 20, seed=11)
    [r] = import_paths(journal, [path]).files
    assert r.status == "imported"
    row = journal.conn.execute(
        "SELECT count(*), count(DISTINCT session_key), sum(input_tokens), sum(output_tokens), "
        "sum(reasoning_tokens) FROM events"
    ).fetchone()
    assert row == (
        totals["calls"],
        totals["conversations"],
        totals["input"],
        totals["output"],
        totals["reasoning"],
    )
