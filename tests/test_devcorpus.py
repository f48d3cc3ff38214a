"""The development corpus (tests/devcorpus, issue 9) scored with the evaluation's own score.py.

The thresholds are a ratchet: what the extractor scored when the corpus was finished, rounded
down to 0.01. Raise them whenever an extractor change lifts a figure; never lower one to let a
change through. The goal (issue 9) is macro-F1 0.97 with every family at 0.95.
"""
from __future__ import annotations

import csv
import functools
import json
import re
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from score_corpus import DEVCORPUS, SCORER, load_scorer, run_score_py, tally  # noqa: E402

# Measured 2026-12-02 over 90 notices (1.000 macro, every family 1.000, after extract-f, extract-g and extract-h);
# 49-54 were scored first unseen (0.963), 55-60 (0.972), 61-66 (0.817), 67-72 (0.942 and 0.697, two
# globs), 73-78 (0.795), 80-85 (0.933) and 90-95 (0.961) too; 100-107 (0.891) and 108-115 (0.950, two globs) since,
# 106 notices at 1.000 after round108; 116-123 (0.860, two globs) by round116, 114 notices at 1.000 after;
# 140-147 (0.851), 148-155 (0.945), 156-159 (0.955), 160-162 (0.972), 163-165 (0.816), 166-167 (0.842), 168 (0.976) and
# 169-170 (1.000, 0.983) on 2026-12-03, 161 notices at 1.000 (9,052 of 9,052 facts) after; 171-176 (0.941) and
# 177-182 (0.898, 0.981: two globs) by round171 and round177, 173 notices at 1.000 (9,695 of 9,695 facts) after;
# 183-188 (0.923), 189-194 (0.910), 195-200 (0.961) and 201-203 (0.710: publications for residents) on 2026-12-04,
# 204-209 (0.927), 210-215 (0.841) and 216-221 (0.589: near-notices read as notices) the same day,
# 212 notices at 1.000 (11,588 of 11,588 facts) after. Kept a step below so one new miss is a signal, not a wall.
MACRO_MIN = 0.99
FAMILY_MIN = {
    "cited": 0.99,
    "departments": 0.99,
    "fees": 0.99,
    "flags": 0.99,
    "leadership": 0.99,
    "meta": 0.99,
    "periods": 0.99,
    "quota": 0.99,
    "targets": 0.99,
    "tiers": 0.99,
}

NOTICES = DEVCORPUS / "notices"
GOLD = DEVCORPUS / "gold"
NOTICE_FILES = sorted(p for p in NOTICES.glob("*") if p.suffix in (".txt", ".pdf"))
GOLD_FILES = sorted(GOLD.glob("*.json"))
STEM = re.compile(r"^\d{2,3}_[a-z]+_[a-z]+_(?:19|20)\d\d$")      # NN_province_county_year

pytestmark = pytest.mark.skipif(not SCORER.is_file(), reason="../shared/tools/score.py not beside the repo")


@functools.lru_cache(maxsize=None)
def record(stem: str) -> dict:
    """The extracted record of one dev notice, in its JSON form (extracted once per session)."""
    from noticeflow.flows.extract import extract_file

    (path,) = [p for p in NOTICE_FILES if p.stem == stem]
    return extract_file(path).model_dump(mode="json")


def gold(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_notice_has_gold_and_every_gold_a_notice() -> None:
    notices, golds = {p.stem for p in NOTICE_FILES}, {p.stem for p in GOLD_FILES}
    assert len(notices) >= 18
    assert notices == golds, f"notices without gold: {sorted(notices - golds)}; gold without notice: {sorted(golds - notices)}"
    bad = sorted(s for s in notices if not STEM.match(s))
    assert not bad, f"stems not NN_province_county_year: {bad}"


@pytest.mark.parametrize("path", NOTICE_FILES, ids=lambda p: p.stem)
def test_record_validates_and_quotes_its_text(path) -> None:
    from noticeflow.schemas import Record

    rec = record(path.stem)
    Record.model_validate(rec)
    text, spans = rec["text"], list(_spans(rec))
    assert spans, "a record with no evidence at all"
    wrong = [(s["start"], s["end"], s["quote"]) for s in spans if text[s["start"]:s["end"]] != s["quote"]]
    assert not wrong, f"evidence quotes that are not text[start:end]: {wrong[:5]}"


def _spans(node):
    """Every {start, end, quote} in a record, wherever it sits."""
    if isinstance(node, dict):
        if {"start", "end", "quote"} <= node.keys():
            yield node
        for v in node.values():
            yield from _spans(v)
    elif isinstance(node, list):
        for v in node:
            yield from _spans(v)


@pytest.fixture(scope="module")
def scored():
    scorer = load_scorer()
    records = [record(p.stem) for p in NOTICE_FILES]
    return scorer, records, tally(scorer, GOLD_FILES, records)


def test_devcorpus_scores_hold_the_ratchet(scored) -> None:
    _, _, t = scored
    f1 = t.f1()
    report = "\n".join(f"{fam:12} {v:.3f} (min {FAMILY_MIN.get(fam, '-')})" for fam, v in f1.items())
    report += f"\nmacro-F1 {t.macro():.3f} (min {MACRO_MIN})\n" + "\n".join(t.misses)
    assert not t.unmatched, f"gold with no record: {t.unmatched}"
    assert set(f1) == set(FAMILY_MIN), f"families scored {sorted(f1)} but thresholds for {sorted(FAMILY_MIN)}"
    assert t.macro() >= MACRO_MIN, report
    low = {fam: round(v, 3) for fam, v in f1.items() if v < FAMILY_MIN[fam]}
    assert not low, f"families below the ratchet: {low}\n{report}"


def test_tally_agrees_with_score_py_printout(scored, capsys) -> None:
    """Our numbers are score.py's: its own main(), run on the same records, prints the same macro-F1."""
    scorer, records, t = scored
    run_score_py(scorer, GOLD, records, verbose=False)
    printed = capsys.readouterr().out
    macro = float(re.search(r"macro-F1 ([\d.]+)", printed).group(1))
    assert macro == pytest.approx(t.macro(), abs=5e-4), printed
    for fam, v in t.f1().items():
        row = re.search(rf"^{fam}\s+[\d.]+\s+[\d.]+\s+([\d.]+)", printed, re.M)
        assert row and float(row.group(1)) == pytest.approx(v, abs=5e-4), (fam, printed)


# --- the gold itself: checks that catch a typo in a hand-written gold file ---------------------

DIVISIONS = {row["adcode"]: row for row in csv.DictReader(open(ROOT / "extractors" / "data" / "divisions.csv", encoding="utf-8"))}


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_is_consistent(path) -> None:
    g = gold(path)
    reg = g["region"]
    assert DIVISIONS[reg["adcode"]]["county"] == reg["county"], "adcode and county disagree"
    flags = set(g["expected_flags"])
    if "not_a_collection_notice" in flags:
        assert g["policy_year"] is None and not (g["fees"] or g["subsidy_tiers"] or g["periods"])
        return
    assert g["policy_year"], "a collection notice has a policy year"
    q = g["quota_table"]
    if q and "quota_sum_mismatch" not in flags and q["total"]:
        for col in q["columns"]:
            # an empty or `—` cell holds no figure: the row has no value for that column (127)
            assert sum(r["values"].get(col, 0) for r in q["rows"]) == q["total"][col], f"{col}: rows do not add up to 合计"
    fees = {f["amount"] for f in g["fees"] if f["kind"] == "individual"}
    for t in g["subsidy_tiers"]:
        if t["subsidy_amount"] is not None and t["individual_amount"] is not None and fees and "tier_arithmetic" not in flags:
            assert t["subsidy_amount"] + t["individual_amount"] in fees, f"{t['label']}: subsidy + individual is no fee"
        if t["mode"] == "full":
            assert t["subsidy_percent"] is None, f"{t['label']}: a full tier has no percent"
