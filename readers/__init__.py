"""File bytes -> decoded text + Source. Every way a file can be unreadable becomes one InputError.

Notices reach us as UTF-8 exports, GBK/GB18030 files saved by Windows editors, UTF-16 files from
Word, and PDFs printed from Word or WPS. Each format has a module here; `read_document` picks one
from the file's bytes (and its name where bytes cannot tell). Every reader returns the same
`Document`: decoded text whose tables are tab-separated rows, so the extractors never need to
know which kind of file they read.
"""
from __future__ import annotations

import hashlib
import pathlib
from dataclasses import dataclass, field

from noticeflow.schemas import Flag, Source
from noticeflow.schemas.errors import InputError

MAX_BYTES = 20_000_000          # "MB" below is 10^6 bytes, as file managers show it


@dataclass
class Document:
    doc_id: str
    source: Source
    raw_text: str
    flags: list[Flag] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)


def read_document(path: pathlib.Path) -> Document:
    """Read one notice file; raises InputError (one line, naming the file) when it cannot be read."""
    path = pathlib.Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(str(path), "no such file or directory") from None
    if path.is_dir():
        raise InputError(str(path), "is a directory, not a notice file")
    if size > MAX_BYTES:
        raise InputError(str(path), f"file too large ({size / 1e6:.1f} MB > {MAX_BYTES // 1_000_000} MB limit)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(str(path), f"cannot read file ({e.strerror or e})") from None
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise InputError(str(path), "empty file")
    doc_id = hashlib.sha256(data).hexdigest()
    if pdf.is_pdf(data):
        got = pdf.read_pdf(str(path), data)
        src = Source(path=str(path), format="pdf", encoding=None, size_bytes=size, pages=got.pages, ocr=got.ocr)
        return Document(doc_id, src, got.text, got.flags, got.tables)
    if path.suffix.lower() == ".pdf":
        raise InputError(str(path), "corrupt or truncated PDF (no %PDF header)")
    if image.is_image(data) or path.suffix.lower() in image.SUFFIXES:
        body, pages, tables, flags = image.read_image(str(path), data)
        src = Source(path=str(path), format="image", encoding=None, size_bytes=size, pages=pages, ocr=True)
        return Document(doc_id, src, body, flags, tables)
    text, encoding, guessed = text_reader.decode_text(str(path), data)
    flags = []
    if guessed:
        flags.append(Flag(code="decoding_fallback", severity="info", field=None,
                          message=f"编码由统计检测得出（{encoding}），请核对文字是否乱码"))
    src = Source(path=str(path), format="txt", encoding=encoding, size_bytes=size, pages=None)
    return Document(doc_id, src, text, flags)



from noticeflow.readers import image  # noqa: E402
from noticeflow.readers import pdf  # noqa: E402
from noticeflow.readers import text as text_reader  # noqa: E402
