"""Vocabularies loaded from `extractors/data/`: the one place each list of names lives."""
from __future__ import annotations

import csv
import functools
import pathlib
from dataclasses import dataclass

import yaml

DATA = pathlib.Path(__file__).parent / "data"


@dataclass(frozen=True)
class Term:
    name: str  # canonical name
    alias: str  # a written form (the name itself included)
    level: str = "county"
    umbrella: bool = False


def _load(file: str, key: str) -> tuple[Term, ...]:
    entries = yaml.safe_load((DATA / file).read_text(encoding="utf-8"))[key]
    terms = []
    for e in entries:
        for alias in [e["name"], *e.get("aliases", [])]:
            terms.append(Term(e["name"], alias, e.get("level", "county"), e.get("umbrella", False)))
    # Longest first so 城乡低保对象 wins over 低保对象 in alternations.
    return tuple(sorted(terms, key=lambda t: -len(t.alias)))


@functools.cache
def categories() -> tuple[Term, ...]:
    return _load("categories.yaml", "categories")


@functools.cache
def departments() -> tuple[Term, ...]:
    return _load("departments.yaml", "departments")


@dataclass(frozen=True)
class Division:
    adcode: str
    province: str
    city: str
    county: str


@functools.cache
def divisions() -> tuple[Division, ...]:
    with (DATA / "divisions.csv").open(encoding="utf-8") as fh:
        return tuple(Division(**row) for row in csv.DictReader(fh))


@functools.cache
def terms(file: str, key: str) -> dict:
    """A word-list file of one extractor (`notice_terms.yaml` -> its `notice` section)."""
    return yaml.safe_load((DATA / file).read_text(encoding="utf-8"))[key]


def alternation(words) -> str:
    """A regex alternation of literal words, longest first so the longest spelling wins."""
    import regex

    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


def trie_alternation(words) -> str:
    """The same language as `alternation` (the longest word at a position wins), written as a
    prefix tree: `局(?:长|办)?`. Python's `re` tries a flat alternation word by word at every
    position (136 department forms: 72 us a notice); the tree tries one branch per character
    (28 us). The `regex` module already does as well with the flat form, so only `re` uses this."""
    import re

    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(node[ch]) for ch in sorted(k for k in node if k)]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # a longer word first, else end here

    return emit(trie)
