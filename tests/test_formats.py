"""Every notice we have, published every way counties publish it, scores like its plain text.

The seeds and the development corpus are rendered (scripts/render_formats.py) as county-site
article pages (UTF-8 div layout; GB2312 table layout with the title only in the CMS field), as
Word `.docx` with Word tables and Word numbering, as legacy `.doc` (LibreOffice, one call for
all), as a page with its quota table in an `.xlsx` beside it, and as a printed PDF (its text
layer; scans are tests/test_scans.py). Each format is extracted like
`noticeflow extract` does and scored with ../shared/tools/score.py against the same gold as the
text: within 0.02 macro-F1, every evidence quote `text[start:end]`.
"""
from __future__ import annotations

import pathlib
import shutil
import sys

import pytest

from conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
import render_formats  # noqa: E402
from score_corpus import load_scorer, tally  # noqa: E402
from test_devcorpus import _spans  # noqa: E402  (every {start, end, quote} of a record)

from noticeflow.flows.extract import extract_file, in_batches, plan  # noqa: E402
from noticeflow.readers.attachments import Notice  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="../shared/gold not beside the repo")]

SETS = {
    "seeds": (SHARED / "seeds", SHARED / "gold"),
    "devcorpus": (ROOT / "tests" / "devcorpus" / "notices", ROOT / "tests" / "devcorpus" / "gold"),
}
FORMATS = ["pdf", "html-utf8", "html-gb2312", "docx", "doc", "html+xlsx"]
TOLERANCE = 0.02


def _notices(name: str) -> list[pathlib.Path]:
    folder, gold = SETS[name]
    return sorted(p for p in folder.glob("*.txt") if (gold / f"{p.stem}.json").is_file())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, pathlib.Path]:
    """set/format -> folder of renders (one LibreOffice call converts every .docx to .doc)."""
    out = tmp_path_factory.mktemp("formats")
    docx_files = []
    folders = {}
    for name in SETS:
        for txt in _notices(name):
            made = render_formats.render_all(txt, out / name)
            docx_files += made["docx"]
        for fmt in ["txt", *FORMATS]:
            folders[f"{name}/{fmt}"] = out / name / fmt
    if shutil.which("soffice"):
        for name in SETS:
            render_formats.to_doc([p for p in docx_files if p.parent.parent.name == name], out / name / "doc")
    return folders


@pytest.fixture(scope="module")
def scores(rendered) -> dict[str, tuple]:
    """set/format -> (macro-F1, records, errors), extracted as `noticeflow extract` does."""
    scorer = load_scorer()
    out = {}
    for key, folder in rendered.items():
        if not folder.is_dir():
            continue
        records, errors = [], []
        for item in in_batches(plan([folder])):
            if not isinstance(item, Notice):
                errors.append(str(item))
                continue
            records.append(extract_file(item.path, item.attachments))
        gold = sorted(SETS[key.split("/")[0]][1].glob("*.json"))
        t = tally(scorer, gold, [r.model_dump(mode="json") for r in records])
        out[key] = (t.macro(), records, errors, t)
    return out


CASES = [pytest.param(s, f, id=f"{s}-{f}") for s in SETS for f in FORMATS]


@pytest.mark.parametrize("name, fmt", CASES)
def test_format_scores_like_the_text(scores, name, fmt) -> None:
    if fmt == "doc" and not shutil.which("soffice"):
        pytest.skip("LibreOffice (libreoffice-writer-nogui) is not installed")
    if not _notices(name):
        pytest.skip(f"no {name} notices with gold yet")
    text_f1 = scores[f"{name}/txt"][0]
    f1, records, errors, t = scores[f"{name}/{fmt}"]
    assert errors == []
    assert len(records) == len(_notices(name)) and not t.unmatched
    assert f1 >= text_f1 - TOLERANCE, f"{fmt}: {f1:.3f} vs text {text_f1:.3f}\n" + "\n".join(t.misses[:40])


@pytest.mark.parametrize("name, fmt", CASES)
def test_every_quote_is_the_text_it_points_at(scores, name, fmt) -> None:
    if f"{name}/{fmt}" not in scores:
        pytest.skip("format not rendered here")
    n = 0
    for rec in scores[f"{name}/{fmt}"][1]:
        data = rec.model_dump(mode="json")
        for ev in _spans(data):
            assert data["text"][ev["start"]:ev["end"]] == ev["quote"], (rec.source.path, ev)
            n += 1
    assert n > 0 or not _notices(name)


@pytest.mark.parametrize("name, fmt, source_format", [
    pytest.param("seeds", "html-utf8", "html", id="html"),
    pytest.param("seeds", "pdf", "pdf", id="pdf"),
    pytest.param("seeds", "docx", "docx", id="docx"),
    pytest.param("seeds", "doc", "doc", id="doc"),
    pytest.param("seeds", "html+xlsx", "html", id="html+xlsx"),
])
def test_sources_say_what_was_read(scores, name, fmt, source_format) -> None:
    if f"{name}/{fmt}" not in scores:
        pytest.skip("format not rendered here")
    records = scores[f"{name}/{fmt}"][1]
    assert {r.source.format for r in records} == {source_format}
    if source_format == "html":
        assert all(r.source.published for r in records) and all(r.source.encoding == "utf-8" for r in records)
    else:
        assert all(r.source.encoding is None for r in records)
    if fmt == "html+xlsx":
        with_table = [r for r in records if r.source.attachments]
        assert len(with_table) == 4 and all(r.source.attachments[0].endswith(".xlsx") for r in with_table)
        assert all(r.quota_table is not None for r in with_table)


def test_gb2312_pages_decode_as_gb18030(scores) -> None:
    records = scores["seeds/html-gb2312"][1]
    assert {r.source.encoding for r in records} == {"gb18030"}
    assert all(r.source.published for r in records)
