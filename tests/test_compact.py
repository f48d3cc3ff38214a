"""The compact view (OCR spaces between Han characters taken out) maps every span back exactly."""
from __future__ import annotations

import random

import pytest

from noticeflow.extractors.compact import to_original, view
from noticeflow.schemas import Evidence, Fee


def test_text_without_gaps_is_its_own_view() -> None:
    text = "个人缴费标准为每人每年400元。"
    v = view(text)
    assert v.text is text and v.span(2, 6) == (2, 6)


def test_spans_map_back_to_the_spaced_text() -> None:
    text = "个人缴 费标准为每 人每年400元，2024 年"
    v = view(text)
    assert v.text == "个人缴费标准为每人每年400元，2024 年"  # a space beside a digit is not an OCR gap
    s = v.text.index("缴费")
    e = v.text.index("400元") + 4
    a, b = v.span(s, e)
    assert text[a:b] == "缴 费标准为每 人每年400元"
    assert v.compact_pos(text.index("400")) == v.text.index("400")


@pytest.mark.parametrize("seed", range(20))
def test_random_gaps_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    words = "特困人员低保对象监测对象全额资助按照个人缴费标准给予资助每人每年元"
    chars = []
    for ch in words * 3:
        chars.append(ch)
        if rng.random() < 0.2:
            chars.append(" " * rng.randint(1, 2))
    text = "".join(chars).rstrip()
    v = view(text)
    assert v.text == words * 3
    for _ in range(30):
        s = rng.randrange(len(v.text))
        e = rng.randrange(s, len(v.text)) + 1
        a, b = v.span(s, e)
        assert text[a:b].replace(" ", "") == v.text[s:e]
        assert not text[a:b].startswith(" ") and not text[a:b].endswith(" ")


def test_evidence_in_output_is_rewritten_onto_the_original() -> None:
    text = "个人缴 费标准为每人每年400元。"
    v = view(text)
    fee = Fee(kind="individual", amount=400, evidence=Evidence.of_slice(v.text, 0, 15))
    to_original(v, {"fees": [fee]})
    assert fee.evidence.quote == text[fee.evidence.start:fee.evidence.end] == "个人缴 费标准为每人每年400元"


@pytest.mark.parametrize("text", ["每 人每年400元", "边缘易致  贫户, 2024 年", "A B 中 文 x", " 开头 和结尾 ", "㐀 㐁 豈 更"])
def test_gap_finder_agrees_with_the_pattern(text: str) -> None:
    from noticeflow.extractors.compact import _HAN_GAP
    assert view(text).text == _HAN_GAP.sub("", text)
