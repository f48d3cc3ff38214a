"""Which documents carry the same notice: a notice is one policy act, a document one file of it.

Pure: records (their JSON dicts) in, decisions out; the warehouse (warehouse/notices.py) stores
them. Two documents are one notice when

1. their records agree on the document number (文号, normalised) and on the issuer, or on the
   region where an issuer is missing; two different document numbers are two notices; or,
2. when either has no document number, their canonical texts are near-duplicates: `similarity`
   at least THRESHOLD, measured by scripts/measure_identity.py on the dev corpus and the seeds'
   renderings (txt, PDF, HTML, Word, scan). Two records naming different counties or different
   policy years are never one notice, whatever their texts.

The similarity is the lower of two normalised Indel similarities (rapidfuzz): over the words
(characters, digits taken out) and over the figures (the sequence of numbers, each number one
token). A PDF, a web page or a scan of a notice keeps both; the same county's notice of another
year is the same template with other figures: its words agree (1.000 on the measured pairs)
while its figures do not, because every year, date, fee and quota is a token that changed.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import regex as re
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

# Measured by scripts/measure_identity.py (figures in docs/warehouse.md, "Notices"): the
# same-notice pairs of every rendering score 0.952 and up, different notices at most 0.883 (the
# same county in another year); the threshold sits in the middle of that gap.
THRESHOLD = 0.92

_SPACE = re.compile(r"[\s\p{Z}]+")
_PUNCT = re.compile(r"[\p{P}\p{S}]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "［": "[", "］": "]", "【": "[", "】": "]", "(": "[", ")": "]",
                           "（": "[", "）": "]", "﹝": "[", "﹞": "]", "{": "[", "}": "]"})


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def doc_number_key(doc_number: str | None) -> str | None:
    """阳政办发〔2023〕71号, 阳政办发[2023]71号 and 阳政办发（2023）71 号 are one key."""
    if not doc_number:
        return None
    s = _SPACE.sub("", _nfkc(doc_number)).translate(_BRACKETS)
    return s or None


def _name_key(name: str | None) -> str | None:
    return _SPACE.sub("", _nfkc(name)) if name else None


def value(record: dict, name: str) -> Any:
    v = record.get(name)
    return v.get("value") if isinstance(v, dict) else v


def region(record: dict) -> dict:
    return record.get("region") or {}


def words(text: str) -> str:
    """The text's words: NFKC, no spaces, punctuation, markup or digits (layout differs by format)."""
    s = _nfkc(text or "")
    return _PUNCT.sub("", _SPACE.sub("", _NUMBER.sub("", s)))


def figures(text: str) -> tuple[str, ...]:
    """The text's numbers in order, one token each (years, dates, fees, quotas)."""
    return tuple(_NUMBER.findall(_nfkc(text or "")))


@dataclass(frozen=True)
class Fingerprint:
    """What identity compares of a record, computed once per document."""
    doc_number: str | None
    issuer: str | None
    adcode: str | None
    county: str | None
    year: int | None
    words: str
    figures: tuple[str, ...]


def fingerprint(record: dict) -> Fingerprint:
    r = region(record)
    text = record.get("text") or ""
    return Fingerprint(doc_number_key(value(record, "doc_number")), _name_key(value(record, "issuer")),
                       r.get("adcode"), _name_key(r.get("county")), value(record, "policy_year"),
                       words(text), figures(text))


def similarity_parts(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(words, figures): normalised Indel similarity of the characters, of the number tokens."""
    w = fuzz.ratio(a.words, b.words) / 100
    f = Indel.normalized_similarity(a.figures, b.figures) if a.figures or b.figures else 1.0
    return w, f


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """0..1: the lower of the two parts."""
    return min(similarity_parts(a, b))


def conflict(a: Fingerprint, b: Fingerprint) -> bool:
    """Different counties or different policy years: never one notice."""
    if a.adcode and b.adcode and a.adcode != b.adcode:
        return True
    if not (a.adcode and b.adcode) and a.county and b.county and a.county != b.county:
        return True
    return a.year is not None and b.year is not None and a.year != b.year


@dataclass(frozen=True)
class Match:
    same: bool
    by: str          # doc_number | text | conflict | different_doc_number | different_text
    score: float | None = None


def same_notice(a: Fingerprint, b: Fingerprint, threshold: float = THRESHOLD) -> Match:
    if conflict(a, b):
        return Match(False, "conflict")
    if a.doc_number and b.doc_number:
        if a.doc_number != b.doc_number:
            return Match(False, "different_doc_number")
        if a.issuer and b.issuer and a.issuer != b.issuer:
            return Match(False, "conflict")
        if not (a.issuer and b.issuer) and not (a.adcode or a.county) and not (b.adcode or b.county):
            return Match(False, "conflict")  # a bare number agrees: nothing says who issued it
        return Match(True, "doc_number", 1.0)
    score = similarity(a, b)
    return Match(score >= threshold, "text" if score >= threshold else "different_text", score)


# ---------------------------------------------------------------- the notice's best document

EVIDENCED_LISTS = ("fees", "subsidy_tiers", "periods", "departments", "leadership", "targets", "cited_documents")
HEADLINE = ("title", "doc_number", "issuer", "policy_year", "issue_date", "print_date")


def n_facts(record: dict) -> int:
    """How many facts a record states: list elements, quota rows and headline fields."""
    n = sum(len(record.get(k) or []) for k in EVIDENCED_LISTS)
    n += len((record.get("quota_table") or {}).get("rows") or [])
    return n + sum(1 for k in HEADLINE if value(record, k) is not None)


def best_key(ocr: bool, facts: int, loaded_at, doc_id: str) -> tuple:
    """Sort key of a notice's documents, best first: a text layer over OCR, more facts over
    fewer, the newest extraction; the doc_id only keeps the choice stable."""
    return (bool(ocr), -int(facts or 0), -(loaded_at.timestamp() if loaded_at else 0.0), doc_id)
