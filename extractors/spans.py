"""Evidence spans: every value points at `text[start:end]`, trimmed of surrounding blanks."""
from __future__ import annotations

from schemas import Evidence

_BLANKS = " \t\n\r"


def evidence(text: str, start: int, end: int) -> Evidence:
    """Evidence for text[start:end] with whitespace trimmed from both ends (never empty if avoidable)."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start] in _BLANKS:
        start += 1
    while end > start and text[end - 1] in _BLANKS:
        end -= 1
    return Evidence(start=start, end=end, quote=text[start:end])


def line_span(text: str, pos: int) -> tuple[int, int]:
    """The [start, end) of the line holding `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end == -1 else end)


_CLAUSE_END = "。；;\n"


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the clause around it: from the previous 。；/newline to the next one."""
    s = max(text.rfind(c, 0, start) for c in _CLAUSE_END) + 1
    e_candidates = [i for i in (text.find(c, end) for c in _CLAUSE_END) if i != -1]
    e = min(e_candidates) + 1 if e_candidates else len(text)
    if e > 0 and text[e - 1] == "\n":
        e -= 1
    return s, e


def keyword_windows(text: str, words, before: int, after: int) -> list[tuple[int, int]]:
    """Merged [start, end) windows around every occurrence of any of `words`: a slow pattern
    that must contain one of them is then run only there instead of over the whole text."""
    spans = []
    for w in words:
        i = text.find(w)
        while i != -1:
            spans.append((max(0, i - before), min(len(text), i + len(w) + after)))
            i = text.find(w, i + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def lines_with_offsets(text: str):
    """Yield (start, line) for every line, offsets into `text`."""
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1
