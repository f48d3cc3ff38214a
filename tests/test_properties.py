"""Extraction never raises, every evidence quote is text[start:end], and canonicalize is
idempotent, whatever the text.

Unseen notices arrive cut, reordered, OCR-damaged and half-converted; the pipeline has to give a
(possibly empty) grounded record for all of them. 1,000 random texts and 1,000 mutated seed
notices, derandomized (the same examples on every run, no example database), ~30 s of CPU.
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
EXAMPLES = 1000  # per test: 2,000 notices in all
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HALF_TO_FULL = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})
FULL_TO_HALF = {v: k for k, v in HALF_TO_FULL.items()}
MUTATIONS = ["delete", "duplicate", "swap", "shuffle", "insert", "unicode", "width", "digits",
             "truncate", "line_ends", "blank_lines"]


@st.composite
def mutated_seed(draw) -> str:
    """A seed notice with lines deleted, duplicated, swapped or shuffled, noise or any Unicode
    inserted, half/full width flipped, digits replaced, CR/CRLF line ends, runs of blank lines,
    or cut short: the damage copy-paste, OCR, editors and page breaks do."""
    lines = draw(st.sampled_from(SEED_TEXTS)).split("\n")
    for op in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i: i + draw(st.integers(1, 10))]
        elif op == "duplicate":
            lines[i:i] = lines[i: i + draw(st.integers(1, 10))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "shuffle":
            lines = draw(st.permutations(lines))
        elif op in ("insert", "unicode"):
            at = draw(st.integers(0, len(lines[i])))
            noise = st.text(NOTICE_CHARS, min_size=1, max_size=8) if op == "insert" else st.text(min_size=1, max_size=8)
            lines[i] = lines[i][:at] + draw(noise) + lines[i][at:]
        elif op == "width":  # a stretch of lines typed in full width, or folded to half width
            j = i + draw(st.integers(1, 20))
            table = HALF_TO_FULL if draw(st.booleans()) else FULL_TO_HALF
            lines[i:j] = [ln.translate(table) for ln in lines[i:j]]
        elif op == "digits":
            table = str.maketrans("0123456789", "".join(draw(st.permutations("0123456789"))))
            lines = [ln.translate(table) for ln in lines]
        elif op == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
        elif op == "line_ends":
            end = draw(st.sampled_from(["\r", "\r\n", "\n\r"]))
            lines = ["\n".join(lines).replace("\n", end)]
        elif op == "blank_lines":
            lines[i:i] = [draw(st.sampled_from(["", " ", "\t", "\u3000"]))] * draw(st.integers(1, 8))
    return "\n".join(lines)


def _assert_grounded(record) -> None:
    for path, ev in iter_evidence(record):
        assert record.text[ev.start:ev.end] == ev.quote, path


def _check(raw: str) -> None:
    """The three properties: canonical text is a fixed point, extraction does not raise, every
    quote is the text it points at."""
    text = canonicalize(raw)
    assert canonicalize(text) == text
    _assert_grounded(build_record(text, SOURCE, DOC_ID))


@SETTINGS
@given(RANDOM_TEXT)
def test_random_text_never_raises_is_grounded_and_canonical(raw) -> None:
    _check(raw)


@SETTINGS
@given(mutated_seed())
def test_mutated_notices_never_raise_are_grounded_and_canonical(raw) -> None:
    _check(raw)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_records_are_grounded(path) -> None:
    record = extract_file(path)
    evidence = list(iter_evidence(record))
    _assert_grounded(record)
    assert all(ev.quote.strip() for _, ev in evidence)  # no empty or whitespace-only quote
