"""STUB: to be written."""
from __future__ import annotations

from extractors.context import Context


def extract(text: str, ctx: Context) -> dict:
    return dict(title=None, doc_number=None, issuer=None, policy_year=None, issue_date=None, print_date=None, cited_documents=[])
