"""Evidence spans: every value points at `text[start:end]`, trimmed of surrounding blanks."""
from __future__ import annotations

from functools import lru_cache

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


def line_span(text: str, pos: int) -> tuple[int, int]:
    """The [start, end) of the line holding `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end == -1 else end)


_CLAUSE_END = "。；;\n"


STOP_REACH = 2000  # characters: no clause or line the extractors read is longer (a text without
# breaks, a 5-million-character line, must not make every search run back to its start)


def stop_before(text: str, pos: int, stops: str) -> int:
    """Index of the last of the `stops` characters before `pos`, -1 if none. When a newline is
    one of them, the others are looked for on pos's line only (not back through the notice).
    Searched at most STOP_REACH back: past it, the position there stands for the stop."""
    lo = max(0, pos - STOP_REACH)
    if "\n" not in stops:
        best = max(text.rfind(c, lo, pos) for c in stops)
    else:
        best = text.rfind("\n", lo, pos)
        for c in stops:
            if c != "\n":
                i = text.rfind(c, max(best + 1, lo), pos)
                if i > best:
                    best = i
    return lo - 1 if best == -1 and lo > 0 else best


def stop_after(text: str, pos: int, stops: str) -> int:
    """Index of the first of the `stops` characters at or after `pos`, -1 if none (a newline
    among them bounds the search for the others, as in stop_before). Searched at most
    STOP_REACH on: past it, the position there stands for the stop."""
    hi = min(len(text), pos + STOP_REACH)
    if "\n" not in stops:
        found = [i for i in (text.find(c, pos, hi) for c in stops) if i != -1]
        best = min(found) if found else -1
    else:
        best = text.find("\n", pos, hi)
        bound = hi if best == -1 else best
        for c in stops:
            if c != "\n":
                i = text.find(c, pos, bound)
                if i != -1 and (best == -1 or i < best):
                    best = bound = i
    return hi if best == -1 and hi < len(text) else best


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the clause around it: from the previous 。；/newline to the next one."""
    s = stop_before(text, start, _CLAUSE_END) + 1
    e = stop_after(text, end, _CLAUSE_END)
    e = e + 1 if e != -1 else len(text)
    if e > 0 and text[e - 1] == "\n":
        e -= 1
    return s, e


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
