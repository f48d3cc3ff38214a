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

from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.record import build_record
from noticeflow.readers import Document, read_document
from noticeflow.schemas import Source
from noticeflow.schemas.errors import InputError, NoticeflowError
from noticeflow.warehouse.batch import Batch, Failed, Loaded, pack
from noticeflow.warehouse.rows import flatten
from noticeflow.warehouse.version import EXTRACTOR_VERSION, doc_key

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


def _read_child(path: str, conn, attachments: tuple[str, ...] = ()) -> None:
    try:
        doc = read_document(pathlib.Path(path), attachments)
        conn.send(("ok", doc))
    except InputError as e:
        conn.send(("input", e.reason))
    except BaseException as e:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def read_pdf_isolated(path: str, limit: float = TIME_LIMIT_S, attachments: tuple[str, ...] = ()) -> Document:
    """read_document in a forked child, killed after `limit` seconds."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_read_child, args=(path, child, attachments), daemon=True)
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


def read(path: str, limit: float = TIME_LIMIT_S, attachments: tuple[str, ...] = ()) -> Document:
    """Read with a few attempts on transient I/O errors (the only step that is retried)."""
    if path.lower().endswith(".pdf") or any(a.lower().endswith(".pdf") for a in attachments):
        return read_pdf_isolated(path, limit, attachments)
    for attempt in range(READ_ATTEMPTS):
        try:
            return read_document(pathlib.Path(path), attachments)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
            raise InputError(path, f"cannot read file ({e.strerror})") from None
        except OSError as e:
            if attempt == READ_ATTEMPTS - 1:
                raise InputError(path, f"cannot read file ({e.strerror or e})") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def process(item: tuple, limit: float = TIME_LIMIT_S
            ) -> tuple[Loaded | Failed, dict[str, list[dict]] | None, dict]:
    """(path, sha256[, ((attachment, sha256), ...)]) -> a Loaded document and its rows, or a
    Failed reason and None; plus seconds spent per stage."""
    path, sha, *rest = item
    attachments = tuple(rest[0]) if rest else ()
    t0 = time.perf_counter()
    timings = {"read": 0.0, "extract": 0.0, "validate": 0.0}
    try:
        doc = read(path, limit, tuple(a for a, _ in attachments))
        t1 = time.perf_counter()
        timings["read"] = t1 - t0
        with time_limit(limit, "extraction"):
            text = canonicalize(doc.raw_text)
            if not text.strip():
                raise InputError(path, "no text after decoding")
            record = build_record(text, doc.source, doc.doc_id, doc.flags)
        t2 = time.perf_counter()
        timings["extract"] = t2 - t1
        loaded, rows = to_load(record, path, sha, attachments)
        timings["validate"] = time.perf_counter() - t2
        return loaded, rows, timings
    except BaseException as e:  # noqa: BLE001 - every failure becomes a quarantine reason
        if isinstance(e, KeyboardInterrupt):
            raise
        return Failed(path, sha, reason(e)), None, timings


def to_load(record, path: str, sha: str, attachments: tuple[tuple[str, str], ...] = ()
            ) -> tuple[Loaded, dict[str, list[dict]]]:
    """A validated record as the loader takes it: its JSON text, and its rows per table."""
    data = validate(record, path, sha)
    key = doc_key(sha, EXTRACTOR_VERSION, attachments)
    rows = flatten(data, key, EXTRACTOR_VERSION, path)
    return Loaded(path, sha, record.source.size_bytes, record.source.format,
                  json.dumps(data, ensure_ascii=False), key if attachments else None), rows


def validate(record, path: str, sha: str) -> dict:
    """The record as JSON, checked against what was fingerprinted before extraction."""
    data = record.model_dump(mode="json")
    if data.get("doc_id") != sha:
        raise InputError(path, "file changed while being ingested (sha256 differs); retry")
    if not data.get("text"):
        raise InputError(path, "record has no text")
    return data


# A small notice for warm(): enough wording that every extractor builds its tables.
_WARM_TEXT = (
    "关于做好2025年度城乡居民基本医疗保险费征缴工作的通知\n各乡镇人民政府：\n"
    "个人缴费标准为每人每年400元。特困人员全额资助，低保对象按80%资助。\n"
    "县医疗保障局负责组织征缴，县税务局负责征收，县财政局负责资金。\n"
    "成立领导小组，组长：张三（县长）。\n2024年9月1日至12月31日集中征缴。参保率达到95%以上。\n"
    "附件：任务分配表\n序号 乡镇 任务数\n1 甲镇 100\n合计 100\n山西省某某县人民政府办公室\n2024年8月1日印发\n"
)


def warm() -> None:
    """Run one small notice through extraction and packing.

    Called in the fork server the workers start from: the tables extractors build on first use
    (vocabularies, the spaCy matcher, division codes, Arrow's converters, ~40 MB) then exist
    before the fork and are shared by every worker instead of built once in each."""
    try:
        text = canonicalize(_WARM_TEXT)
        sha = "0" * 64
        record = build_record(text, Source(path="warm-up.txt", format="txt", size_bytes=len(text)), sha)
        pack([to_load(record, "warm-up.txt", sha)])
    except Exception:  # noqa: BLE001 - only an optimisation: workers then build what they need
        pass


def ready() -> bool:
    """A no-op that makes the pool start a worker."""
    return True


def process_many(items: list[tuple[str, str]], limit: float = TIME_LIMIT_S) -> tuple[Batch, dict]:
    """A chunk of documents in one call (fewer round trips between processes), packed for the
    loader (rows as Arrow), with the seconds spent per stage summed over the chunk."""
    from noticeflow.readers.word import preconverted

    docs, failed, total = [], [], {"read": 0.0, "extract": 0.0, "validate": 0.0}
    legacy = [p for item in items for p in (item[0], *(a for a, _ in (item[2] if len(item) > 2 else ())))]
    with preconverted(legacy):     # the chunk's .doc/.wps files in one LibreOffice call
        results = [process(item, limit) for item in items]
    for outcome, rows, timings in results:
        if rows is None:
            failed.append(outcome)
        else:
            docs.append((outcome, rows))
        for stage, sec in timings.items():
            total[stage] += sec
    t0 = time.perf_counter()
    batch = pack(docs, failed)
    total["validate"] += time.perf_counter() - t0
    return batch, total
