"""The text with OCR spaces between Han characters taken out, and the way back to the original.

OCR engines and some PDF exports put a space inside words (`每 人每年400元`, `边缘易致 贫户`,
`暂 停办理`). Canonical text keeps them (a reviewer sees what was read, and a space between two
names can be real), so the money-and-time extractors read a compact view instead and map every
span back: evidence still indexes the canonical text, and a quote shows the spaces the notice had.
A text without such spaces is its own view (no copy, no mapping work).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

import re as sre

import regex as re

from noticeflow.schemas import Evidence
from noticeflow.schemas.types import Strict


# Runs of plain spaces (tabs and newlines are layout: kept); a run is a gap when a Han character
# stands on both sides. The stdlib engine finds the runs by their literal space, far faster than
# a look-behind pattern tried at every position.
_SPACES = sre.compile(" +")
_HAN_GAP = re.compile(r"(?<=\p{Han}) +(?=\p{Han})")  # the definition, for reference and tests


def _is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\uf900" <= c <= "\ufaff"


@dataclass(frozen=True)
class View:
    original: str
    text: str
    marks: tuple[int, ...] = ()     # compact positions where a run was taken out, ascending
    shifts: tuple[int, ...] = ()    # characters taken out at or before each mark (cumulative)

    def pos(self, i: int) -> int:
        """Original index of compact index i (a position between characters maps to the
        character after the removed run, so a span never starts on a space)."""
        k = bisect.bisect_right(self.marks, i)
        return i + (self.shifts[k - 1] if k else 0)

    def compact_pos(self, i: int) -> int:
        """Compact index of original index i (the inverse of pos, for a search bound)."""
        k = bisect.bisect_right([m + sh for m, sh in zip(self.marks, self.shifts)], i)
        return i - (self.shifts[k - 1] if k else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of compact [start, end)."""
        if not self.marks:
            return start, end
        if end <= start:
            s = self.pos(start)
            return s, s
        return self.pos(start), self.pos(end - 1) + 1

    def evidence(self, start: int, end: int) -> Evidence:
        """Evidence on the original text for a compact span (already trimmed: a mapped span
        starts and ends on the characters the compact one does, never on a removed space)."""
        return Evidence.of_slice(self.original, *self.span(start, end))


@lru_cache(maxsize=4)
def view(text: str) -> View:
    """The compact view of `text` (cached: several extractors read the same notice)."""
    n = len(text)
    runs = [(a, b) for a, b in (m.span() for m in _SPACES.finditer(text))
            if 0 < a and b < n and _is_han(text[a - 1]) and _is_han(text[b])]
    if not runs:
        return View(text, text)
    pieces, marks, shifts, prev, gone = [], [], [], 0, 0
    for a, b in runs:
        pieces.append(text[prev:a])
        gone += b - a
        marks.append(a - (gone - (b - a)))
        shifts.append(gone)
        prev = b
    pieces.append(text[prev:])
    return View(text, "".join(pieces), tuple(marks), tuple(shifts))


def to_original(v: View, parts: dict) -> dict:
    """Rewrite, in place, every evidence in extractor output built on the compact text so it
    indexes the original (a no-op when the view is the text itself)."""
    if v.marks:
        for value in parts.values():
            _remap(v, value)
    return parts


def _remap(v: View, obj) -> None:
    """Walk extractor output: models with an `evidence`, and lists of models (quota rows)."""
    if isinstance(obj, list):
        for item in obj:
            _remap(v, item)
        return
    if not isinstance(obj, Strict):
        return
    fields = obj.__dict__
    ev = fields.get("evidence")
    if isinstance(ev, Evidence) and ev.end > v.marks[0]:  # spans before the first gap keep their offsets
        fields["evidence"] = v.evidence(ev.start, ev.end)
    for value in fields.values():
        if type(value) is list and value and isinstance(value[0], Strict):
            _remap(v, value)
