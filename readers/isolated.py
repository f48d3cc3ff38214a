"""read_document in a forked child with a time limit and a memory limit, for the formats whose
parsers are C libraries or pure-Python code we cannot interrupt (PDF, images).

The child is killed at the time limit; its address space is capped (RLIMIT_AS) so a crafted file
fails there with one line instead of growing the worker. OCR gets its own time limit per page:
the child reports each page it starts, and each report gives it OCR_PAGE_LIMIT_S more.
"""
from __future__ import annotations

import math
import multiprocessing as mp
import os
import pathlib
import resource
import signal
import time
from typing import Sequence

from noticeflow.readers import SUFFIXES, Document, image, pdf, read_document
from noticeflow.schemas.errors import InputError

TIME_LIMIT_S = 30
OCR_PAGE_LIMIT_S = 60           # CPU seconds; a page takes ~4 s on one core (README, Formats / OCR)
WALL_FACTOR = 5                 # clock seconds per CPU second a page may take (a loaded machine)
MEMORY_LIMIT_MB = 2048          # address space the child may add to what it was forked with


def needs_isolation(path: str) -> bool:
    """A PDF or image by its name, or by its first bytes (a PDF saved as .txt is common)."""
    return isolated_kind(path) is not None


def isolated_kind(path: str) -> str | None:
    """'PDF' or 'image' (as messages name it) by the name, else by the first bytes; None else."""
    low = path.lower()
    if low.endswith(SUFFIXES["pdf"]):
        return "PDF"
    if low.endswith(SUFFIXES["image"]):
        return "image"
    try:  # non-blocking: a FIFO in place of the file must not hang the read
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            head = os.read(fd, 1024)
        finally:
            os.close(fd)
    except OSError:
        return None  # read_document reports it
    return "PDF" if pdf.is_pdf(head) else "image" if image.is_image(head) else None


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _child(path: str, attachments: tuple, conn, page_limit: float) -> None:
    from noticeflow.readers import ocr

    def on_page(n: int) -> None:
        conn.send(("page", n))
        used = sum(os.times()[:2])
        soft = math.ceil(used + page_limit)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))

    try:
        limit = _address_space() + MEMORY_LIMIT_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        ocr.on_page = on_page
        doc = read_document(pathlib.Path(path), attachments)
        conn.send(("ok", doc))
    except InputError as e:
        conn.send(("input", e.reason))
    except MemoryError:
        conn.send(("memory", ""))
    except BaseException as e:  # noqa: BLE001 - reported to the parent as one line
        message = str(e)
        if "bad_alloc" in message or "Failed to allocate" in message:  # native code (onnxruntime) out of memory
            conn.send(("memory", ""))
        else:
            # one line: a native library's message may hold a whole traceback; its last line says what failed
            lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
            conn.send(("error", f"{type(e).__name__}: {lines[-1] if lines else ''}"[:300]))
    finally:
        conn.close()


def read_isolated(path: str, limit: float = TIME_LIMIT_S, page_limit: float = OCR_PAGE_LIMIT_S,
                  attachments: Sequence = ()) -> Document:
    """read_document(path, attachments) in a child process; InputError (one line) on timeout,
    crash or limit."""
    what = isolated_kind(path) or "PDF"  # a PDF saved as .txt is a PDF in the messages too
    import pdfplumber  # noqa: F401 - imported once here, not in every child (~1 s)
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(path, tuple(map(str, attachments)), child, page_limit), daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + limit
    page = None
    try:
        while True:
            if not parent.poll(max(0.0, deadline - time.monotonic())):
                raise InputError(path, _timeout(what, limit, page_limit * WALL_FACTOR, page))
            try:
                status, payload = parent.recv()
            except EOFError:
                proc.join(1)
                if page is not None and proc.exitcode == -signal.SIGXCPU:
                    raise InputError(path, f"OCR of page {page} timed out after {page_limit:g} s of CPU time") from None
                raise InputError(path, _crash(what, proc.exitcode)) from None
            if status != "page":
                break
            page = payload
            deadline = time.monotonic() + page_limit * WALL_FACTOR
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
        parent.close()
    if status == "ok":
        return payload
    if status == "input":
        raise InputError(path, payload)
    if status == "memory":
        raise InputError(path, f"{what} reader ran out of memory (memory limit {MEMORY_LIMIT_MB} MB)")
    raise InputError(path, f"{what} reader failed ({payload})")


def _timeout(what: str, limit: float, page_wall: float, page) -> str:
    if page is not None:
        return f"OCR of page {page} timed out after {page_wall:g} s"
    return f"{what} parsing timed out after {limit:g} s"


def _crash(what: str, code: int | None) -> str:
    """A child that died without a word: most often the memory limit hit inside C code."""
    return f"{what} reader crashed (exit code {code}; memory limit {MEMORY_LIMIT_MB} MB)"
