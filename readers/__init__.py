"""File bytes -> decoded text + Source. Every way a file can be unreadable becomes one InputError.

Notices reach us as UTF-8 exports, GBK/GB18030 files saved by Windows editors, UTF-16 files from
Word, PDFs printed from Word or WPS (or scanned), county-site article pages, Word and Excel
files, photos. Each
format has a module here; `read_document` picks one from the file's bytes (magic numbers first,
the name only where bytes cannot tell: a renamed file is read as what it is). Every reader
returns the same `Document`: the raw-text shape of the reader -> extractor contract (a paragraph
per line, tables as tab-separated rows, attachments appended under their 附件 heading), so the
extractors never need to know which kind of file they read.
"""
from __future__ import annotations

import hashlib
import io
import pathlib
import zipfile
from dataclasses import dataclass, field
from typing import Sequence

from noticeflow.schemas import Flag, Source
from noticeflow.schemas.errors import InputError

from noticeflow.readers.files import MAX_BYTES  # noqa: E402,F401  (defined beside the open checks)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# The files discovery picks up, by reader.
SUFFIXES = {
    "txt": (".txt",),
    "pdf": (".pdf",),
    "html": (".html", ".htm", ".shtml"),
    "docx": (".docx",),
    "doc": (".doc", ".wps"),
    "sheet": (".xlsx", ".xls"),
    "image": (".jpg", ".jpeg", ".png", ".tif", ".tiff"),   # OCR (readers/image.py, readers/ocr.py)
}
NOTICE_SUFFIXES = tuple(s for group in SUFFIXES.values() for s in group)


@dataclass
class Document:
    doc_id: str
    source: Source
    raw_text: str
    flags: list[Flag] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    attachment_names: list[str] = field(default_factory=list)   # what the notice lists as 附件
    embedded: list[str] = field(default_factory=list)   # file names of documents a page shows as its notice


def read_document(path: pathlib.Path | str, attachments: Sequence[str | pathlib.Path] = ()) -> Document:
    """Read one notice file, with its attachment files appended; raises InputError (one line,
    naming the file) when the notice or one of its attachments cannot be read."""
    path = pathlib.Path(path)
    doc = _read_one(path, *_load(path))
    parts = [(str(a), _read_one(pathlib.Path(a), *_load(pathlib.Path(a)))) for a in attachments]
    shown = [(p, d) for p, d in parts if pathlib.Path(p).name in doc.embedded]
    if shown:
        doc = embed_documents(doc, shown)
    elif doc.embedded and not doc.raw_text.strip():
        raise InputError(str(path), f"the notice is the document this page shows ({doc.embedded[0]}), "
                                    "which is not beside the page")
    rest = [(p, d) for p, d in parts if p not in {q for q, _ in shown}]
    if rest:
        done = list(doc.source.attachments)
        doc = append_attachments(doc, rest)
        doc.source = doc.source.model_copy(update={"attachments": done + list(doc.source.attachments)})
    return doc


def embed_documents(doc: Document, parts: list[tuple[str, Document]]) -> Document:
    """A page that shows its notice as an embedded PDF or Word file: the page's own text (if
    any) followed by the text of the document(s) it shows; the page's source, its 发布时间."""
    text = "\n\n".join(t for t in [doc.raw_text.strip("\n")] + [d.raw_text.strip("\n") for _, d in parts] if t.strip())
    tables = list(doc.tables) + [t for _, d in parts for t in d.tables]
    flags = list(doc.flags)
    for _, d in parts:
        flags += [f for f in d.flags if f.code not in {g.code for g in flags}]
    names = list(dict.fromkeys(doc.attachment_names + [n for _, d in parts for n in d.attachment_names]))
    source = doc.source.model_copy(update={"attachments": [p for p, _ in parts]})
    return Document(doc.doc_id, source, text + "\n", flags, tables, names, doc.embedded)


def _load(path: pathlib.Path) -> tuple[bytes, int]:
    data = files.read_bytes(path)  # never blocks; refuses special, oversized and changing files
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise InputError(str(path), "empty file")
    return data, len(data)


def _read_one(path: pathlib.Path, data: bytes, size: int) -> Document:
    name = str(path)
    doc_id = hashlib.sha256(data).hexdigest()
    kind = sniff(name, data)
    if kind == "pdf":
        got = pdf.read_pdf(name, data)
        src = Source(path=name, format="pdf", encoding=None, size_bytes=size, pages=got.pages, ocr=got.ocr)
        return Document(doc_id, src, got.text, got.flags, got.tables, attachments.attachment_titles(got.text))
    if kind == "image":
        body, pages, tables, flags = image.read_image(name, data)
        src = Source(path=name, format="image", encoding=None, size_bytes=size, pages=pages, ocr=True)
        return Document(doc_id, src, body, flags, tables, attachments.attachment_titles(body))
    if kind == "html":
        page = html.read_html(name, data)
        src = Source(path=name, format="html", encoding=page.encoding, size_bytes=size, published=page.published)
        names = attachments.attachment_titles(page.text) + [n for link in page.links for n in link if n]
        return Document(doc_id, src, page.text, _decoding_flags(page.guessed, page.encoding), page.tables,
                        list(dict.fromkeys(names)), page.embedded)
    if kind in ("docx", "doc"):
        if kind == "doc":
            data = word.convert_to_docx(name, data, path.suffix.lower() if path.suffix.lower() in (".doc", ".wps", ".rtf") else ".doc")
        got = word.read_docx(name, data)
        _require_text(name, got.text)
        src = Source(path=name, format=kind, encoding=None, size_bytes=size)
        return Document(doc_id, src, got.text, [], got.tables, attachments.attachment_titles(got.text))
    if kind in ("xlsx", "xls"):
        body, tables = sheet.read_sheets(name, data)
        src = Source(path=name, format=kind, encoding=None, size_bytes=size)
        return Document(doc_id, src, body, [], tables)
    text, encoding, guessed = text_reader.decode_text(name, data)
    src = Source(path=name, format="txt", encoding=encoding, size_bytes=size, pages=None)
    return Document(doc_id, src, text, _decoding_flags(guessed, encoding), [], attachments.attachment_titles(text))


def _decoding_flags(guessed: str | None, encoding: str) -> list[Flag]:
    if not guessed:
        return []
    if guessed == "by_line":
        message = f"文件混用多种编码或含无法解码的字节，已逐行解码（{encoding}），请核对文字是否乱码"
    else:
        message = f"编码由统计检测得出（{encoding}），请核对文字是否乱码"
    return [Flag(code="decoding_fallback", severity="info", field=None, message=message)]


def _require_text(path: str, text: str) -> None:
    if not text.strip():
        raise InputError(path, "no text in this document (only images? a scan needs OCR)")


def sniff(path: str, data: bytes) -> str:
    """The reader for these bytes: txt, pdf, image, html, docx, doc, xlsx or xls."""
    suffix = pathlib.PurePath(path).suffix.lower()
    if pdf.is_pdf(data):
        return "pdf"
    if suffix in SUFFIXES["image"] or image.is_image(data) and image.identifies(data):
        return "image"                    # a photo under another name; a .txt with junk stays text
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(path, data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(path, data, suffix)
    if data.lstrip()[:5] == b"{\\rtf":
        return "doc"                      # Word's "save as RTF" under a .doc name: LibreOffice reads it
    if html.looks_like_html(data) or suffix in SUFFIXES["html"]:
        return "html"
    if suffix == ".pdf":
        raise InputError(path, "corrupt or truncated PDF (no %PDF header)")
    if suffix == ".docx":
        raise InputError(path, "not a Word .docx file (not a zip archive: damaged, or another format renamed)")
    if suffix == ".xlsx":
        raise InputError(path, "not an Excel .xlsx file (not a zip archive: damaged, or another format renamed)")
    if suffix in (".xls", ".doc", ".wps") and b"\x00" in data[:4096]:
        raise InputError(path, f"not a {suffix} file (no Office header: damaged, or another format renamed)")
    return "txt"                          # a .doc that is really text is read as the text it is


def _zip_kind(path: str, data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise InputError(path, f"damaged zip container ({' '.join(str(e).split())[:80]})") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.endswith("document.xml") for n in names) and "[Content_Types].xml" in names:
        return "docx"                     # a document part under another folder name
    raise InputError(path, "a zip archive, not a Word .docx or Excel .xlsx file (unpack it first)")


def _ole_kind(path: str, data: bytes, suffix: str) -> str:
    """A legacy Office (OLE2 compound) file: Word, Excel, or an encrypted container."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as e:  # olefile raises OSError / its own errors for damaged headers
        if suffix in (".doc", ".wps"):
            return "doc"                  # LibreOffice reads more damaged Word files than olefile does
        raise InputError(path, f"damaged Office file ({' '.join(str(e).split())[:80]})") from None
    try:
        streams = {"/".join(s) for s in ole.listdir()}
        if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
            raise InputError(path, "password-protected Office file (remove the password and try again)")
        if "WordDocument" in streams:
            fib = ole.openstream("WordDocument").read(12)
            if len(fib) >= 12 and int.from_bytes(fib[10:12], "little") & 0x0100:   # FIB fEncrypted
                raise InputError(path, "password-protected Word file (remove the password and try again)")
            return "doc"
        if "Workbook" in streams or "Book" in streams:
            return "xls"
    finally:
        ole.close()
    if suffix in (".doc", ".wps"):
        return "doc"                      # Works / WPS streams: LibreOffice knows more of them than we do
    if suffix == ".xls":
        return "xls"
    raise InputError(path, "a legacy Office file that is neither Word nor Excel")


def append_attachments(doc: Document, parts: list[tuple[str, Document]]) -> Document:
    """The notice with each attachment's text appended under its 附件 heading (the contract's
    shape: a blank line, `附件N：<title>`, a blank line, the attachment's text)."""
    text = doc.raw_text.rstrip("\n")
    tables = list(doc.tables)
    flags = list(doc.flags)
    for i, (path, part) in enumerate(parts):
        head = attachments.heading(doc.attachment_names, i, len(parts), attachments.first_line(part.raw_text), path)
        text += f"\n\n{head}\n\n{part.raw_text.strip(chr(10))}"
        tables += part.tables
        flags += [f for f in part.flags if f.code not in {g.code for g in flags}]
    source = doc.source.model_copy(update={"attachments": [p for p, _ in parts]})
    return Document(doc.doc_id, source, text + "\n", flags, tables, doc.attachment_names)


from noticeflow.readers import attachments  # noqa: E402
from noticeflow.readers import files  # noqa: E402
from noticeflow.readers import html  # noqa: E402
from noticeflow.readers import image  # noqa: E402
from noticeflow.readers import pdf  # noqa: E402
from noticeflow.readers import sheet  # noqa: E402
from noticeflow.readers import text as text_reader  # noqa: E402
from noticeflow.readers import word  # noqa: E402
