"""extractors.squeeze: the view without OCR spaces between Han maps every offset back to the text."""
from __future__ import annotations

import random

from noticeflow.extractors.squeeze import Squeezed


def test_offsets_map_back_to_the_same_characters() -> None:
    rng = random.Random(9)
    for _ in range(300):
        text = "".join(rng.choice(["县", "教", "育", " ", "  ", "a", "1", "\n"]) for _ in range(rng.randint(0, 80)))
        sq = Squeezed(text)
        assert "县 教" not in sq.view and len(sq.view) <= len(text)
        for i, ch in enumerate(sq.view):
            j = sq.to_text(i)
            assert text[j] == ch and sq.to_view(j) == i
        for a in range(len(sq.view)):
            s, e = sq.span(a, len(sq.view))
            assert "".join(c for k, c in enumerate(text[s:e]) if not (c == " " and s + k in sq._removed)) == sq.view[a:]


def test_spaces_that_separate_stay() -> None:
    sq = Squeezed("县教 育局 2023 年 ab cd")
    assert sq.view == "县教育局 2023 年 ab cd"
    assert sq.has_gaps([(0, 4)]) and not sq.has_gaps([(5, len(sq.text))])
