"""How much of a notice's record survives a re-layout, counted with the evaluation's own facts.

A fact is what `../shared/tools/score.py` counts (`facts()`: one fee amount, one tier field of one
category, one quota cell, one leadership name ...). A transformed notice keeps a fact when its
record has it too; `kept` is the multiset intersection over the original's facts, so a fact that
moved (a wrong amount, a lost row) counts as lost, and what the transform made up is reported as
`extra`. Shared by tests/test_layout_invariance.py and scripts/layout_invariance.py.
"""
from __future__ import annotations

import functools
import importlib.util
import pathlib
from collections import Counter
from dataclasses import dataclass

import layout_transforms

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent
SHARED = ROOT.parent / "shared"
SCORE_PY = SHARED / "tools" / "score.py"
XFAIL_FILE = TESTS / "cases" / "layout_xfail.yaml"
THRESHOLD = 0.98  # issue 9: each transform keeps at least 98% of the facts


def notice_paths() -> list[pathlib.Path]:
    """The seeds and the development corpus: every notice the invariance is checked on."""
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    corpus = sorted((TESTS / "devcorpus" / "notices").glob("*.txt"))
    return seeds + corpus


@functools.cache
def _score_module():
    # score.py is the evaluation's script, not a package: loaded from its file so the facts
    # counted here are exactly the ones the scorer counts.
    spec = importlib.util.spec_from_file_location("noticeflow_eval_score", SCORE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def facts(record: dict) -> Counter:
    return _score_module().facts(record)


@functools.cache
def raw_text(path: pathlib.Path) -> str:
    """The notice as its reader decodes it (GB18030 files included); the file is only read."""
    from noticeflow.readers import read_document

    return read_document(path).raw_text


def record_of(text: str, path: pathlib.Path) -> dict:
    from noticeflow.flows.extract import extract_string

    return extract_string(text, str(path)).model_dump(mode="json")


@functools.cache
def original_facts(path: pathlib.Path) -> Counter:
    return facts(record_of(raw_text(path), path))


@dataclass
class Outcome:
    transform: str
    notice: str
    total: int          # facts of the original record
    kept: int           # of those, facts the transformed record has too
    missing: Counter
    extra: Counter

    @property
    def fraction(self) -> float:
        return self.kept / self.total if self.total else 1.0


def measure(transform: str, path: pathlib.Path) -> Outcome:
    before = original_facts(path)
    after = facts(record_of(layout_transforms.TRANSFORMS[transform](raw_text(path)), path))
    both = before & after
    return Outcome(transform, path.stem, sum(before.values()), sum(both.values()),
                   before - after, after - before)


def load_xfail() -> dict[tuple[str, str], float]:
    """(transform, notice stem) -> the fraction measured when the pair was last known to fail."""
    import yaml

    if not XFAIL_FILE.exists():
        return {}
    doc = yaml.safe_load(XFAIL_FILE.read_text(encoding="utf-8")) or {}
    return {(c["transform"], c["notice"]): float(c["kept"]) for c in doc.get("cases") or []}
