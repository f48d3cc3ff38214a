"""STUB: to be written."""
from __future__ import annotations

from extractors.context import Context


def extract(text: str, ctx: Context) -> dict:
    return dict(quota_table=None)
