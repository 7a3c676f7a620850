"""The shared line readers: exact offsets and line numbers, partial and oversized lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenworth.core.importers import base
from tokenworth.core.importers.base import ParseContext, iter_lines, iter_lines_with


def _lines(*objs: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objs)


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_iter_lines_with_yields_matching_lines_with_their_numbers(chunk: int) -> None:
    data = _lines({"a": 1}, {"usage": 2}, {"b": 3}, {"usage": 4}) + b'{"usage": 5'
    ctx = ParseContext(path=Path("x"))
    got = list(iter_lines_with(io.BytesIO(data), ctx, (b'"usage"',), chunk=chunk))
    assert [(n, json.loads(raw)["usage"]) for n, raw in got] == [(2, 2), (4, 4)]
    complete = data.rfind(b"\n") + 1
    assert (ctx.consumed, ctx.line) == (complete, 4)  # the partial line waits


@given(
    rows=st.lists(
        st.tuples(st.booleans(), st.text(max_size=30)),
        max_size=30,
    ),
    chunk=st.integers(min_value=1, max_value=50),
    cut=st.integers(min_value=0, max_value=2000),
)
@settings(max_examples=200, deadline=None)
def test_resuming_anywhere_gives_the_same_lines(rows, chunk, cut) -> None:
    """Reading a prefix, then the rest from ctx.consumed, equals reading all at once."""
    data = _lines(*({"usage" if hit else "other": text} for hit, text in rows))
    whole = list(iter_lines_with(io.BytesIO(data), ParseContext(path=Path("x")), (b'"usage"',)))
    prefix = data[: min(cut, len(data))]
    ctx = ParseContext(path=Path("x"))
    first = list(iter_lines_with(io.BytesIO(prefix), ctx, (b'"usage"',), chunk=chunk))
    rest_ctx = ParseContext(
        path=Path("x"), offset=ctx.consumed, consumed=ctx.consumed, line=ctx.line
    )
    fp = io.BytesIO(data)
    fp.seek(ctx.consumed)
    second = list(iter_lines_with(fp, rest_ctx, (b'"usage"',), chunk=chunk))
    assert first + second == whole
    assert rest_ctx.consumed == len(data) and rest_ctx.line == len(rows)
    plain = [(n, raw) for n, raw in iter_lines(io.BytesIO(data), ParseContext(path=Path("x")))]
    assert whole == [(n, raw) for n, raw in plain if b'"usage"' in raw]


def test_oversized_line_is_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_LINE", 100)
    data = b'{"usage": "' + b"x" * 500 + b'"}\n' + _lines({"usage": 1})
    ctx = ParseContext(path=Path("f.jsonl"))
    got = list(iter_lines_with(io.BytesIO(data), ctx, (b'"usage"',), chunk=64))
    assert [n for n, _ in got] == [2]
    assert [(i.line, "longer than" in i.reason) for i in ctx.issues] == [(1, True)]
    assert ctx.consumed == len(data)
