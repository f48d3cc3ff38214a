"""The fast path for one file: read, canonicalise, extract. No Prefect, no database."""
from __future__ import annotations

import os
import pathlib
from typing import TYPE_CHECKING, Iterable, Iterator

from noticeflow.schemas.errors import InputError

if TYPE_CHECKING:
    from noticeflow.schemas import Record

NOTICE_SUFFIXES = (".txt", ".pdf")


def extract_file(path: pathlib.Path, time_limit: float | None = None) -> "Record":
    """One file's record. With `time_limit` (seconds; what `noticeflow extract` and ingest use)
    a PDF is parsed in a child process killed at the limit and the extraction is stopped by an
    alarm (main thread only); either raises InputError '... timed out after N s'."""
    # Imported here: `discover` (used by the ingest flow's main process) needs no extractors.
    from noticeflow.flows.ingest_worker import extract_document, read
    from noticeflow.readers import read_document

    doc = read(str(path), time_limit) if time_limit else read_document(path)
    return extract_document(str(path), doc, time_limit)


def extract_string(raw: str, path: str = "<text>") -> "Record":
    """A notice given as a string, extracted as if read from a UTF-8 `.txt` file at `path`."""
    import hashlib

    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.schemas import Source

    data = raw.encode("utf-8")
    text = canonicalize(raw)
    if not text.strip():
        raise InputError(path, "no text")
    source = Source(path=path, format="txt", encoding="utf-8", size_bytes=len(data))
    return build_record(text, source, hashlib.sha256(data).hexdigest())


def discover(paths: Iterable[str | pathlib.Path]) -> Iterator[pathlib.Path | InputError]:
    """Files to extract, directories walked recursively in name order; problems yielded as errors.

    A folder that cannot be read is one error (its files are not silently missing). A path that
    is not a regular file (a FIFO, a device, a broken link or a link loop, given by name or with
    a notice suffix inside a folder) is yielded too, for the reader to say what it is."""
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            found, unreadable = walk(p)
            yield from (InputError(str(d), f"cannot read folder ({why}); its files were skipped")
                        for d, why in unreadable)
            if not found and not unreadable:
                yield InputError(str(p), "directory holds no .txt or .pdf notices")
            yield from found
        elif p.is_file() or os.path.lexists(p):
            yield p
        else:
            yield InputError(str(p), "no such file or directory")


def walk(folder: pathlib.Path) -> tuple[list[pathlib.Path], list[tuple[str, str]]]:
    """(notice files under `folder` sorted by path, [(subfolder, why) that could not be read]).
    Symbolic links to folders are not followed (as Path.rglob does not)."""
    found, unreadable = [], []

    def failed(e: OSError) -> None:
        unreadable.append((e.filename, e.strerror or str(e)))

    for root, _, names in os.walk(folder, onerror=failed):
        found += [pathlib.Path(root, n) for n in names if pathlib.Path(n).suffix.lower() in NOTICE_SUFFIXES]
    found.sort()
    return found, sorted(unreadable)
