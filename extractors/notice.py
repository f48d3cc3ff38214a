"""Is this a resident medical-insurance collection notice (城乡居民医保征缴通知)?

Decided from the notice's own title when one is found (`关于…的通知`): it must name the resident
insurance and either name collection or carry collection phrases in its body. Without a title
(OCR'd scans), the body has to mention both often enough. Word lists live in
`extractors/data/notice_terms.yaml`.
"""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors import vocab
from noticeflow.schemas.errors import RESOURCE_ERRORS

HEAD = 1500  # the title sits in the first lines of a notice
MAX_TITLE = 100


def terms() -> dict:
    return vocab.terms("notice_terms.yaml", "notice")


_alt = vocab.alternation


@functools.cache
def grammar() -> dict:
    t = terms()
    return dict(
        title=re.compile(rf"关于[^。]{{2,{MAX_TITLE}}}?(?:{_alt(t['title_endings'])})"),
        insurance=re.compile(_alt(t["insurance"])),
        collection=re.compile(_alt(t["collection"])),
        body=re.compile(_alt(t["collection_body"])),
    )


def find_title(text: str) -> str | None:
    """The first `关于…的通知` near the top, layout spaces and line breaks removed."""
    m = grammar()["title"].search(text[:HEAD])
    return re.sub(r"\s+", "", m.group()) if m else None


def is_collection_notice(text: str) -> bool:
    try:
        g, t = grammar(), terms()
        body_hits = len(g["body"].findall(text))
        title = find_title(text)
        if title and g["insurance"].search(title):
            return bool(g["collection"].search(title)) or body_hits >= t["min_body_hits"]
        if title and (g["collection"].search(title) or "医疗保障" in title):
            # 关于做好2024年度参保缴费工作的通知: the body has to say which insurance
            return len(g["insurance"].findall(text)) >= t["min_body_hits"] and body_hits >= t["min_body_hits"]
        if title:
            return False
        return len(g["insurance"].findall(text)) >= t["min_body_hits"] and body_hits >= t["min_body_hits"]
    except RESOURCE_ERRORS:
        raise  # out of memory or stack: the document is quarantined, not loaded empty
    except Exception:  # never raises; an unreadable text is not a notice we can use
        return False


def extract(text: str, ctx=None) -> dict:
    """Case-file entry point (tests/cases/notice.yaml); the record pipeline calls
    `is_collection_notice` directly and flags `not_a_collection_notice` itself."""
    return dict(is_collection_notice=is_collection_notice(text))
