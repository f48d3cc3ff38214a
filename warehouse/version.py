"""The extractor version that, with the file's sha256, identifies a loaded document.

Bump EXTRACTOR_REVISION whenever extraction output can change for the same bytes: the next
ingest then re-extracts every file as a new version (old rows are kept as history).
"""
from __future__ import annotations

from importlib import metadata

from noticeflow.schemas.record import SCHEMA_VERSION

EXTRACTOR_REVISION = 1


def _package_version() -> str:
    try:
        return metadata.version("noticeflow")
    except metadata.PackageNotFoundError:  # running from a plain checkout
        return "0"


EXTRACTOR_VERSION = f"{_package_version()}+s{SCHEMA_VERSION}.r{EXTRACTOR_REVISION}"


def doc_key(sha256: str, extractor_version: str = EXTRACTOR_VERSION) -> str:
    """Identity of a loaded document: same bytes read by the same extractor."""
    return f"{sha256}:{extractor_version}"
