"""ChatGPT data export (the zip or its conversations.json): estimated tokens per model call.

``conversations.json`` is one JSON array of conversations, often one line of hundreds of MB.
It is read with ``JsonArrayReader``: one conversation in memory at a time, whatever the size.
Inside the zip (Settings, Data controls, Export) the file is found by its content, not its name.

A conversation is a tree: ``mapping`` holds every node (regenerations and edits are sibling
branches) and ``current_node`` the leaf of the branch the person last saw. The active branch
is the walk from ``current_node`` up its ``parent`` links. Along it:

- consecutive assistant messages form one model call (a reasoning model's thoughts, shown as
  a ``tool`` message with "Thought for N seconds" or as ``thoughts`` content, belong to it);
- the call's output is the estimated tokens of those messages, reasoning included;
- its input is everything before it on the branch (system, custom instructions, user and tool
  messages, earlier answers): each turn re-sends the conversation so far;
- its model is the last ``metadata.model_slug`` of its messages (the conversation's
  ``default_model_slug`` can be ``auto``).

The export has no token counts: every number is an offline estimate (see
``_tabular.estimate_tokens``; attached files add their ``file_token_size``) and is stored with
``estimated`` set. Images and audio add nothing. One conversation is one session
(``chatgpt:<conversation id>``); a call's dedup key is the conversation and its first
message id, so importing a later export again adds only the new calls. No prompt or response
text is stored.

A file that is cut short or whose JSON is damaged is refused whole (nothing from it is kept).
"""

from __future__ import annotations

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
    read_conversations,
    strip_start,
    zip_sniff,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent
from tokenworth.core.timeutil import from_epoch

TOOL = "chatgpt"
WHAT = "a ChatGPT export"
ADVICE = (
    "import conversations.json from the ChatGPT export (Settings, Data controls, Export) "
    "or the export's zip as downloaded"
)
# Content parts that are text sent to or written by the model, by content type.
_TEXT_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("text",),
    "execution_output": ("text",),
    "user_editable_context": ("user_profile", "user_instructions"),
    "tether_browsing_display": ("result", "summary"),
    "tether_quote": ("title", "text"),
    "system_error": ("text",),
}
_SKIP_TYPES = frozenset({"reasoning_recap"})  # "Thought for 8 seconds": interface text


def looks_like(head: bytes) -> bool:
    """True for the first bytes of a conversations.json (or of one conversation)."""
    start = strip_start(head)
    return start[:1] in (b"[", b"{") and b'"mapping"' in head and b'"author"' in head


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value except ``content_type`` tags."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("content_type", "asset_pointer", "id"):
                yield from _strings(v)


def content_tokens(content: Any) -> int:
    """Estimated tokens of one message's ``content``."""
    if not isinstance(content, dict):
        return 0
    ctype = content.get("content_type")
    if ctype in _SKIP_TYPES:
        return 0
    if ctype in ("text", "multimodal_text"):
        total = 0
        for part in content.get("parts") or ():
            if isinstance(part, str):
                total += estimate_tokens(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                total += estimate_tokens(part["text"])  # audio transcriptions
        return total
    if ctype == "thoughts":
        thoughts = content.get("thoughts") or ()
        return sum(
            estimate_tokens(t.get("content") or "") + estimate_tokens(t.get("summary") or "")
            for t in thoughts
            if isinstance(t, dict)
        )
    keys = _TEXT_KEYS.get(str(ctype))
    if keys is not None:
        return sum(estimate_tokens(v) for k in keys if isinstance(v := content.get(k), str))
    return sum(estimate_tokens(s) for s in _strings(content))


def _attachment_tokens(meta: Mapping[str, Any]) -> int:
    total = 0
    for att in meta.get("attachments") or ():
        if isinstance(att, dict):
            size = att.get("file_token_size")
            if isinstance(size, int | float) and not isinstance(size, bool) and size > 0:
                total += int(size)
    return total


def _is_reasoning(msg: Mapping[str, Any], role: str) -> bool:
    """A reasoning model's thoughts: ``thoughts`` content, or o1's "Thinking" tool message."""
    content = msg.get("content")
    if isinstance(content, dict) and content.get("content_type") == "thoughts":
        return True
    meta = msg.get("metadata")
    return role == "tool" and isinstance(meta, dict) and ("initial_text" in meta)


def active_branch(conv: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The messages from the root to ``current_node`` (the last leaf when it is missing)."""
    mapping = conv.get("mapping")
    if not isinstance(mapping, dict) or not mapping:
        return []
    node_id = conv.get("current_node")
    if node_id not in mapping:
        leaves = [n for n in mapping.values() if isinstance(n, dict) and not n.get("children")]
        node_id = max(leaves, key=_node_time, default={}).get("id")
    chain: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        if not isinstance(node, dict):
            break
        msg = node.get("message")
        if isinstance(msg, dict):
            chain.append(msg)
        node_id = node.get("parent")
    chain.reverse()
    return chain


def _node_time(node: Mapping[str, Any]) -> float:
    msg = node.get("message")
    t = msg.get("create_time") if isinstance(msg, dict) else None
    return float(t) if isinstance(t, int | float) else 0.0


def conversation_events(conv: Mapping[str, Any]) -> list[UsageEvent]:
    """The estimated model calls of one conversation's active branch."""
    conv_id = conv.get("conversation_id") or conv.get("id")
    if not isinstance(conv_id, str) or not conv_id:
        return []
    default_model = conv.get("default_model_slug")
    fallback_model = default_model if isinstance(default_model, str) else None
    if fallback_model == "auto":
        fallback_model = None
    conv_time = conv.get("create_time")
    events: list[UsageEvent] = []
    history = 0
    call: dict[str, Any] | None = None
    last_time = float(conv_time) if isinstance(conv_time, int | float) else None

    def close() -> None:
        nonlocal call, history
        if call is not None and (call["out"] or call["reasoning"]):
            t = call["time"] if call["time"] is not None else last_time
            events.append(
                UsageEvent(
                    tool=TOOL,
                    ts=from_epoch(t) if t is not None else "1970-01-01T00:00:00.000Z",
                    session_key=f"{TOOL}:{conv_id}",
                    dedup_key=f"{TOOL}:{conv_id}:{call['first']}",
                    model=call["model"] or fallback_model,
                    input_tokens=history,
                    output_tokens=call["out"] + call["reasoning"],
                    reasoning_tokens=call["reasoning"],
                    estimated=True,
                    dedup_rank=ESTIMATE_VERSION,
                )
            )
            history += call["out"]  # thoughts are not sent again in later turns
        call = None

    for msg in active_branch(conv):
        # {"id": "df6cc4fe-...", "author": {"role": "assistant"}, "create_time": 1722260921.4,
        #  "content": {"content_type": "text", "parts": ["..."]},
        #  "metadata": {"model_slug": "gpt-4o-mini", ...}}
        author = msg.get("author")
        role = author.get("role") if isinstance(author, dict) else None
        raw_meta = msg.get("metadata")
        meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        created = msg.get("create_time")
        t = float(created) if isinstance(created, int | float) else None
        tokens = content_tokens(msg.get("content"))
        context = meta.get("user_context_message_data")
        if not tokens and isinstance(context, dict):  # custom instructions kept in metadata
            tokens = sum(estimate_tokens(s) for s in _strings(context))
        reasoning = _is_reasoning(msg, str(role))
        if role == "assistant" or reasoning:
            if call is None:
                call = {"first": msg.get("id"), "time": t, "out": 0, "reasoning": 0, "model": None}
            elif t is not None and (call["time"] is None or t < call["time"]):
                call["time"] = t
            call["reasoning" if reasoning else "out"] += tokens
            slug = meta.get("model_slug")
            if isinstance(slug, str) and slug and slug != "auto":
                call["model"] = slug
        else:
            close()
            history += tokens + _attachment_tokens(meta)
        if t is not None:
            last_time = t
    close()
    return events


class ChatGPTExportImporter(Importer):
    """The ChatGPT account export: ``conversations.json`` or the zip it comes in."""

    name: ClassVar[str] = "chatgpt"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".zip")

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure for conversation objects; a zip is judged by its members' content."""
        if is_zip(head):
            return zip_sniff(path, head, looks_like)
        return 0.9 if looks_like(head) else 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield each conversation's estimated calls, one conversation in memory at a time.

        Raises:
            InputError: the JSON turned out damaged after some conversations were read;
                the runner rolls the file back (see ``_tabular.read_conversations``).
        """
        try:
            stream = self._open(fp)
        except BadInput as err:
            ctx.issue(err.line, err.reason)
            return
        yield from read_conversations(stream, fp, ctx, conversation_events, WHAT, ADVICE)

    def _open(self, fp: BinaryIO) -> IO[bytes]:
        head = fp.read(4096)
        fp.seek(0)
        if is_zip(head):
            return open_zip_member(fp, looks_like, WHAT)
        check_complete(fp, WHAT)
        return fp
