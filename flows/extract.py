"""The fast path for one file: read, canonicalise, extract. No Prefect, no database.

Also what `extract` and `ingest` share before extraction: discovery (which files are notices,
which are of a type noticeflow cannot read), grouping (attachment files joined to the notice
beside them) and the fingerprint of a notice with its attachments.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from noticeflow.readers import NOTICE_SUFFIXES
from noticeflow.readers.attachments import Notice, group_files
from noticeflow.schemas.errors import InputError

if TYPE_CHECKING:
    from noticeflow.schemas import Record

# A work item of the ingest flow: (notice path, sha256 of its bytes) and, for a notice with
# attachments, ((attachment path, sha256), ...) in 附件 order.
WorkItem = tuple


def extract_file(path: pathlib.Path | str, attachments: Sequence[str | pathlib.Path] = ()) -> "Record":
    # Imported here: `discover` (used by the ingest flow's main process) needs no extractors.
    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.readers import read_document

    doc = read_document(path, attachments)
    text = canonicalize(doc.raw_text)
    if not text.strip():
        raise InputError(str(path), "no text after decoding")
    return build_record(text, doc.source, doc.doc_id, doc.flags)


def extract_string(raw: str, path: str = "<text>") -> "Record":
    """A notice given as a string, extracted as if read from a UTF-8 `.txt` file at `path`."""
    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.schemas import Source

    data = raw.encode("utf-8")
    text = canonicalize(raw)
    if not text.strip():
        raise InputError(path, "no text")
    source = Source(path=path, format="txt", encoding="utf-8", size_bytes=len(data))
    return build_record(text, source, hashlib.sha256(data).hexdigest())


def readable(name: str) -> bool:
    """A file discovery hands to a reader: a notice suffix, not an editor's lock or temp file."""
    base = os.path.basename(name)
    return base.lower().endswith(NOTICE_SUFFIXES) and not base.startswith(("~$", ".~", "."))


def discover(paths: Iterable[str | pathlib.Path], skipped: list[str] | None = None
             ) -> Iterator[pathlib.Path | InputError]:
    """Files to extract, directories walked recursively in name order; problems yielded as
    errors; files in directories of a type noticeflow cannot read go to `skipped`."""
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            everything = sorted(f for f in p.rglob("*") if f.is_file())
            found = [f for f in everything if readable(f.name)]
            if skipped is not None:
                skipped += [str(f) for f in everything if not readable(f.name)]
            if not found:
                yield InputError(str(p), "directory holds no notice files (" + " ".join(NOTICE_SUFFIXES) + ")")
            yield from found
        elif p.is_file():
            yield p
        else:
            yield InputError(str(p), "no such file or directory")


def plan(paths: Iterable[str | pathlib.Path], skipped: list[str] | None = None) -> Iterator[Notice | InputError]:
    """What `extract` runs over, path argument by path argument in discovery order: notices
    with their attachments, and one error per problem (missing path, unreadable attachment,
    attachment with no notice)."""
    for p in paths:
        found = list(discover([p], skipped))
        files = [str(f) for f in found if not isinstance(f, InputError)]
        yield from (f for f in found if isinstance(f, InputError))
        notices, problems = group_files(files)
        order = {f: i for i, f in enumerate(files)}
        items: list[Notice | InputError] = [*notices, *problems]
        yield from sorted(items, key=lambda it: order.get(it.path, len(order)))


def in_batches(items: Iterable[Notice | InputError], n: int = 50) -> Iterator[Notice | InputError]:
    """The items again, with the legacy Word files of each run of `n` converted by one
    LibreOffice call while that run is extracted (LibreOffice starts once per run, not per file)."""
    import itertools

    from noticeflow.readers.word import preconverted

    it = iter(items)
    while chunk := list(itertools.islice(it, n)):
        paths = [p for item in chunk if isinstance(item, Notice) for p in (item.path, *item.attachments)]
        with preconverted(paths):
            yield from chunk


def skipped_summary(skipped: list[str]) -> str:
    """`skipped 3 files of types noticeflow cannot read (.md ×2, .zip)`."""
    from collections import Counter

    kinds = Counter(pathlib.Path(s).suffix.lower() or pathlib.Path(s).name for s in skipped)
    listed = ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in kinds.most_common())
    return f"skipped {len(skipped)} file{'s' if len(skipped) != 1 else ''} of types noticeflow cannot read ({listed})"


# -- ingest: grouping and fingerprints ---------------------------------------------------------

@dataclass
class Found:
    """Discovery for the ingest flow: absolute file paths (notices and their attachments), the
    notices, the inputs that failed, files skipped as unreadable types, attachments left over."""
    files: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    failed: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unattached: list[InputError] = field(default_factory=list)


def find_notices(paths: Iterable[str | pathlib.Path]) -> Found:
    out = Found()
    seen = set()
    for item in discover(paths, out.skipped):
        if isinstance(item, InputError):
            out.failed.append(InputError(os.path.abspath(item.path), item.reason))
            continue
        p = os.path.abspath(item)
        if p not in seen:
            seen.add(p)
            out.files.append(p)
    out.notices, problems = group_files(out.files)
    for e in problems:   # an unreadable file is a failure; an attachment with no notice is a report
        (out.unattached if "no notice beside it" in e.reason else out.failed).append(e)
    out.skipped = [os.path.abspath(s) for s in out.skipped]
    return out


def with_attachments(prints: Iterable[tuple[str, str]], notices: list[Notice]) -> list[WorkItem]:
    """Fingerprints of single files -> one work item per notice: (path, sha256) alone, or
    (path, sha256, ((attachment, sha256), ...)) so a changed attachment changes the notice's
    identity in the plan while its doc_id stays the sha256 of its own bytes. A notice whose
    attachment could not be fingerprinted goes without it."""
    sha = dict(prints)
    items: list[WorkItem] = []
    for n in notices:
        if n.path not in sha:
            continue
        atts = tuple((a, sha[a]) for a in n.attachments if a in sha)
        items.append((n.path, sha[n.path], atts) if atts else (n.path, sha[n.path]))
    return items
