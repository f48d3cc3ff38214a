"""Where things are in a tier text, found once per notice: bracket pairs and depth, category
names, line starts and separator positions (`Layout`), and the span helpers built on them.

Why a module of its own: tiers.py reads clauses through these thousands of times per notice, so
they work from positions precomputed in C-speed passes (str.split lengths, one finditer of every
category alias) instead of rescanning text; the grammar modules only ask where a span starts.
"""
from __future__ import annotations

import bisect
import functools
import re as sre  # stdlib: plain words only (same meaning as in regex, several times faster)
from dataclasses import dataclass, field
from itertools import accumulate

from noticeflow.extractors import vocab

_OPEN, _CLOSE = "(（〔[【", ")）〕]】"
PAIR_REACH = 2000  # characters: a bracket left open this long on one line stays unclosed


@dataclass
class Layout:
    """A text with what every clause needs precomputed once: bracket depth and category names."""
    text: str
    depth: list[int]                    # depth[i]: matched bracket pairs around position i
    pairs: list[tuple[int, int]]        # matched pairs (open, close + 1), by opening position
    pair_starts: list[int]              # bisect keys of pairs
    cats: list[tuple[int, int, str]]    # category names (start, end, canonical), in text order
    cat_starts: list[int]               # bisect keys of cats
    line_starts: list[int]
    chars: dict = field(default_factory=dict)   # separator characters -> their sorted positions
    words: dict = field(default_factory=dict)   # word tuple -> (starts, ends) of every occurrence
    named: dict = field(default_factory=dict)   # (start, end) -> parse_categories result
    capped: int = 0                             # the clause cap find_clauses stopped at (0: read all)


@functools.cache
def _category_pattern():
    """One alternation of every alias, longest first, so 城乡低保对象 wins over 低保对象."""
    terms = vocab.categories()
    names = {t.alias: t.name for t in terms}
    return sre.compile("|".join(sre.escape(t.alias) for t in terms)), names


def find_chars(text: str, chars: str) -> list[int]:
    """Sorted positions of any of `chars`, from the lengths of text.split(c): all in C, several
    times faster than a regex character-class scan or a str.find loop."""
    out = []
    for c in chars:
        parts = text.split(c)
        parts.pop()
        out += map(_MINUS_ONE, accumulate(map(_PLUS_ONE, map(len, parts))))
    out.sort()
    return out


_PLUS_ONE, _MINUS_ONE = (1).__add__, (-1).__add__


def find_pairs(text: str, newlines: list[int] | None = None) -> list[tuple[int, int]]:
    """Bracket pairs (open, close + 1) within a line: an unclosed one never swallows the rest."""
    pairs, stack, line_end = [], [], -1
    if newlines is None:
        newlines = find_chars(text, "\n")  # in order: a line's end by bisect, not a scan per bracket
    for i in find_chars(text, _OPEN + _CLOSE):
        if stack and i > line_end:  # a newline since the open brackets: they stay unclosed
            stack.clear()
        if text[i] in _OPEN:
            if not stack:
                k = bisect.bisect_left(newlines, i)
                line_end = newlines[k] if k < len(newlines) else len(text)
            stack.append(i)
        elif stack:
            pairs.append((stack.pop(), i + 1))
    pairs.sort()
    return pairs


def find_depth(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """depth[i] for i in 0..n: pairs with open < i < close + 1; filled run by run, not char by char."""
    depth = [0] * (n + 1)
    if not pairs:
        return depth
    events = sorted([(a + 1, 1) for a, _ in pairs] + [(b, -1) for _, b in pairs])
    level, prev = 0, 0
    for pos, step in events:
        if level and pos > prev:
            depth[prev:pos] = [level] * (pos - prev)
        level += step
        prev = pos
    return depth


def find_layout(text: str) -> Layout:
    """Pair brackets within a line and find category names and line starts, once per text."""
    newlines = find_chars(text, "\n")
    pairs = find_pairs(text, newlines)
    pattern, names = _category_pattern()
    cats = [(m.start(), m.end(), names[m.group()]) for m in pattern.finditer(text)]
    line_starts = [0, *accumulate(map(_PLUS_ONE, map(len, text.split("\n"))))]
    line_starts.pop()
    return Layout(text, find_depth(len(text), pairs), pairs, [a for a, _ in pairs], cats,
                  [a for a, _, _ in cats], line_starts, chars={"\n": newlines})


def positions(lay: Layout, chars: str, s: int, e: int) -> list[int]:
    """Positions of any of `chars` in text[s:e] (whole-text positions found once per layout)."""
    found = lay.chars.get(chars)
    if found is None:
        found = lay.chars[chars] = _char_positions(lay, chars)
    return found[bisect.bisect_left(found, s):bisect.bisect_left(found, e)]


def _char_positions(lay: Layout, chars: str) -> list[int]:
    """find_chars(lay.text, chars) from each character's positions, found once per layout: the
    separator sets share characters (， is in three), so each is split out of the text once."""
    if len(chars) == 1:
        return find_chars(lay.text, chars)
    out = []
    for c in chars:
        one = lay.chars.get(c)
        if one is None:
            one = lay.chars[c] = find_chars(lay.text, c)
        out += one
    out.sort()
    return out


def find_words(text: str, words: tuple) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of `words` in text, overlapping ones included."""
    out = []
    for w in words:
        i = text.find(w)
        while i != -1:
            out.append((i, i + len(w)))
            i = text.find(w, i + 1)
    return out


def top_cuts(lay: Layout, seps: str) -> list[int]:
    """Separators outside brackets: the cuts of split(lay, 0, len(text), seps)."""
    key = ("top", seps)
    cuts = lay.chars.get(key)
    if cuts is None:
        cuts = positions(lay, seps, 0, len(lay.text))
        if lay.pairs:
            depth = lay.depth
            cuts = [i for i in cuts if depth[i] <= 0]
        lay.chars[key] = cuts
    return cuts


def enclosing(lay: Layout, seps: str, pos: int) -> tuple[int, int] | None:
    """The span of split(lay, 0, len(text), seps) holding the non-blank position pos."""
    cuts = top_cuts(lay, seps)
    k = bisect.bisect_left(cuts, pos)
    if k < len(cuts) and cuts[k] == pos:
        return None  # pos is a separator itself
    return (cuts[k - 1] + 1 if k else 0), (cuts[k] if k < len(cuts) else len(lay.text))


def marked_spans(lay: Layout, seps: str, marks) -> list[tuple[int, int]]:
    """The spans of split(lay, 0, len(text), seps) holding one of `marks` (start, end) wholly, in
    text order: found from the marks, so the many unmarked spans are never built."""
    found = set()
    for a, b in marks:
        span = enclosing(lay, seps, a)
        if span is not None and b <= span[1]:
            found.add(span)
    return sorted(found)


def split(lay: Layout, s: int, e: int, seps: str) -> list[tuple[int, int]]:
    """Non-blank spans of text[s:e] between separators at the depth of s (not inside brackets)."""
    text = lay.text
    cuts = positions(lay, seps, s, e)
    k = bisect.bisect_left(lay.pair_starts, s)
    if cuts and k < len(lay.pairs) and lay.pairs[k][0] < e:  # a bracket opens inside: skip its separators
        depth = lay.depth
        base = depth[s] if s < len(text) else 0
        cuts = [i for i in cuts if depth[i] <= base]
    starts = [s, *(i + 1 for i in cuts)]
    cuts.append(e)
    return [(a, b) for a, b in zip(starts, cuts) if a < b and not text[a:b].isspace()]


def bracket_spans(lay: Layout, s: int, e: int) -> list[tuple[int, int]]:
    """Outermost bracketed spans (brackets included) inside text[s:e]."""
    if s >= len(lay.text):
        return []
    base, out = lay.depth[s], []
    for k in range(bisect.bisect_left(lay.pair_starts, s), len(lay.pairs)):
        a, b = lay.pairs[k]
        if a >= e:
            break
        if b <= e and lay.depth[a] == base:
            out.append((a, b))
    return out


def has_category(lay: Layout, s: int, e: int) -> bool:
    """Whether a category name lies wholly in text[s:e]."""
    cats = lay.cats
    for k in range(bisect.bisect_left(lay.cat_starts, s), len(cats)):
        if cats[k][0] >= e:
            return False
        if cats[k][1] <= e:
            return True
    return False


def find_category_spans(lay: Layout, s: int, e: int) -> list[tuple[int, int, str]]:
    """Category names lying wholly in text[s:e]: (start, end, canonical)."""
    out = []
    for k in range(bisect.bisect_left(lay.cat_starts, s), len(lay.cats)):
        span = lay.cats[k]
        if span[0] >= e:
            break
        if span[1] <= e:
            out.append(span)
    return out


def line_of(lay: Layout, pos: int) -> int:
    """Index of the line holding pos."""
    return bisect.bisect_right(lay.line_starts, pos) - 1


def line_end(lay: Layout, pos: int) -> int:
    """The end of pos's line (its newline, or the text's end), from the line index: a search for
    the newline would scan to the end of a one-line text at every call."""
    k = line_of(lay, pos) + 1
    return lay.line_starts[k] - 1 if k < len(lay.line_starts) else len(lay.text)


def in_name(lay: Layout, i: int, s: int, e: int) -> bool:
    """Whether position i lies in a category name lying wholly in text[s:e]. Names never overlap
    (one finditer), so only the last one starting at or before i can hold it."""
    k = bisect.bisect_right(lay.cat_starts, i) - 1
    return k >= 0 and s <= lay.cats[k][0] and i < lay.cats[k][1] <= e
