"""Scans and photos of the seeds and of a stratified part of the dev corpus score within 0.10 of
their text with score.py, and every evidence quote is text[start:end] (issue 10).

The renders (scripts/render_scans.py: A4, ruled tables, ±1°, speckles, blur) are made in the
test, in two processes; OCR is most of the time (README, Formats / OCR). The whole dev corpus in
both formats: `python scripts/score_scans.py` (same code, the full per-format table).
"""
from __future__ import annotations

import importlib.util
import sys

import pytest

from conftest import ROOT, SHARED

_spec = importlib.util.spec_from_file_location("score_scans", ROOT / "scripts" / "score_scans.py")
score_scans = importlib.util.module_from_spec(_spec)
sys.modules["score_scans"] = score_scans  # the worker processes unpickle its functions by name
_spec.loader.exec_module(score_scans)

ITEMS = score_scans.notices(ci=True) if (SHARED / "seeds").is_dir() else []
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not ITEMS, reason="../shared/seeds not beside the repo")]


@pytest.fixture(scope="module")
def scored() -> dict:
    results = score_scans.run(ITEMS, jobs=2)
    table, failures = score_scans.report(results)
    print("\n" + table)  # shown with -s or on failure: the per-family table
    return {"results": {r["name"]: r for r in results}, "failures": failures,
            "macros": score_scans.corpus_macros(results)}


def test_ci_covers_every_seed_and_several_provinces() -> None:
    assert sum(c == "seeds" for c, _, _ in ITEMS) == len(list((SHARED / "seeds").glob("*.txt")))
    dev = [p.stem.split("_")[1] for c, p, _ in ITEMS if c == "dev"]
    assert len(dev) == len(score_scans.CI_DEV) and len(dev) == len(set(dev))  # all there, one per province


# Measured below the tolerance (python -m pytest tests/test_scans.py -rxX, 2026-12-02), each for a
# reason the reader cannot fix: place-name characters PP-OCRv4 misreads or lacks (嵎 is not among
# its 6,623 characters; 猗 is dropped or read 狗 on some noise patterns), which costs the region
# facts (county, adcode, issuer, a region_conflict flag), and single digits lost. Not strict: a
# change of the extractors can move a notice across the tolerance either way. (Seed 004 and dev 08
# were listed here too; since the OCR gap reading both pass.)
OCR_LIMITS = {
    "000_beb0d831110dae00": "临猗县, 嵎阳镇: 猗 misread, 嵎 not in PP-OCRv4's character set",
    "003_aea4e45528ea7e5a": "one quota cell loses a digit (10996 -> 1099); cited numbers in the photo",
    # measured 2026-12-02 (0.875): the scan's 文头 reads 勋西 (郧 misread since the PDFs print
    # space-typed lines as typed); issuer and 文号 are mended to 郧西, and the misread 文头 is flagged
    # region_conflict as the contract asks, a flag the text's gold cannot have
    "01_hubei_yunxi_2024": "scan: 文头 reads 勋西县: region_conflict (contract) against the text's gold",
    # measured 2026-12-01 (python scripts/score_scans.py --verbose NOTICE.txt):
    "04_gansu_jingyuan_2022": "scan: the 文号's 96 read 9 (and two cited 文号 with it); photo: 靖远 read 清远 in the issuer",
}


def _param(item):
    reason = OCR_LIMITS.get(item[1].stem)
    return pytest.param(item, marks=pytest.mark.xfail(reason=reason, strict=False)) if reason else item


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: f"{i[0]}/{i[1].stem}")
def test_every_format_gives_a_record_with_grounded_evidence(scored, item) -> None:
    name = item[1].stem
    r = scored["results"][name]
    assert all(isinstance(r[f], dict) for f in score_scans.FORMATS), [r[f] for f in score_scans.FORMATS]
    assert [f for f in scored["failures"] if f.startswith(name + " ") and "evidence" in f] == []
    assert r["scan"]["source"]["ocr"] is True and r["photo"]["source"]["format"] == "image"


@pytest.mark.parametrize("item", [_param(i) for i in ITEMS], ids=lambda i: f"{i[0]}/{i[1].stem}")
def test_scan_and_photo_score_within_0_10_of_the_text(scored, item) -> None:
    name = item[1].stem
    assert [f for f in scored["failures"] if f.startswith(name + " ")] == []


@pytest.mark.parametrize("corpus", sorted({c for c, _, _ in ITEMS}))
def test_each_corpus_scores_within_0_10_of_its_text_as_scans_and_photos(scored, corpus) -> None:
    """Pooled over the corpus's notices (the per-notice test above holds the measured misses)."""
    m = scored["macros"]
    for fmt in ("scan", "photo"):
        assert m[(corpus, fmt)] >= m[(corpus, "text")] - 0.10, (fmt, m)
