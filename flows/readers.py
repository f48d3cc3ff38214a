"""STUB (txt only, utf-8): file bytes -> decoded text + Source. To be hardened (encodings, PDF)."""
from __future__ import annotations

import hashlib
import pathlib
from dataclasses import dataclass, field

from schemas import Flag, Source
from schemas.errors import InputError


@dataclass
class Document:
    doc_id: str
    source: Source
    raw_text: str
    flags: list[Flag] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)


def read_document(path: pathlib.Path) -> Document:
    data = path.read_bytes()
    if not data.strip():
        raise InputError(str(path), "empty file")
    text = data.decode("utf-8-sig")
    src = Source(path=str(path), format="txt", encoding="utf-8", size_bytes=len(data), pages=None)
    return Document(hashlib.sha256(data).hexdigest(), src, text)
