"""File bytes -> decoded text + Source. Every way a file can be unreadable becomes one InputError.

Notices reach us as UTF-8 exports, GBK/GB18030 files saved by Windows editors, UTF-16 files from
Word, and PDFs printed from Word or WPS. Each format has a module here; `read_document` picks one
from the file's bytes (and its name where bytes cannot tell). Every reader returns the same
`Document`: decoded text whose tables are tab-separated rows, so the extractors never need to
know which kind of file they read.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
from dataclasses import dataclass, field

from noticeflow.schemas import Flag, Source
from noticeflow.schemas.errors import InputError

from noticeflow.readers.files import MAX_BYTES  # noqa: E402,F401  (where it always was)


@dataclass
class Document:
    doc_id: str
    source: Source
    raw_text: str
    flags: list[Flag] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)


def sniff_pdf(path: pathlib.Path) -> bool:
    """Whether the file starts like a PDF (whatever its name); False when it cannot be read."""
    try:
        with files.open_notice(path) as (fd, _):
            return pdf.is_pdf(os.read(fd, 4096))  # is_pdf looks at the first KB
    except (InputError, OSError):
        return False


def read_document(path: pathlib.Path) -> Document:
    """Read one notice file; raises InputError (one line, naming the file) when it cannot be read."""
    path = pathlib.Path(path)
    data = files.read_bytes(path)
    size = len(data)
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise InputError(str(path), "empty file")
    doc_id = hashlib.sha256(data).hexdigest()
    if pdf.is_pdf(data):
        body, pages, tables = pdf.read_pdf(str(path), data)
        src = Source(path=str(path), format="pdf", encoding=None, size_bytes=size, pages=pages)
        return Document(doc_id, src, body, [], tables)
    if path.suffix.lower() == ".pdf":
        raise InputError(str(path), "corrupt or truncated PDF (no %PDF header)")
    text, encoding, guessed = text_reader.decode_text(str(path), data)
    flags = []
    if guessed:
        flags.append(Flag(code="decoding_fallback", severity="info", field=None,
                          message=f"编码由统计检测得出（{encoding}），请核对文字是否乱码"))
    src = Source(path=str(path), format="txt", encoding=encoding, size_bytes=size, pages=None)
    return Document(doc_id, src, text, flags)



from noticeflow.readers import files  # noqa: E402
from noticeflow.readers import pdf  # noqa: E402
from noticeflow.readers import text as text_reader  # noqa: E402
