"""STUB: cross-field checks that turn a record's inconsistencies into flags."""
from __future__ import annotations

from schemas.record import Flag, Record


def check(record: Record) -> list[Flag]:
    return []
