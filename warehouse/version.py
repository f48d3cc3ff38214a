"""The extractor version that, with the file's sha256, identifies a loaded document.

Bump EXTRACTOR_REVISION whenever extraction output can change for the same bytes: the next
ingest then re-extracts every file as a new version (old rows are kept as history).
"""
from __future__ import annotations

import hashlib
import os
from importlib import metadata

from noticeflow.schemas.record import SCHEMA_VERSION

EXTRACTOR_REVISION = 1


def _package_version() -> str:
    try:
        return metadata.version("noticeflow")
    except metadata.PackageNotFoundError:  # running from a plain checkout
        return "0"


EXTRACTOR_VERSION = f"{_package_version()}+s{SCHEMA_VERSION}.r{EXTRACTOR_REVISION}"


def doc_key(sha256: str, extractor_version: str = EXTRACTOR_VERSION,
            attachments: tuple[tuple[str, str], ...] = ()) -> str:
    """Identity of a loaded document: same bytes read by the same extractor; for a notice with
    attachment files appended, `sha256+<digest of the attachments>`, so a changed attachment is
    a new version of the notice (its doc_id stays the sha256 of its own bytes)."""
    if not attachments:
        return f"{sha256}:{extractor_version}"
    return f"{sha256}+{attachments_digest(attachments)}:{extractor_version}"


def attachments_digest(attachments: tuple[tuple[str, str], ...]) -> str:
    """16 hex digits over the attachments' file names and sha256s, in 附件 order."""
    h = hashlib.sha256()
    for path, sha in attachments:
        h.update(f"{os.path.basename(path)}\0{sha}\n".encode())
    return h.hexdigest()[:16]
