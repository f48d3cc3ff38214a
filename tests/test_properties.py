"""Extraction never raises and every evidence quote is text[start:end], whatever the text.

Unseen notices arrive cut, reordered, OCR-damaged and half-converted; the pipeline has to give a
(possibly empty) grounded record for all of them.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.record import build_record
from noticeflow.flows.extract import extract_file
from noticeflow.schemas import Source
from noticeflow.schemas.record import iter_evidence

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
CORPUS = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix in (".txt", ".pdf"))
SOURCE = Source(path="prop.txt", format="txt", encoding="utf-8", size_bytes=0, pages=None)
DOC_ID = "0" * 64

# What notices are made of, weighted towards the characters the extractors key on.
NOTICE_CHARS = st.sampled_from(
    list("0123456789０１２３４５６７８９一二三四五六七八九十百千万零〇年月日元%％人个镇乡县市省")
    + list("。，、；：（）()〔〕[]【】《》“”—-～~.·①②③④⑤ \t\n\u3000")
    + list("征缴城乡居民医保个人缴费标准资助全额定额特困低保脱贫组长副组长合计序号任务数财政补助")
)
RANDOM_TEXT = st.one_of(st.text(NOTICE_CHARS, max_size=400), st.text(max_size=200))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated_seed(draw) -> str:
    """A seed notice with lines deleted, duplicated or shuffled, characters inserted, digits
    replaced, or cut short: the damage copy-paste, OCR and page breaks do."""
    lines = draw(st.sampled_from(SEED_TEXTS)).split("\n")
    for op in draw(st.lists(st.sampled_from(["delete", "duplicate", "shuffle", "insert", "digits", "truncate"]),
                            min_size=1, max_size=4)):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i: i + draw(st.integers(1, 10))]
        elif op == "duplicate":
            lines[i:i] = lines[i: i + draw(st.integers(1, 10))]
        elif op == "shuffle":
            lines = draw(st.permutations(lines))
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(NOTICE_CHARS, min_size=1, max_size=8)) + lines[i][at:]
        elif op == "digits":
            table = str.maketrans("0123456789", "".join(draw(st.permutations("0123456789"))))
            lines = [ln.translate(table) for ln in lines]
        elif op == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
    return "\n".join(lines)


def _assert_grounded(record) -> None:
    for path, ev in iter_evidence(record):
        assert record.text[ev.start:ev.end] == ev.quote, path


def _extract(raw: str):
    text = canonicalize(raw)
    return build_record(text, SOURCE, DOC_ID)


@SETTINGS
@given(RANDOM_TEXT)
def test_random_text_never_raises_and_is_grounded(raw) -> None:
    _assert_grounded(_extract(raw))


@SETTINGS
@given(mutated_seed())
def test_mutated_notices_never_raise_and_are_grounded(raw) -> None:
    _assert_grounded(_extract(raw))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_records_are_grounded(path) -> None:
    record = extract_file(path)
    evidence = list(iter_evidence(record))
    _assert_grounded(record)
    assert all(ev.quote.strip() for _, ev in evidence)  # no empty or whitespace-only quote
