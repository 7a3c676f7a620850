"""Import files into the journal: find them, read only what is new, write each all-or-nothing.

The runner owns the incremental logic. For every file the journal's ledger remembers
its size, mtime, inode, how many bytes were consumed and hashes of the first bytes and of
the bytes just before the consumed offset. A file that only grew is read from where the
last import stopped; a file that shrank or whose earlier bytes changed is read again whole
and its earlier events are replaced, so nothing is ever counted twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tokenworth.core.errors import JournalError, TokenworthError
from tokenworth.core.importers import presets, registry
from tokenworth.core.importers.base import Cancelled, Importer, ParseContext
from tokenworth.core.model import FileResult, ImportReport, ParseIssue, UsageEvent
from tokenworth.core.store import FileRecord, Journal
from tokenworth.core.store.journal import PackedEvent, pack_event

log = logging.getLogger(__name__)

HASH_SPAN = 4096
# Commit at most this often: each commit is an fsync, and savepoints keep every file
# all-or-nothing inside the larger transaction anyway.
COMMIT_EVERY_S = 2.0
# Below this many bytes to read, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024

Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, current file)


@dataclass(slots=True)
class _Candidate:
    path: Path
    importer: Importer | None  # forced or known; None means sniff
    size: int = 0
    found: bool = False  # met in a folder walk, not named by the person


def _span_hash(fp: BinaryIO, start: int, length: int) -> str:
    fp.seek(start)
    return hashlib.blake2b(fp.read(length), digest_size=16).hexdigest()


def _hashes(fp: BinaryIO | None, consumed: int) -> tuple[str, str]:
    """Hashes of the first bytes and of the bytes just before ``consumed``."""
    assert fp is not None
    head = _span_hash(fp, 0, min(HASH_SPAN, consumed))
    tail_start = max(0, consumed - HASH_SPAN)
    tail = _span_hash(fp, tail_start, consumed - tail_start)
    return head, tail


def expand_paths(
    paths: Iterable[Path | str], importer: Importer | None = None
) -> tuple[list[_Candidate], list[FileResult]]:
    """Files named directly, and the files inside named folders that a format may claim.

    Returns:
        The candidate files, and results for paths that do not exist.
    """
    importers = [importer] if importer else registry.all_importers()
    # A cheap test on the name first: most files in a log folder are claimed by suffix.
    suffixes = tuple({sfx for imp in importers for sfx in imp.suffixes}) or ("",)
    found: list[_Candidate] = []
    missing: list[FileResult] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for folder, dirs, files in os.walk(os.path.abspath(path)):
                dirs.sort()
                for name in sorted(files):
                    if not name.endswith(suffixes):
                        continue
                    key = os.path.join(folder, name)
                    p = Path(key)
                    if key not in seen and any(imp.wants(p) for imp in importers):
                        seen.add(key)
                        found.append(_Candidate(p, importer, found=True))
        elif path.exists():
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                found.append(_Candidate(Path(key), importer))
        else:
            missing.append(
                FileResult(str(path), None, "refused", message="No such file or folder.")
            )
    return found, missing


def import_paths(
    journal: Journal,
    paths: Iterable[Path | str],
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    parallel: bool | None = None,
    importer: Importer | None = None,
) -> ImportReport:
    """Import files and folders into ``journal``.

    Args:
        journal: The open journal (of this thread).
        paths: Files, or folders searched recursively.
        fmt: Force one format (``--format``) instead of sniffing each file.
        progress: Called with (bytes done, bytes total, current file).
        cancel: Returns True when the person asked to stop; the file being read is
            rolled back and the files before it stay imported.
        parallel: Parse in worker processes (None: when there is enough to read).
        importer: Force this importer (e.g. a CSV preset's); wins over ``fmt``.

    Returns:
        One FileResult per file, including refused ones with their reasons.
    """
    if importer is None and fmt:
        importer = presets.importer_for(fmt, presets.load_presets(journal))
    candidates, missing = expand_paths(paths, importer)
    report = ImportReport(files=list(missing))
    report.files.extend(
        import_candidates(journal, candidates, progress=progress, cancel=cancel, parallel=parallel)
    )
    return report


def scan_roots(env: Mapping[str, str], home: Path) -> list[tuple[Importer, Path]]:
    """Every existing default folder of every format, for ``tokenworth scan``."""
    out: list[tuple[Importer, Path]] = []
    seen: set[str] = set()
    for imp in registry.all_importers():
        for root in imp.default_roots(env, home):
            key = os.path.abspath(root)
            if root.is_dir() and key not in seen:
                seen.add(key)
                out.append((imp, root))
    return out


def scan(
    journal: Journal,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[ImportReport, list[tuple[str, Path]]]:
    """Import every default log folder that exists on this machine.

    Returns:
        The report, and the (format, folder) pairs that were searched.
    """
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    roots = scan_roots(env, home)
    candidates: list[_Candidate] = []
    for imp, root in roots:
        found, _ = expand_paths([root], imp)
        candidates.extend(found)
    report = ImportReport(
        files=import_candidates(journal, candidates, progress=progress, cancel=cancel)
    )
    return report, [(imp.name, root) for imp, root in roots]


def import_candidates(
    journal: Journal,
    candidates: list[_Candidate],
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    parallel: bool | None = None,
) -> list[FileResult]:
    """Import already-found files, committing every few seconds.

    Files that need reading are parsed in worker processes when there is enough to read
    (``parallel=None`` decides by size); the journal is written on this thread only, in
    the candidates' order, so the first file of a forked history keeps its events.
    """
    ledger = journal.file_records()
    saved_presets = presets.load_presets(journal)
    options = {"idle_gap_minutes": _idle_gap(journal)}
    results: list[FileResult | None] = [None] * len(candidates)
    plans: list[tuple[int, _Plan]] = []
    for n, cand in enumerate(candidates):
        planned = _plan(cand, ledger.get(str(cand.path)), saved_presets, options)
        if isinstance(planned, FileResult):
            results[n] = planned
        else:
            plans.append((n, planned))
    total = sum(p.size - p.offset for _, p in plans)
    if parallel is None:
        parallel = len(plans) >= 4 and total >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1
    writer = _Writer(journal, total, progress, cancel)
    try:
        if parallel:
            writer.run_parallel(plans, results)
        else:
            writer.run_serial(plans, results)
    except BaseException as err:
        writer.close(err)
        raise
    writer.close(None)
    if progress:
        progress(writer.done, total, "")
    out: list[FileResult] = []
    for n, cand in enumerate(candidates):
        r = results[n]
        # Files never reached are listed so nothing is silently skipped.
        out.append(
            r or FileResult(str(cand.path), None, "cancelled", message="Not read: cancelled.")
        )
    return out


@dataclass(slots=True)
class _Plan:
    """What to read of one file: decided from the ledger, its stat and its first bytes."""

    path: Path
    importer: Importer
    size: int
    mtime_ns: int
    inode: int
    offset: int  # where reading starts (0 = the whole file)
    line: int
    state: dict[str, Any]
    replace: bool  # drop the file's earlier events first (it was rewritten)
    options: dict[str, Any]  # import settings for the parser (ParseContext.options)


def _idle_gap(journal: Journal) -> float:
    """The idle gap that splits per-request rows into sessions (journal setting, minutes)."""
    try:
        return max(1.0, float(journal.get_setting("idle_gap_minutes") or 30))
    except ValueError:
        return 30.0


def _plan(
    cand: _Candidate,
    known: FileRecord | None,
    saved_presets: Mapping[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> _Plan | FileResult:
    """Decide what to do with one file without writing anything."""
    path = cand.path
    spath = str(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            return FileResult(spath, None, "refused", message="Not a regular file.")
        if (
            known is not None
            and known.size == st.st_size
            and known.mtime_ns == st.st_mtime_ns
            and known.inode == st.st_ino
            and (cand.importer is None or cand.importer.name == known.format)
        ):
            return FileResult(spath, known.format, "unchanged")
        with open(path, "rb") as fp:
            head = fp.read(registry.HEAD_BYTES)
            if not head:
                return FileResult(spath, None, "empty", message="The file is empty.")
            importer = cand.importer
            if importer is not None and known is None and _sniff(importer, path, head) < 0.5:
                return FileResult(
                    spath,
                    None,
                    "refused",
                    message=f"This does not look like {importer.name} data; "
                    "check the --format you chose.",
                )
            if importer is None and known is not None:
                try:
                    importer = presets.importer_for(known.format, saved_presets or {})
                except TokenworthError as err:  # e.g. its CSV preset was deleted since
                    return FileResult(spath, known.format, "refused", message=str(err))
            if importer is None:
                importer = registry.detect(path, head)
            if importer is None:
                if cand.found:
                    # A README or manifest beside the logs: listed, not an error.
                    return FileResult(
                        spath, None, "skipped", message="Not a usage file; left alone."
                    )
                reason = (
                    "Binary data, not a usage log or export."
                    if b"\x00" in head[:4096]
                    else "Not a usage file Tokenworth recognizes; "
                    "if you know its format, use --format."
                )
                return FileResult(spath, None, "refused", message=reason)
            resume = False
            if (
                known is not None
                and importer.is_incremental(known.state)
                and known.format == importer.name
                and st.st_size >= known.consumed
                and known.inode == st.st_ino
            ):
                resume = _hashes(fp, known.consumed) == (known.head_hash, known.tail_hash)
    except OSError as err:
        return FileResult(
            spath, None, "refused", message=f"Could not read the file: {err.strerror or err}."
        )
    state = dict(known.state) if resume and known is not None else {}
    return _Plan(
        path=path,
        importer=importer,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        inode=st.st_ino,
        offset=known.consumed if resume and known is not None else 0,
        line=int(state.pop("_line", 0)),
        state=state,
        replace=known is not None and not resume,
        options=dict(options or {}),
    )


@dataclass(slots=True)
class _Parsed:
    """A file parsed in a worker process, ready to be written."""

    events: list[PackedEvent]
    consumed: int
    line: int
    state: dict[str, Any]
    issues: list[ParseIssue]
    hashes: tuple[str, str]
    error: FileResult | None = None


def _parse_events(plan: _Plan, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
    fp.seek(plan.offset)
    yield from plan.importer.parse(fp, ctx)
    if not plan.importer.is_incremental(ctx.state):
        ctx.consumed = plan.size  # a whole-file format: all of it was read


def _failure(path: Path, err: BaseException) -> FileResult:
    if isinstance(err, TokenworthError) and not isinstance(err, JournalError):
        # The parser's own sentence: damage found midway (a truncated export), not a bug.
        return FileResult(str(path), None, "refused", message=f"Nothing could be imported: {err}")
    if isinstance(err, OSError):
        return FileResult(
            str(path), None, "refused", message=f"Could not read the file: {err.strerror or err}."
        )
    log.error("importer failed on %s", path, exc_info=err)
    return FileResult(
        str(path),
        None,
        "refused",
        message=f"Tokenworth failed to read this file ({type(err).__name__}: {err}); "
        "nothing from it was imported. Please report this.",
    )


def _parse_in_worker(plan: _Plan) -> _Parsed:
    """Parse one whole file into memory (runs in a worker process)."""
    ctx = ParseContext(
        path=plan.path,
        offset=plan.offset,
        consumed=plan.offset,
        line=plan.line,
        state=plan.state,
        options=plan.options,
    )
    try:
        with open(plan.path, "rb") as fp:
            events = [pack_event(ev) for ev in _parse_events(plan, fp, ctx)]
            hashes = _hashes(fp, ctx.consumed)
    except Exception as err:  # a parser bug must cost one file, not the whole import
        return _Parsed([], 0, 0, {}, [], ("", ""), error=_failure(plan.path, err))
    return _Parsed(events, ctx.consumed, ctx.line, ctx.state, ctx.issues, hashes)


def _pool_context() -> Any:
    import multiprocessing
    import threading

    # fork is cheapest, but forking a process that runs other threads (the window's) is
    # unsafe: there a fork server starts clean workers.
    if os.name == "posix" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if os.name == "posix":
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class _Writer:
    """Writes parsed files into the journal, one savepoint each, committing every few seconds."""

    def __init__(
        self,
        journal: Journal,
        total: int,
        progress: Progress | None,
        cancel: Callable[[], bool] | None,
    ) -> None:
        self.journal = journal
        self.total = total
        self.progress = progress
        self.cancel = cancel
        self.done = 0
        self._tx = journal.transaction()
        self._tx.__enter__()
        self._last_commit = time.monotonic()

    def close(self, err: BaseException | None) -> None:
        """Commit what was written, or roll back the open transaction after ``err``."""
        if err is None:
            self._tx.__exit__(None, None, None)
        else:
            self._tx.__exit__(type(err), err, err.__traceback__)

    def _maybe_commit(self) -> None:
        if time.monotonic() - self._last_commit > COMMIT_EVERY_S:
            self._tx.__exit__(None, None, None)
            self._tx = self.journal.transaction()
            self._tx.__enter__()
            self._last_commit = time.monotonic()

    def _tick_for(self, plan: _Plan) -> Callable[[int], None]:
        base = self.done

        def tick(n: int) -> None:
            if self.cancel is not None and self.cancel():
                raise Cancelled
            if self.progress:
                self.progress(base + n, self.total, str(plan.path))

        return tick

    def run_serial(self, plans: list[tuple[int, _Plan]], results: list[FileResult | None]) -> None:
        """Parse and write file by file on this thread, streaming the events."""
        for n, plan in plans:
            ctx = ParseContext(
                path=plan.path,
                offset=plan.offset,
                consumed=plan.offset,
                line=plan.line,
                state=plan.state,
                tick=self._tick_for(plan),
                options=plan.options,
            )
            try:
                with open(plan.path, "rb") as fp:
                    results[n] = self._write(plan, ctx, _parse_events(plan, fp, ctx), fp)
            except Cancelled:
                results[n] = FileResult(
                    str(plan.path), None, "cancelled", message="Cancelled: nothing from this file."
                )
                return
            except JournalError:
                raise
            except Exception as err:
                results[n] = _failure(plan.path, err)
            self.done += plan.size - plan.offset
            self._maybe_commit()

    def run_parallel(
        self, plans: list[tuple[int, _Plan]], results: list[FileResult | None]
    ) -> None:
        """Parse in worker processes, write here in order; Cancel stops the workers."""
        workers = min(os.cpu_count() or 2, 4, len(plans))
        with _pool_context().Pool(workers) as pool:
            it = pool.imap(_parse_in_worker, [p for _, p in plans], chunksize=1)
            for (n, plan), parsed in zip(plans, it, strict=False):
                if self.cancel is not None and self.cancel():
                    pool.terminate()
                    return
                if parsed.error is not None:
                    results[n] = parsed.error
                else:
                    ctx = ParseContext(
                        path=plan.path,
                        offset=plan.offset,
                        consumed=parsed.consumed,
                        line=parsed.line,
                        state=parsed.state,
                        issues=parsed.issues,
                    )
                    results[n] = self._write(plan, ctx, parsed.events, None, parsed.hashes)
                self.done += plan.size - plan.offset
                if self.progress:
                    self.progress(self.done, self.total, str(plan.path))
                self._maybe_commit()

    def _write(
        self,
        plan: _Plan,
        ctx: ParseContext,
        events: Iterable[UsageEvent | PackedEvent],
        fp: BinaryIO | None,
        hashes: tuple[str, str] | None = None,
    ) -> FileResult:
        record = FileRecord(
            path=str(plan.path),
            format=plan.importer.name,
            size=plan.size,
            mtime_ns=plan.mtime_ns,
            inode=plan.inode,
            consumed=plan.offset,
            head_hash=None,
            tail_hash=None,
        )
        counted = 0

        def counting() -> Iterator[UsageEvent | PackedEvent]:
            nonlocal counted
            for ev in events:
                counted += 1
                yield ev
            # The parser has finished: the ledger row records where it stopped.
            record.consumed = ctx.consumed
            record.state = {**ctx.state, "_line": ctx.line}
            record.head_hash, record.tail_hash = (
                hashes if hashes is not None else _hashes(fp, ctx.consumed)
            )

        try:
            with self.journal.transaction():
                written = self.journal.write_events(
                    counting(), file=record, replace_file=plan.replace
                )
                if counted == 0 and ctx.issues and plan.offset == 0:
                    raise _Refused  # nothing usable and something wrong: refuse it whole
        except _Refused:
            first = ctx.issues[0]
            where = f"line {first.line}: " if first.line else ""
            more = f" (and {len(ctx.issues) - 1} more problems)" if len(ctx.issues) > 1 else ""
            return FileResult(
                str(plan.path),
                plan.importer.name,
                "refused",
                issues=ctx.issues,
                message=f"Nothing could be imported: {where}{first.reason}{more}.",
            )
        status = "imported" if (plan.offset == 0 or ctx.consumed > plan.offset) else "unchanged"
        return FileResult(
            str(plan.path),
            plan.importer.name,
            status,
            events_added=written.added,
            events_updated=written.updated,
            bytes_read=ctx.consumed - plan.offset,
            issues=ctx.issues,
        )


def _sniff(importer: Importer, path: Path, head: bytes) -> float:
    try:
        return importer.sniff(path, head)
    except Exception:
        return 0.0


class _Refused(Exception):
    """Raised inside the file's savepoint to roll it back."""
