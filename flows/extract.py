"""The fast path for one file: read, canonicalise, extract. No Prefect, no database."""
from __future__ import annotations

import pathlib
from typing import Iterable, Iterator

from typing import TYPE_CHECKING

from schemas.errors import InputError

if TYPE_CHECKING:
    from schemas import Record

NOTICE_SUFFIXES = (".txt", ".pdf")


def extract_file(path: pathlib.Path) -> "Record":
    # Imported here: `discover` (used by the ingest flow's main process) needs no extractors.
    from extractors.canonical import canonicalize
    from extractors.record import build_record
    from flows.readers import read_document

    doc = read_document(path)
    text = canonicalize(doc.raw_text)
    if not text.strip():
        raise InputError(str(path), "no text after decoding")
    return build_record(text, doc.source, doc.doc_id, doc.flags)


def discover(paths: Iterable[str | pathlib.Path]) -> Iterator[pathlib.Path | InputError]:
    """Files to extract, directories walked recursively in name order; problems yielded as errors."""
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in NOTICE_SUFFIXES)
            if not found:
                yield InputError(str(p), "directory holds no .txt or .pdf notices")
            yield from found
        elif p.is_file():
            yield p
        else:
            yield InputError(str(p), "no such file or directory")
