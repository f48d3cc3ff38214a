"""STUB (owned by the diff work): year-over-year changes for newly loaded records."""
from __future__ import annotations


def load_changes(con, doc_ids: list[str]) -> list:
    """Diff each new record against the same county's previous policy year; insert into `changes`."""
    return []
