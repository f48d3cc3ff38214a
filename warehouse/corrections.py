"""STUB (owned by the review work): reviewer corrections applied on top of extractions."""
from __future__ import annotations


def effective_record(con, notice_key: str, record: dict) -> tuple[dict, set[str]]:
    """The record with live corrections applied, and the field paths that were corrected."""
    return record, set()
