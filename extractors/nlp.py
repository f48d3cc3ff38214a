"""The one spaCy pipeline: department mentions found by a PhraseMatcher built from the vocabulary.

`spacy.blank("zh")` segments per character, so a Doc is built straight from the characters of
the passage (same tokens, no segmenter overhead) and the patterns are the aliases of
`extractors/data/departments.yaml` with the canonical name as match id. Built once per process;
callers hand it only the sentences that can hold a mention (see `mentions_in`).
"""
from __future__ import annotations

import bisect

import functools
import itertools
import re
from typing import NamedTuple

import numpy
import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from noticeflow.extractors import vocab


_PREFIXES = "县市区旗"  # see the header of extractors/data/departments.yaml


class Mention(NamedTuple):  # a tuple: made by the hundred per notice
    start: int  # offsets into the passage given to `mentions_in`
    end: int
    name: str  # canonical department
    level: str


@functools.cache
def pipeline() -> tuple:
    """(nlp, matcher, levels, prefilter): built once, shared by every extractor."""
    nlp = spacy.blank("zh")
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    patterns: dict[str, list[Doc]] = {}
    levels: dict[str, str] = {}
    for term in vocab.departments():
        for form in forms(term.alias):
            patterns.setdefault(term.name, []).append(char_doc(nlp, form))
        levels[term.name] = term.level
    for name, docs in patterns.items():
        matcher.add(name, docs)
    # A cheap screen so only sentences naming a department are turned into Docs.
    prefilter = re.compile(vocab.trie_alternation(known_forms()))
    return nlp, matcher, levels, prefilter


@functools.cache
def known_forms() -> frozenset[str]:
    """Every written form the matcher knows (aliases without prefix, plus stems)."""
    return frozenset(f for t in vocab.departments() for f in forms(t.alias))


def strip_prefix(alias: str) -> str:
    """`县财政` -> `财政`: the 县/市/区/旗 prefix is grammar (departments.py), not part of the name."""
    return alias[1:] if alias[:1] in _PREFIXES and len(alias) > 2 else alias


def forms(alias: str) -> set[str]:
    """The written forms an alias stands for: `县教体局` -> 教体局, and 教体 as enumerations write it
    (`财政、税务、教体、解困办等部门`)."""
    form = strip_prefix(alias)
    out = {form}
    if form.endswith("局") and len(form) >= 3:
        out.add(form[:-1])
    return out


def char_doc(nlp, s: str) -> Doc:
    """The tokens `spacy.blank('zh')` would make (one per character), built directly from the
    characters' orth ids: hashing each character as a string is most of a Doc's cost. Spaces are
    left at spaCy's default: only ORTH is matched, doc.text is never read."""
    return Doc(nlp.vocab, words=char_orth_list(nlp, s))


def char_orth_list(nlp, s: str) -> list[int]:
    """Orth id of each character of s, looked up in one numpy gather over the UTF-16 code units
    (a per-character dict lookup in Python is slower than the Doc itself); text outside the
    Basic Multilingual Plane goes through the dict."""
    units = numpy.frombuffer(s.encode("utf-16-le"), dtype=numpy.uint16)
    if len(units) != len(s):  # surrogate pairs: one character, two units
        return list(map(char_orths(nlp).__getitem__, s))
    table = orth_table(nlp)
    ids = table[units]
    if not ids.all():  # characters never seen: add them to the StringStore and the table
        orths = char_orths(nlp)
        for unit in numpy.unique(units[ids == 0]).tolist():
            table[unit] = orths[chr(unit)]
        ids = table[units]
    return ids.tolist()


class _Orths(dict):
    """character -> its orth id in the pipeline's StringStore, added on first sight."""

    def __init__(self, strings):
        super().__init__()
        self.strings = strings

    def __missing__(self, ch: str) -> int:
        orth = self[ch] = self.strings.add(ch)
        return orth


@functools.cache
def char_orths(nlp) -> _Orths:
    return _Orths(nlp.vocab.strings)


@functools.cache
def orth_table(nlp) -> numpy.ndarray:
    """UTF-16 code unit -> orth id (0: not looked up yet), filled by `char_orth_list`."""
    return numpy.zeros(0x10000, dtype=numpy.uint64)


def mentions_in(passage: str) -> list[Mention]:
    """Department mentions in `passage`, longest match wins where aliases overlap."""
    return mentions_in_many([passage])[0]


def mentions_in_many(passages: list[str], shifts: list[int] | None = None) -> list[list[Mention]]:
    """Mentions for each passage, matched DOC_CHARS characters' worth of passages per Doc (a Doc
    costs a fixed overhead each, and ~50 bytes a token: one Doc for every passage of a long text
    is hundreds of MB); `shifts[k]` is added to the offsets of passage k (where it sits in the
    caller's string)."""
    out: list[list[Mention]] = [[] for _ in passages]
    shifts = shifts or [0] * len(passages)
    lo = 0
    while lo < len(passages):
        hi, size = lo + 1, len(passages[lo])
        while hi < len(passages) and size + 1 + len(passages[hi]) <= DOC_CHARS:
            size += 1 + len(passages[hi])
            hi += 1
        _match_into(out, passages, shifts, lo, hi)
        lo = hi
    return out


DOC_CHARS = 50_000


def _match_into(out: list[list[Mention]], passages: list[str], shifts: list[int], lo: int, hi: int) -> None:
    """Match passages[lo:hi], joined by line breaks, in one Doc; append to out[lo:hi]."""
    nlp, matcher, _, _ = pipeline()
    joined = "\n".join(passages[lo:hi])
    if not joined:
        return
    starts = list(itertools.accumulate((len(p) + 1 for p in passages[lo:hi - 1]), initial=0))
    offsets = [s - d for s, d in zip(starts, shifts[lo:hi])]
    names = match_names()
    # One token per character, so token indices are character offsets; matches come in order.
    k, last = 0, hi - lo - 1
    for match_id, start, end in longest_first(matcher(char_doc(nlp, joined))):
        while k < last and starts[k + 1] <= start:
            k += 1
        off = offsets[k]
        out[lo + k].append(Mention(start - off, end - off, *names[match_id]))


@functools.cache
def match_names() -> dict[int, tuple[str, str]]:
    """Matcher id -> (canonical name, level)."""
    nlp, _, levels, _ = pipeline()
    return {nlp.vocab.strings.add(name): (name, levels.get(name, "county")) for name in levels}


def longest_first(matches):
    """spacy.util.filter_spans on (id, start, end) triples: longest wins, then the earliest.
    Matches overlapping nothing are kept as they are; only a run of overlapping matches (教体 in
    教体局) goes through the greedy choice, which never looks past its run."""
    if not matches:
        return []
    kept, run, end = [], [], -1
    for match in sorted(matches, key=_start):
        if match[1] >= end and run:  # the run so far overlaps nothing after it
            kept += run if len(run) == 1 else choose_longest(run)
            run = []
        run.append(match)
        end = max(end, match[2])
    kept += run if len(run) == 1 else choose_longest(run)
    return kept


def choose_longest(matches):
    """The greedy of `longest_first` on one run of overlapping matches, in start order."""
    base = min(start for _, start, _ in matches)  # the run's own span: not the whole text's
    taken = bytearray(max(end for _, _, end in matches) - base)
    kept = []
    order = sorted([(start - end, start, i) for i, (_, start, end) in enumerate(matches)])
    for _, _, i in order:
        match_id, start, end = matches[i]
        if taken.find(1, start - base, end - base) == -1:
            kept.append((match_id, start, end))
            taken[start - base:end - base] = b"\x01" * (end - start)
    kept.sort(key=_start)
    return kept


def _start(match) -> int:
    return match[1]


def mention_hits(text: str):
    """Cheap screen (no Doc): where any known written form occurs, as re matches."""
    return pipeline()[3].finditer(text)


@functools.cache
def form_names() -> tuple[dict[str, tuple[str, str]], frozenset[str]]:
    """Written form -> (canonical name, level) for the forms only one department writes, and the
    characters a form starts with."""
    owners: dict[str, set] = {}
    for t in vocab.departments():
        for f in forms(t.alias):
            owners.setdefault(f, set()).add((t.name, t.level))
    single = {f: next(iter(o)) for f, o in owners.items() if len(o) == 1}
    return single, frozenset(f[0] for f in owners)


@functools.cache
def inner_starts() -> dict[str, tuple[int, ...]]:
    """Form -> the offsets inside it where a longer form can start: where the rest of it begins
    some other form (乡镇 in 各乡镇 begins 乡镇人民政府). Only there can a form starting inside a
    hit reach past it, so only there is the screen tried again."""
    known = known_forms()
    prefixes = {f[:i] for f in known for i in range(1, len(f))}  # proper prefixes: a longer form follows
    out = {f: tuple(k for k in range(1, len(f)) if f[k:] in prefixes) for f in known}
    return {f: ks for f, ks in out.items() if ks}


def find_mentions(text: str) -> list[Mention]:
    """Department mentions in `text`, longest form wins where forms overlap.

    The screen finds the longest form at the leftmost place; a longer form can only be missed
    where it starts inside a form already found (各乡镇 hides 乡镇人民政府 in 各乡镇人民政府), so
    only there are the forms starting inside a hit tried, and only such windows go to spaCy's
    matcher to settle the overlap. Everywhere else the screen's form is the mention."""
    prefilter = pipeline()[3]
    names, _ = form_names()
    inner = inner_starts()
    hits = [m.span() for m in prefilter.finditer(text)]
    out: list[Mention] = []
    windows: list[list[int]] = []
    for k, (a, b) in enumerate(hits):
        reach = b
        form = text[a:b]
        for d in inner.get(form, ()):  # a longer form starting inside this one?
            m = prefilter.match(text, a + d)
            if m and m.end() > reach:
                reach = m.end()
        if reach == b and form in names:
            if windows and a < windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], b)
                continue
            out.append(Mention(a, b, *names[form]))
            continue
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], reach)
        else:
            windows.append([a, reach])
    if windows:
        w_starts = [w0 for w0, _ in windows]  # sorted, disjoint: one bisect per mention
        out = [m for m in out if not _in_window(windows, w_starts, m.start)]
        for ms in mentions_in_many([text[a:b] for a, b in windows], [a for a, _ in windows]):
            out += ms
        out.sort(key=lambda m: m.start)
    return out


def _in_window(windows: list[list[int]], starts: list[int], pos: int) -> bool:
    k = bisect.bisect_right(starts, pos) - 1
    return k >= 0 and pos < windows[k][1]
