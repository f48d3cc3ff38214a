"""Bounds on what a crafted PDF can make the reader do, and what pdfminer does not tell us.

Found by an adversarial pass (issue 12): a 672-byte reference loop hung pdfminer forever, 100,000
text objects on a page took > 600 s, a stream inflating to 1 GiB took > 240 s and one of 2 GiB
reached 4.2 GB, 2,000 pages took 130 s and 3.4 GB. Each limit below refuses such a file with a
one-line reason naming the limit. The time and memory limits of the process that parses PDFs
(readers.isolated) are the backstop for anything these do not foresee.

pdfminer offers no hook for the three things patched here, so each is a small wrapper around one
pdfminer function, installed once (`install`): stream inflation (zlib), reference resolution, and
the text render mode, which pdfminer reads (`Tr`) but does not pass on to the characters.
"""
from __future__ import annotations

import re
import zlib
from contextlib import contextmanager

MAX_PAGES = 300                 # county notices run 2-30 pages; a bound on time and memory
MAX_OCR_PAGES = 50              # at ~4 s a page (README, Formats / OCR)
MAX_TEXT_OPS = 20_000           # text-showing operators per page; a dense page printed glyph by glyph has ~3,000
MAX_STREAM_BYTES = 32_000_000   # one inflated stream; a notice page's content is ~20-100 KB
MAX_INFLATED_BYTES = 128_000_000  # all streams of one document together

INVISIBLE = ("invisible render mode",)  # the fill colour given to glyphs drawn in Tr 3 or 7

_TEXT_OP = re.compile(rb"(?<![A-Za-z])(?:T[jJ]|'|\")(?![A-Za-z])")  # Tj TJ ' " (PDF 32000 §9.4.3)
_installed = False
_inflated = 0


class Refused(Exception):
    """A PDF the reader will not parse; `reason` is the one-line message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextmanager
def bounded():
    """One document's parse: the wrappers installed and its inflation budget fresh."""
    global _inflated
    install()
    _inflated = 0
    yield


def check_page_count(n: int) -> None:
    if n > MAX_PAGES:
        raise Refused(f"PDF has {n} pages (limit {MAX_PAGES})")


def check_ocr_pages(n: int) -> None:
    if n > MAX_OCR_PAGES:
        raise Refused(f"scanned PDF has {n} pages to OCR (limit {MAX_OCR_PAGES})")


def check_page_objects(page) -> None:
    """Count the text-showing operators of a page's content streams before pdfminer interprets
    them (interpreting is what takes minutes); the inflated data is cached for the interpreter."""
    from pdfminer.pdftypes import resolve1

    contents = resolve1(page.page_obj.attrs.get("Contents"))
    streams = contents if isinstance(contents, list) else [contents]
    ops = 0
    for s in streams:
        s = resolve1(s)
        if hasattr(s, "get_data"):
            ops += len(_TEXT_OP.findall(s.get_data()))
    if ops > MAX_TEXT_OPS:
        raise Refused(f"PDF page {page.page_number} has {ops} text objects (limit {MAX_TEXT_OPS})")


def install() -> None:
    global _installed
    if _installed:
        return
    from pdfminer import pdfdevice, pdftypes

    pdftypes.zlib = _BoundedZlib()
    pdftypes.PDFObjRef.resolve = _resolve_without_loops(pdftypes.PDFObjRef.resolve)
    pdfdevice.PDFTextDevice.render_string = _mark_invisible(pdfdevice.PDFTextDevice.render_string)
    _installed = True


def _count(n: int) -> None:
    global _inflated
    _inflated += n
    if _inflated > MAX_INFLATED_BYTES:
        raise Refused(f"PDF streams inflate past the {MAX_INFLATED_BYTES // 1_000_000} MB limit")


class _BoundedZlib:
    """pdftypes' `zlib`: the same calls, but no stream inflates past MAX_STREAM_BYTES."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes) -> bytes:
        d = zlib.decompressobj()
        out = d.decompress(data, MAX_STREAM_BYTES + 1)
        if len(out) > MAX_STREAM_BYTES:
            raise Refused(f"a PDF stream inflates past the {MAX_STREAM_BYTES // 1_000_000} MB limit")
        _count(len(out))
        if not d.eof:  # zlib.decompress raises on a truncated stream; pdfminer relies on it
            raise zlib.error("incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj():
        return _BoundedDecompressor()


class _BoundedDecompressor:
    def __init__(self) -> None:
        self._d = zlib.decompressobj()
        self._n = 0

    def decompress(self, data: bytes) -> bytes:
        out = self._d.decompress(data, MAX_STREAM_BYTES + 1 - self._n)
        self._n += len(out)
        if self._n > MAX_STREAM_BYTES or self._d.unconsumed_tail:
            raise Refused(f"a PDF stream inflates past the {MAX_STREAM_BYTES // 1_000_000} MB limit")
        _count(len(out))
        return out


def _resolve_without_loops(resolve):
    """PDFObjRef.resolve following a chain of references to its end, refusing a cycle: pdfminer's
    resolve1 loops forever on `5 0 obj 5 0 R endobj`."""
    def resolve_chain(self, default=None):
        seen = {self.objid}
        x = resolve(self, default)
        while isinstance(x, type(self)):
            if x.objid in seen:
                raise Refused(f"corrupt PDF (reference loop at object {x.objid})")
            seen.add(x.objid)
            x = resolve(x, default)
        return x
    return resolve_chain


def _mark_invisible(render_string):
    """Glyphs shown in render mode 3 (no fill, no stroke) or 7 (clip only) get the INVISIBLE fill
    colour, the one attribute pdfplumber passes from the graphics state to a character."""
    def render(self, textstate, seq, ncs, graphicstate):
        if textstate.render in (3, 7):
            graphicstate = graphicstate.copy()
            graphicstate.ncolor = INVISIBLE
        return render_string(self, textstate, seq, ncs, graphicstate)
    return render
