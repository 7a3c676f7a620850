"""Claude.ai data export (the zip or its conversations.json): estimated tokens per reply.

Settings, Privacy, Export data sends a zip with ``conversations.json``: one JSON array of
``{uuid, name, created_at, chat_messages: [...]}``. It is streamed one conversation at a time
(``JsonArrayReader``), and inside the zip found by its content, not its name.

A message is ``{uuid, sender: human|assistant, created_at, text, content: [...],
attachments: [{extracted_content}], parent_message_uuid}``. ``content`` blocks are ``text``,
``thinking``, ``tool_use`` and ``tool_result``; older exports have only ``text`` (whose
placeholders for unsupported blocks are then all there is).

The export has no model and no token counts. Every assistant message is one model call whose
output is its text, thinking (also counted as reasoning) and tool inputs, and whose input is
everything before it on the branch: each turn re-sends the conversation so far, attached
files' extracted text included; tool results join that history. Counts are offline estimates
(``_tabular.estimate_tokens``) stored with ``estimated`` set, and the model is unknown.

Branches: newer exports link messages by ``parent_message_uuid`` (the root parent is
``00000000-0000-4000-8000-000000000000``); the active branch is the walk up from the newest
leaf. Without links the list order is the conversation. One conversation is one session
(``claude-ai:<uuid>``), a reply's dedup key its conversation and message uuids. No prompt or
response text is stored.

A file that is cut short or whose JSON is damaged is refused whole (nothing from it is kept).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO, ClassVar

from tokenworth.core.importers._tabular import (
    ESTIMATE_VERSION,
    BadInput,
    check_complete,
    estimate_tokens,
    is_zip,
    open_zip_member,
    parse_time,
    read_conversations,
    strip_start,
    zip_sniff,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "claude-ai"
WHAT = "a Claude.ai export"
ADVICE = (
    "import conversations.json from the Claude.ai export (Settings, Privacy, Export data) "
    "or the export's zip as downloaded"
)


def looks_like(head: bytes) -> bool:
    """True for the first bytes of a Claude.ai conversations.json."""
    start = strip_start(head)
    return start[:1] in (b"[", b"{") and b'"chat_messages"' in head and b'"uuid"' in head


def _block_text(value: Any) -> str:
    """The text inside a tool result's content (a string or a list of text blocks)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_block_text(v) for v in value)
    if isinstance(value, dict):
        return _block_text(value.get("text") or value.get("content") or "")
    return ""


def message_tokens(msg: Mapping[str, Any]) -> tuple[int, int, int]:
    """Estimated (visible, thinking, tool result) tokens of one message."""
    visible = thinking = results = 0
    blocks = msg.get("content")
    if isinstance(blocks, list) and blocks:
        for block in blocks:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text":
                visible += estimate_tokens(str(block.get("text") or ""))
            elif kind == "thinking":
                thinking += estimate_tokens(str(block.get("thinking") or ""))
            elif kind == "tool_use":
                visible += estimate_tokens(json.dumps(block.get("input") or {}))
            elif kind == "tool_result":
                results += estimate_tokens(_block_text(block.get("content")))
    else:
        visible = estimate_tokens(str(msg.get("text") or ""))
    for att in msg.get("attachments") or ():
        if isinstance(att, dict):
            visible += estimate_tokens(str(att.get("extracted_content") or ""))
    return visible, thinking, results


def active_branch(messages: list[Any]) -> list[Mapping[str, Any]]:
    """The messages of the branch last written to, oldest first."""
    msgs: list[Mapping[str, Any]] = [
        m for m in messages if isinstance(m, dict) and isinstance(m.get("uuid"), str)
    ]
    if not any(m.get("parent_message_uuid") for m in msgs):
        return msgs
    by_id = {m["uuid"]: m for m in msgs}
    parents = {m.get("parent_message_uuid") for m in msgs}
    leaves = [m for m in msgs if m["uuid"] not in parents]
    if not leaves:
        return msgs
    node: Mapping[str, Any] | None = max(
        enumerate(leaves), key=lambda im: (str(im[1].get("created_at") or ""), im[0])
    )[1]
    chain: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    while node is not None and node["uuid"] not in seen:
        seen.add(node["uuid"])
        chain.append(node)
        node = by_id.get(node.get("parent_message_uuid") or "")
    chain.reverse()
    return chain


def conversation_events(conv: Mapping[str, Any]) -> list[UsageEvent]:
    """The estimated replies of one conversation's active branch."""
    conv_id = conv.get("uuid")
    messages = conv.get("chat_messages")
    if not isinstance(conv_id, str) or not isinstance(messages, list):
        return []
    model = conv.get("model") if isinstance(conv.get("model"), str) else None
    events: list[UsageEvent] = []
    history = 0
    last_ts = str(conv.get("created_at") or "")
    for msg in active_branch(messages):
        # {"uuid": "...", "sender": "assistant", "created_at": "2024-09-02T23:22:38.815599Z",
        #  "content": [{"type": "thinking", ...}, {"type": "text", "text": "..."}], ...}
        visible, thinking, results = message_tokens(msg)
        created = str(msg.get("created_at") or last_ts)
        if created:
            last_ts = created
        if msg.get("sender") == "assistant" and (visible or thinking):
            try:
                ts = parse_time(created, None, "created_at")
            except BadInput:
                ts = "1970-01-01T00:00:00.000Z"
            events.append(
                UsageEvent(
                    tool=TOOL,
                    ts=ts,
                    session_key=f"{TOOL}:{conv_id}",
                    dedup_key=f"{TOOL}:{conv_id}:{msg['uuid']}",
                    model=model,
                    input_tokens=history,
                    output_tokens=visible + thinking,
                    reasoning_tokens=thinking,
                    estimated=True,
                    dedup_rank=ESTIMATE_VERSION,
                )
            )
        history += visible + results
    return events


class ClaudeAIExportImporter(Importer):
    """The Claude.ai account export: ``conversations.json`` or the zip it comes in."""

    name: ClassVar[str] = "claude-ai"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".zip")

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure for conversations with ``chat_messages``; a zip is judged by content."""
        if is_zip(head):
            return zip_sniff(path, head, looks_like)
        return 0.9 if looks_like(head) else 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield each conversation's estimated replies, one conversation in memory at a time.

        Raises:
            InputError: the JSON turned out damaged after some conversations were read;
                the runner rolls the file back (see ``_tabular.read_conversations``).
        """
        try:
            stream = self._open(fp)
        except BadInput as err:
            ctx.issue(err.line, err.reason)
            return
        yield from read_conversations(
            stream, fp, ctx, conversation_events, WHAT, ADVICE, key="chat_messages"
        )

    def _open(self, fp: BinaryIO) -> IO[bytes]:
        head = fp.read(4096)
        fp.seek(0)
        if is_zip(head):
            return open_zip_member(fp, looks_like, WHAT)
        check_complete(fp, WHAT)
        return fp
