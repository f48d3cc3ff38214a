"""The text with OCR spaces between Han characters removed, and the way back to the text's offsets.

OCR and some PDF exports put a space inside words (`县教 育局`, `岢 岚县`), which no vocabulary
spells. Canonical text keeps those spaces (between two names a space is a separator, and the
reviewer reads the text as it came), so an extractor that matches names reads this view instead
and maps each match back: evidence still indexes the canonical text.
"""
from __future__ import annotations

import bisect
import functools

import regex as re

GAP = re.compile(r"(?<=\p{Han}) (?=\p{Han})")  # one space between two Han: never a separator in a name
CELL_GAP = re.compile(r"(?<=\p{Han})[ \u3000]+(?=\p{Han})")  # inside one table cell: any run is OCR's


def close_cell_gaps(cell: str) -> str:
    """A table cell (a header, an area name) without the OCR spaces between its Han characters
    (`责任 单位`, `露水 河镇`): a cell holds one name, so no run of spaces in it is a separator."""
    return CELL_GAP.sub("", cell)


class Squeezed:
    """`view` is `text` without the GAP spaces; `to_text(i)` maps a view offset to the text."""

    __slots__ = ("text", "view", "_removed", "_shifted")

    def __init__(self, text: str):
        self.text = text
        removed = [m.start() for m in GAP.finditer(text)]
        self._removed = removed  # text offsets of the removed spaces, in order
        # removed[k] - k: the view offset the k-th removed space stood before (non-decreasing)
        self._shifted = [r - k for k, r in enumerate(removed)]
        self.view = GAP.sub("", text) if removed else text

    def to_text(self, i: int) -> int:
        """Text offset of view offset `i` (a start: the character itself): i plus the removed
        spaces standing before that character."""
        return i + bisect.bisect_right(self._shifted, i) if self._removed else i

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Text span of the view span [start, end) (an empty span stays empty)."""
        if end <= start:
            s = self.to_text(start)
            return s, s
        return self.to_text(start), self.to_text(end - 1) + 1

    def has_gaps(self, spans) -> bool:
        """Whether any removed space lies inside one of the text spans [(start, end)]."""
        for a, b in spans:
            k = bisect.bisect_left(self._removed, a)
            if k < len(self._removed) and self._removed[k] < b:
                return True
        return False

    def to_view(self, i: int) -> int:
        """View offset of text offset `i` (a removed space maps to the character after it)."""
        return i - bisect.bisect_left(self._removed, i)


@functools.lru_cache(maxsize=4)
def squeeze(text: str) -> Squeezed:
    """The view of `text` (cached: several extractors of one notice ask for it)."""
    return Squeezed(text)
