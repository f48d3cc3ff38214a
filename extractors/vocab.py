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
