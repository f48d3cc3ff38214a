"""What runs in the extraction workers (Dask worker processes): read -> extract -> validate.

Free of Prefect and DuckDB: the Prefect task that calls it is `flows.ingest_tasks`. Every
document gets a time limit (`time_limit`, which works on a Dask executor thread); a PDF or an
image is read in a child process of its own (readers.isolated) that is killed at the limit and
has a memory limit, so one malicious file cannot hang the worker; OCR gets a time limit per page
there. A crash that kills the worker itself is handled by Dask's nanny and the flow.
"""
from __future__ import annotations

import ctypes
import json
import os
import pathlib
import signal
import threading
import time
from contextlib import contextmanager, nullcontext

from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.record import build_record
from noticeflow.readers import Document, read_document
from noticeflow.readers.isolated import needs_isolation, read_isolated
from noticeflow.schemas import Source
from noticeflow.schemas.errors import InputError, NoticeflowError, TimeLimitExceeded, one_line
from noticeflow.warehouse.batch import Batch, Failed, Loaded, pack
from noticeflow.warehouse.rows import flatten
from noticeflow.warehouse.version import EXTRACTOR_VERSION, doc_key

TIME_LIMIT_S = 30
READ_ATTEMPTS = 3


# Raised into the extraction at its time limit: TimeLimitExceeded is a BaseException, so that
# an extractor's `except Exception` cannot turn a timeout into "nothing found".
_Timeout = TimeLimitExceeded


# A block that does not return this long after its limit (stuck in C code, where neither a
# signal handler nor an asynchronous exception runs) ends its worker process: the Dask nanny
# starts a new one and the flow quarantines the document (see flows.ingest._Extraction).
HARD_KILL_GRACE_S = 10


def reason(exc: BaseException) -> str:
    """The one-line quarantine reason for an exception."""
    if isinstance(exc, InputError):
        return one_line(exc.reason)
    if isinstance(exc, NoticeflowError):
        return one_line(str(exc))
    if isinstance(exc, MemoryError):
        return "out of memory while extracting (the document is too large or too complex)"
    if isinstance(exc, RecursionError):
        return "too deeply nested to extract (recursion limit reached)"
    return one_line(f"internal error ({type(exc).__name__}: {exc})")


@contextmanager
def time_limit(seconds: float, what: str, path: str = ""):
    """Raise InputError when the block runs longer than `seconds`.

    In the main thread a SIGALRM handler interrupts the block; in any other thread (a Dask
    worker runs tasks on its executor threads, where signals cannot be handled) a watchdog
    raises the timeout into the thread (`PyThreadState_SetAsyncExc`), and ends the process if
    the block still has not returned HARD_KILL_GRACE_S later."""
    if threading.current_thread() is threading.main_thread():
        cm = _alarm_limit(seconds)
    else:
        cm = _watchdog_limit(seconds)
    try:
        with cm:
            yield
    except _Timeout:
        raise InputError(path, f"{what} timed out after {seconds:g} s") from None


@contextmanager
def _alarm_limit(seconds: float):
    def _alarm(signum, frame):
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextmanager
def _watchdog_limit(seconds: float):
    tid = threading.get_ident()
    lock, state = threading.Lock(), {"done": False, "fired": False}
    set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc

    def fire() -> None:
        with lock:
            if state["done"]:
                return
            state["fired"] = True
            set_async(ctypes.c_ulong(tid), ctypes.py_object(_Timeout))

    def hard_kill() -> None:
        with lock:
            if state["done"]:
                return
        os._exit(70)  # the nanny restarts the worker; the flow quarantines the document

    timers = [threading.Timer(seconds, fire), threading.Timer(seconds + HARD_KILL_GRACE_S, hard_kill)]
    for t in timers:
        t.daemon = True
        t.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            if state["fired"]:  # fired as the block ended: clear it if still pending
                set_async(ctypes.c_ulong(tid), None)
        for t in timers:
            t.cancel()


def read_pdf_isolated(path: str, limit: float = TIME_LIMIT_S, attachments: tuple[str, ...] = ()) -> Document:
    """read_document in a forked child, killed after `limit` seconds (OCR: per page)."""
    return read_isolated(path, limit, attachments=attachments)


def read(path: str, limit: float = TIME_LIMIT_S, attachments: tuple[str, ...] = ()) -> Document:
    """Read with a few attempts on transient I/O errors (the only step that is retried)."""
    if any(needs_isolation(p) for p in (path, *attachments)):
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
        record = extract_document(path, doc, limit)
        t2 = time.perf_counter()
        timings["extract"] = t2 - t1
        loaded, rows = to_load(record, path, sha, attachments)
        timings["validate"] = time.perf_counter() - t2
        return loaded, rows, timings
    except BaseException as e:  # noqa: BLE001 - every failure becomes a quarantine reason
        if isinstance(e, KeyboardInterrupt):
            raise
        return Failed(path, sha, reason(e)), None, timings


def extract_document(path: str, doc: Document, limit: float | None = TIME_LIMIT_S):
    """A read document's record, built within `limit` seconds (None: no limit); what the ingest
    workers and `noticeflow extract` share."""
    with time_limit(limit, "extraction", path) if limit else nullcontext():
        text = canonicalize(doc.raw_text)
        if not text.strip():
            raise InputError(path, "no text after decoding")
        return build_record(text, doc.source, doc.doc_id, doc.flags)


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

    Run when a worker starts (a Dask preload, `flows.ingest_preload`): the tables extractors
    build on first use (vocabularies, the spaCy matcher, division codes, Arrow's converters) are
    then built while the cluster starts, not on the first batch."""
    try:
        text = canonicalize(_WARM_TEXT)
        sha = "0" * 64
        record = build_record(text, Source(path="warm-up.txt", format="txt", size_bytes=len(text)), sha)
        pack([to_load(record, "warm-up.txt", sha)])
    except Exception:  # noqa: BLE001 - only an optimisation: workers then build what they need
        pass


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
