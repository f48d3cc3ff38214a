"""Evidence spans: every value points at `text[start:end]`, trimmed of surrounding blanks."""
from __future__ import annotations

from array import array
from collections import OrderedDict
from bisect import bisect_left
from functools import lru_cache
import threading

from noticeflow.schemas import Evidence

_BLANKS = " \t\n\r"


def evidence(text: str, start: int, end: int) -> Evidence:
    """Evidence for text[start:end] with whitespace trimmed from both ends (never empty if avoidable).
    Built unvalidated when 0 <= start <= end <= len(text) (true unless the caller passes bad
    bounds, which then fail validation as before); the record still checks every quote."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start] in _BLANKS:
        start += 1
    while end > start and text[end - 1] in _BLANKS:
        end -= 1
    return Evidence.of_slice(text, start, end)


_POSITIONS: OrderedDict = OrderedDict()  # (id(text), char) -> (text, positions), the newest last
_POSITIONS_MAX = 16
_POSITIONS_LOCK = threading.Lock()
# The text asked about last and its positions by character: nearly every look-up is about the
# notice being read, so it is answered with one attribute read and no lock (a tuple is replaced,
# never changed in place, so a thread sees either the old pair or the new one).
_RECENT: tuple = (None, {})


def positions(text: str, char: str) -> array:
    """Where `char` occurs in `text`, ascending, found once per text. Looking a stop up in it is
    a bisection; searching the text for it again from every match is quadratic in a long line.

    Cached by the text's identity, not its value: two equal texts (a view that changed nothing)
    would make each look-up compare millions of characters (an lru_cache key compares by value)."""
    global _RECENT
    recent, by_char = _RECENT
    if recent is text:
        hit = by_char.get(char)
        if hit is not None:
            return hit
    key = (id(text), char)
    with _POSITIONS_LOCK:  # extraction may run on several threads of a worker
        hit = _POSITIONS.get(key)
        if hit is not None and hit[0] is text:
            _POSITIONS.move_to_end(key)
            out = hit[1]
        else:
            out = None
    if out is None:
        out, i = array("q"), text.find(char)
        while i != -1:
            out.append(i)
            i = text.find(char, i + 1)
        with _POSITIONS_LOCK:
            _POSITIONS[key] = (text, out)
            while len(_POSITIONS) > _POSITIONS_MAX:
                _POSITIONS.popitem(last=False)
    if recent is text:
        by_char[char] = out
    else:
        _RECENT = (text, {char: out})
    return out


def last_before(text: str, char: str, pos: int, floor: int = -1) -> int:
    """text.rfind(char, floor + 1, pos) (clamped like it), from the index."""
    at = positions(text, char)
    k = bisect_left(at, pos) - 1
    return at[k] if k >= 0 and at[k] > floor else -1


def first_from(text: str, char: str, pos: int, bound: int | None = None) -> int:
    """text.find(char, pos, bound), from the index."""
    at = positions(text, char)
    k = bisect_left(at, max(pos, 0))
    if k == len(at):
        return -1
    i = at[k]
    return i if bound is None or i + len(char) <= bound else -1


def line_start(text: str, pos: int) -> int:
    """Start of the line holding `pos` (text.rfind("\\n", 0, pos) + 1)."""
    return last_before(text, "\n", pos) + 1


def line_span(text: str, pos: int) -> tuple[int, int]:
    """The [start, end) of the line holding `pos`."""
    end = first_from(text, "\n", pos)
    return line_start(text, pos), (len(text) if end == -1 else end)


_CLAUSE_END = "。；;\n"


def stop_before(text: str, pos: int, stops: str) -> int:
    """Index of the last of the `stops` characters before `pos`, -1 if none. When a newline is
    one of them, the others are looked for on pos's line only (not back through the notice)."""
    if "\n" not in stops:
        return max(last_before(text, c, pos) for c in stops)
    best = last_before(text, "\n", pos)
    for c in stops:
        if c != "\n":
            i = last_before(text, c, pos, best)
            if i > best:
                best = i
    return best


def stop_after(text: str, pos: int, stops: str) -> int:
    """Index of the first of the `stops` characters at or after `pos`, -1 if none (a newline
    among them bounds the search for the others, as in stop_before)."""
    if "\n" not in stops:
        found = [i for i in (first_from(text, c, pos) for c in stops) if i != -1]
        return min(found) if found else -1
    best = first_from(text, "\n", pos)
    bound = len(text) if best == -1 else best
    for c in stops:
        if c != "\n":
            i = first_from(text, c, pos, bound)
            if i != -1 and (best == -1 or i < best):
                best = bound = i
    return best


# How far a clause reaches either side of the match it is widened from: a word further away is
# not about the match (the seeds' clauses reach 46 characters). Without a bound, every match of
# a text without stops rescans all of it and quotes all of it as evidence: quadratic.
MAX_REACH = 200


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the clause around it: from the previous 。；/newline to the next one,
    at most MAX_REACH characters either side."""
    s = max(stop_before(text, start, _CLAUSE_END) + 1, start - MAX_REACH)
    e = stop_after(text, end, _CLAUSE_END)
    e = e + 1 if e != -1 else len(text)
    if e > 0 and text[e - 1] == "\n":
        e -= 1
    return s, min(e, end + MAX_REACH)


def keyword_windows(text: str, words, before: int, after: int) -> list[tuple[int, int]]:
    """Merged [start, end) windows around every occurrence of any of `words`: a slow pattern
    that must contain one of them is then run only there instead of over the whole text."""
    n = len(text)
    spans = []
    for w in words:
        i = text.find(w)
        if i == -1:
            continue
        width = len(w) + after
        while i != -1:
            spans.append((i - before if i > before else 0, i + width if i + width < n else n))
            i = text.find(w, i + 1)
    if not spans:
        return spans
    spans.sort()
    merged: list[tuple[int, int]] = []
    s0, e0 = spans[0]
    for s, e in spans:
        if s <= e0:
            if e > e0:
                e0 = e
        else:
            merged.append((s0, e0))
            s0, e0 = s, e
    merged.append((s0, e0))
    return merged


@lru_cache(maxsize=4)
def lines_with_offsets(text: str) -> tuple[tuple[int, str], ...]:
    """(start, line) for every line, offsets into `text`. Several extractors walk the lines of
    the same notice, so the table is built once per text (kept for the last few texts)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return tuple(out)
