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
from dataclasses import dataclass

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from extractors import vocab


_PREFIXES = "县市区旗"  # see the header of extractors/data/departments.yaml


@dataclass(frozen=True)
class Mention:
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
    written = sorted(known_forms(), key=len, reverse=True)
    prefilter = re.compile("|".join(map(re.escape, written)))
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
    """The Doc `spacy.blank('zh')` would make (one token per character), built directly."""
    return Doc(nlp.vocab, words=list(s), spaces=[False] * len(s))


def mentions_in(passage: str) -> list[Mention]:
    """Department mentions in `passage`, longest match wins where aliases overlap."""
    return mentions_in_many([passage])[0]


def mentions_in_many(passages: list[str]) -> list[list[Mention]]:
    """Mentions for each passage, all matched in one Doc (a Doc costs a fixed overhead each)."""
    nlp, matcher, levels, prefilter = pipeline()
    out: list[list[Mention]] = [[] for _ in passages]
    joined = "\n".join(passages)
    if not prefilter.search(joined):
        return out
    starts = list(itertools.accumulate((len(p) + 1 for p in passages[:-1]), initial=0))
    strings = nlp.vocab.strings
    # One token per character, so token indices are character offsets.
    for match_id, start, end in longest_first(matcher(char_doc(nlp, joined))):
        k = bisect.bisect_right(starts, start) - 1
        name = strings[match_id]
        out[k].append(Mention(start - starts[k], end - starts[k], name, levels.get(name, "county")))
    return out


def longest_first(matches):
    """spacy.util.filter_spans on (id, start, end) triples: longest wins, then the earliest."""
    taken: set[int] = set()
    kept = []
    for match_id, start, end in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
        if not taken.intersection(range(start, end)):
            kept.append((match_id, start, end))
            taken.update(range(start, end))
    return sorted(kept, key=lambda m: m[1])


def mention_hits(text: str):
    """Cheap screen (no Doc): where any known written form occurs, as re matches."""
    return pipeline()[3].finditer(text)
