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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tokenworth.core.errors import JournalError
from tokenworth.core.importers import registry
from tokenworth.core.importers.base import Cancelled, Importer, ParseContext
from tokenworth.core.model import FileResult, ImportReport, UsageEvent
from tokenworth.core.store import FileRecord, Journal

log = logging.getLogger(__name__)

HASH_SPAN = 4096
# Commit at most this often: each commit is an fsync, and savepoints keep every file
# all-or-nothing inside the larger transaction anyway.
COMMIT_EVERY_S = 2.0

Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, current file)


@dataclass(slots=True)
class _Candidate:
    path: Path
    importer: Importer | None  # forced or known; None means sniff
    size: int = 0


def _span_hash(fp: object, start: int, length: int) -> str:
    f = fp  # a binary file object
    f.seek(start)  # type: ignore[attr-defined]
    return hashlib.blake2b(f.read(length), digest_size=16).hexdigest()  # type: ignore[attr-defined]


def _hashes(fp: object, consumed: int) -> tuple[str, str]:
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
    found: list[_Candidate] = []
    missing: list[FileResult] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    p = Path(folder, name)
                    if any(imp.wants(p) for imp in importers):
                        key = os.path.abspath(p)
                        if key not in seen:
                            seen.add(key)
                            found.append(_Candidate(Path(key), importer))
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
) -> ImportReport:
    """Import files and folders into ``journal``.

    Args:
        journal: The open journal (of this thread).
        paths: Files, or folders searched recursively.
        fmt: Force one format (``--format``) instead of sniffing each file.
        progress: Called with (bytes done, bytes total, current file).
        cancel: Returns True when the person asked to stop; the file being read is
            rolled back and the files before it stay imported.

    Returns:
        One FileResult per file, including refused ones with their reasons.
    """
    importer = registry.by_name(fmt) if fmt else None
    candidates, missing = expand_paths(paths, importer)
    report = ImportReport(files=list(missing))
    report.files.extend(import_candidates(journal, candidates, progress=progress, cancel=cancel))
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
) -> list[FileResult]:
    """Import already-found files, committing every few seconds."""
    ledger = journal.file_records()
    for cand in candidates:
        try:
            cand.size = cand.path.stat().st_size
        except OSError:
            cand.size = 0
    total = sum(c.size for c in candidates)
    done = 0
    results: list[FileResult] = []
    last_commit = time.monotonic()
    stop = False
    tx = journal.transaction()
    tx.__enter__()
    try:
        for cand in candidates:
            if stop:
                break
            if progress:
                progress(done, total, str(cand.path))

            def tick(n: int, _base: int = done, _path: str = str(cand.path)) -> None:
                if cancel is not None and cancel():
                    raise Cancelled
                if progress:
                    progress(_base + n, total, _path)

            result = _import_one(journal, cand, ledger.get(str(cand.path)), tick)
            results.append(result)
            if result.status == "cancelled":
                stop = True
            done += cand.size
            if time.monotonic() - last_commit > COMMIT_EVERY_S:
                tx.__exit__(None, None, None)
                tx = journal.transaction()
                tx.__enter__()
                last_commit = time.monotonic()
    except BaseException as err:
        tx.__exit__(type(err), err, err.__traceback__)
        raise
    else:
        tx.__exit__(None, None, None)
    if progress:
        progress(total if not stop else done, total, "")
    if stop:
        # Files never reached are listed so nothing is silently skipped.
        reached = {r.path for r in results}
        for cand in candidates:
            if str(cand.path) not in reached:
                results.append(
                    FileResult(str(cand.path), None, "cancelled", message="Not read: cancelled.")
                )
    return results


def _import_one(
    journal: Journal,
    cand: _Candidate,
    known: FileRecord | None,
    tick: Callable[[int], None],
) -> FileResult:
    path = cand.path
    spath = str(path)
    try:
        st = path.stat()
        if not path.is_file():
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
                importer = registry.by_name(known.format)
            if importer is None:
                importer = registry.detect(path, head)
            if importer is None:
                reason = (
                    "Binary data, not a usage log or export."
                    if b"\x00" in head[:4096]
                    else "Not a usage file Tokenworth recognizes; "
                    "if you know its format, use --format."
                )
                return FileResult(spath, None, "refused", message=reason)
            return _read_into_journal(journal, fp, importer, st, known, tick)
    except Cancelled:
        return FileResult(spath, None, "cancelled", message="Cancelled: nothing from this file.")
    except JournalError:
        raise
    except OSError as err:
        return FileResult(
            spath, None, "refused", message=f"Could not read the file: {err.strerror or err}."
        )
    except Exception as err:  # a parser bug must cost one file, not the whole import
        log.exception("importer failed on %s", spath)
        return FileResult(
            spath,
            None,
            "refused",
            message=f"Tokenworth failed to read this file ({type(err).__name__}: {err}); "
            "nothing from it was imported. Please report this.",
        )


def _read_into_journal(
    journal: Journal,
    fp: object,
    importer: Importer,
    st: os.stat_result,
    known: FileRecord | None,
    tick: Callable[[int], None],
) -> FileResult:
    path = Path(fp.name)  # type: ignore[attr-defined]
    resume = False
    if (
        known is not None
        and importer.incremental
        and known.format == importer.name
        and st.st_size >= known.consumed
        and known.inode == st.st_ino
    ):
        head, tail = _hashes(fp, known.consumed)
        resume = head == known.head_hash and tail == known.tail_hash
    state = dict(known.state) if resume and known is not None else {}
    line = int(state.pop("_line", 0))
    offset = known.consumed if resume and known is not None else 0
    ctx = ParseContext(path=path, offset=offset, consumed=offset, line=line, state=state, tick=tick)
    record = FileRecord(
        path=str(path),
        format=importer.name,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        inode=st.st_ino,
        consumed=offset,
        head_hash=None,
        tail_hash=None,
    )
    counted = 0

    def events() -> Iterator[UsageEvent]:
        nonlocal counted
        fp.seek(offset)  # type: ignore[attr-defined]
        for ev in importer.parse(fp, ctx):  # type: ignore[arg-type]
            counted += 1
            yield ev
        if not importer.incremental:
            ctx.consumed = st.st_size
        record.consumed = ctx.consumed
        record.state = {**ctx.state, "_line": ctx.line}
        record.head_hash, record.tail_hash = _hashes(fp, ctx.consumed)

    try:
        with journal.transaction():
            written = journal.write_events(
                events(), file=record, replace_file=known is not None and not resume
            )
            if counted == 0 and ctx.issues and not resume:
                # Nothing usable and something wrong: refuse the file whole.
                raise _Refused
    except _Refused:
        first = ctx.issues[0]
        more = f" (and {len(ctx.issues) - 1} more problems)" if len(ctx.issues) > 1 else ""
        return FileResult(
            str(path),
            importer.name,
            "refused",
            issues=ctx.issues,
            message=f"Nothing could be imported: line {first.line}: {first.reason}{more}.",
        )
    status = "imported" if (offset == 0 or ctx.consumed > offset) else "unchanged"
    return FileResult(
        str(path),
        importer.name,
        status,
        events_added=written.added,
        events_updated=written.updated,
        bytes_read=ctx.consumed - offset,
        issues=ctx.issues,
    )


def _sniff(importer: Importer, path: Path, head: bytes) -> float:
    try:
        return importer.sniff(path, head)
    except Exception:
        return 0.0


class _Refused(Exception):
    """Raised inside the file's savepoint to roll it back."""
