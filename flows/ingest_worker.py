"""What runs in the extraction worker processes: read -> extract -> validate one file.

Kept free of Prefect and DuckDB so workers start fast (forked from a server that preloads only
this module). Every document gets a time limit; a PDF is parsed in a child process of its own
that is killed at the limit, so one malicious PDF cannot hang or crash the run.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import pathlib
import signal
import time
from contextlib import contextmanager

from extractors.canonical import canonicalize
from extractors.record import build_record
from flows.readers import Document, read_document
from schemas.errors import InputError, NoticeflowError
from warehouse.rows import flatten
from warehouse.store import Failed, Loaded
from warehouse.version import EXTRACTOR_VERSION, doc_key

TIME_LIMIT_S = 30
READ_ATTEMPTS = 3


class _Timeout(Exception):
    pass


def one_line(message: str, limit: int = 300) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reason(exc: BaseException) -> str:
    """The one-line quarantine reason for an exception."""
    if isinstance(exc, InputError):
        return one_line(exc.reason)
    if isinstance(exc, NoticeflowError):
        return one_line(str(exc))
    return one_line(f"internal error ({type(exc).__name__}: {exc})")


@contextmanager
def time_limit(seconds: float, what: str):
    """Raise InputError when the block runs longer than `seconds` (pure-Python work only)."""
    def _alarm(signum, frame):
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise InputError("", f"{what} timed out after {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _read_child(path: str, conn) -> None:
    try:
        doc = read_document(pathlib.Path(path))
        conn.send(("ok", doc))
    except InputError as e:
        conn.send(("input", e.reason))
    except BaseException as e:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def read_pdf_isolated(path: str, limit: float = TIME_LIMIT_S) -> Document:
    """read_document in a forked child, killed after `limit` seconds."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_read_child, args=(path, child), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limit):
            raise InputError(path, f"PDF parsing timed out after {limit:g} s")
        try:
            status, payload = parent.recv()
        except EOFError:
            proc.join(1)
            raise InputError(path, f"PDF reader crashed (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
        parent.close()
    if status == "ok":
        return payload
    if status == "input":
        raise InputError(path, payload)
    raise InputError(path, f"PDF reader failed ({payload})")


def read(path: str, limit: float = TIME_LIMIT_S) -> Document:
    """Read with a few attempts on transient I/O errors (the only step that is retried)."""
    if path.lower().endswith(".pdf"):
        return read_pdf_isolated(path, limit)
    for attempt in range(READ_ATTEMPTS):
        try:
            return read_document(pathlib.Path(path))
        except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
            raise InputError(path, f"cannot read file ({e.strerror})") from None
        except OSError as e:
            if attempt == READ_ATTEMPTS - 1:
                raise InputError(path, f"cannot read file ({e.strerror or e})") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def process(item: tuple[str, str], limit: float = TIME_LIMIT_S) -> tuple[Loaded | Failed, dict]:
    """(path, sha256) -> Loaded rows or a Failed reason, plus seconds spent per stage."""
    path, sha = item
    t0 = time.perf_counter()
    timings = {"read": 0.0, "extract": 0.0, "validate": 0.0}
    try:
        doc = read(path, limit)
        t1 = time.perf_counter()
        timings["read"] = t1 - t0
        with time_limit(limit, "extraction"):
            text = canonicalize(doc.raw_text)
            if not text.strip():
                raise InputError(path, "no text after decoding")
            record = build_record(text, doc.source, doc.doc_id, doc.flags)
        t2 = time.perf_counter()
        timings["extract"] = t2 - t1
        data = validate(record, path, sha)
        key = doc_key(sha, EXTRACTOR_VERSION)
        rows = flatten(data, key, EXTRACTOR_VERSION, path)
        record_json = json.dumps(data, ensure_ascii=False)
        timings["validate"] = time.perf_counter() - t2
        return Loaded(path, sha, record.source.size_bytes, record.source.format, data,
                      record_json, rows), timings
    except BaseException as e:  # noqa: BLE001 - every failure becomes a quarantine reason
        if isinstance(e, KeyboardInterrupt):
            raise
        return Failed(path, sha, reason(e)), timings


def validate(record, path: str, sha: str) -> dict:
    """The record as JSON, checked against what was fingerprinted before extraction."""
    data = record.model_dump(mode="json")
    if data.get("doc_id") != sha:
        raise InputError(path, "file changed while being ingested (sha256 differs); retry")
    if not data.get("text"):
        raise InputError(path, "record has no text")
    return data


def ready() -> bool:
    """A no-op that makes the pool start a worker."""
    return True


def process_many(items: list[tuple[str, str]], limit: float = TIME_LIMIT_S) -> list:
    """A chunk of documents in one call (fewer round trips between processes)."""
    return [process(item, limit) for item in items]
