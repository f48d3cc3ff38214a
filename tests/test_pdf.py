"""PDFs read like their text exports: same lines, same tables, same score against the gold."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED
from noticeflow.extractors.canonical import canonicalize
from noticeflow.flows.extract import extract_file
from noticeflow.readers import read_document
from noticeflow.readers.pdf import read_page
from noticeflow.schemas.errors import InputError
from test_bad_input import make_pdf

SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def _lines(text: str) -> list[str]:
    """Canonical lines without spaces or blank lines: PDFs carry no markdown or blank-line layout."""
    return [ln.replace(" ", "") for ln in canonicalize(text).split("\n") if ln.strip()]


@pytest.mark.parametrize("txt", SEEDS, ids=lambda p: p.stem)
def test_corpus_pdf_exists(txt) -> None:
    assert txt.with_suffix(".pdf").is_file(), "run: python scripts/render_pdfs.py"


@pytest.mark.parametrize("txt", SEEDS, ids=lambda p: p.stem)
def test_pdf_gives_the_same_lines_as_the_text(txt) -> None:
    pdf = read_document(txt.with_suffix(".pdf"))
    assert pdf.source.format == "pdf" and pdf.source.encoding is None and pdf.source.pages >= 2
    assert _lines(pdf.raw_text) == _lines(read_document(txt).raw_text)


@pytest.mark.parametrize("txt", SEEDS, ids=lambda p: p.stem)
def test_pdf_tables_are_tab_separated_rows(txt) -> None:
    rows = [ln for ln in _lines(txt.read_text(encoding="utf-8")) if "\t" in ln]
    pdf = read_document(txt.with_suffix(".pdf"))
    assert [ln for ln in _lines(pdf.raw_text) if "\t" in ln] == rows
    assert sum(len(t) for t in pdf.tables) == len(rows)  # a table over a page break is one table


def _macro(records: list, gold: str, tmp) -> tuple[float, str]:
    gold_dir = tmp / "gold"
    gold_dir.mkdir(exist_ok=True)
    shutil.copy(SHARED / "gold" / f"{gold}.json", gold_dir)
    out = tmp / "records.jsonl"
    out.write_text("".join(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    res = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), str(gold_dir), str(out), "--verbose"],
                         capture_output=True, text=True, check=True)
    return float(re.search(r"macro-F1 ([\d.]+)", res.stdout).group(1)), res.stdout


@pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="../shared/gold not beside the repo")
@pytest.mark.parametrize("txt", SEEDS, ids=lambda p: p.stem)
def test_pdf_scores_like_its_text(txt, tmp_path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "p").mkdir()
    text_f1, text_report = _macro([extract_file(txt)], txt.stem, tmp_path / "t")
    pdf_f1, pdf_report = _macro([extract_file(txt.with_suffix(".pdf"))], txt.stem, tmp_path / "p")
    assert abs(pdf_f1 - text_f1) <= 0.02, f"text {text_f1} pdf {pdf_f1}\n{pdf_report}"


# --- CJK PDF quirks ---------------------------------------------------------------------------

def test_fake_bold_doubled_characters_are_deduplicated(tmp_path) -> None:
    p = make_pdf(tmp_path / "bold.pdf", ["关于做好城乡居民医保征缴工作的通知", "个人缴费标准为380元。"], bold_twice=True)
    assert read_document(p).raw_text.split("\n") == ["关于做好城乡居民医保征缴工作的通知", "个人缴费标准为380元。", ""]


def test_spaces_between_han_from_layout_are_removed(tmp_path) -> None:
    from reportlab.pdfgen import canvas
    from test_bad_input import _font

    c = canvas.Canvas(str(tmp_path / "spaced.pdf"))
    t = c.beginText(72, 760)
    t.setFont(_font(), 12)
    t.setCharSpace(6)  # letter-spaced title, as printed headings often are
    t.textLine("征缴工作的通知")
    t.setCharSpace(0)
    t.textLine("Word 2016 导出")
    c.drawText(t)
    c.save()
    assert read_document(tmp_path / "spaced.pdf").raw_text == "征缴工作的通知\nWord 2016 导出\n"


def test_page_numbers_are_dropped_and_pages_joined(tmp_path) -> None:
    from reportlab.pdfgen import canvas
    from test_bad_input import _font

    c = canvas.Canvas(str(tmp_path / "two.pdf"))
    for n, body in enumerate(["第一页的正文到这里结束。", "第二页的正文从这里开始。"], start=1):
        c.setFont(_font(), 12)
        c.drawString(72, 760, body)
        c.drawCentredString(300, 30, f"— {n} —")
        c.showPage()
    c.save()
    doc = read_document(tmp_path / "two.pdf")
    assert doc.source.pages == 2
    assert doc.raw_text == "第一页的正文到这里结束。\n\n第二页的正文从这里开始。\n"


class _CidPage:
    page_number = 3
    chars = [{"text": "(cid:%d)" % i} for i in range(40)] + [{"text": "通"}]


def test_page_of_unmapped_cid_glyphs_goes_to_ocr() -> None:
    assert read_page("x.pdf", _CidPage()) is None


def test_render_script_works_from_scratch(tmp_path) -> None:
    spec = importlib.util.spec_from_file_location("render_pdfs", ROOT / "scripts" / "render_pdfs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shutil.copy(SEEDS[0], tmp_path)
    mod.main([str(tmp_path)])
    fresh = read_document(tmp_path / (SEEDS[0].stem + ".pdf"))
    assert _lines(fresh.raw_text) == _lines(SEEDS[0].read_text(encoding="utf-8"))


def test_table_without_rules_becomes_tab_separated_rows(tmp_path) -> None:
    from reportlab.pdfgen import canvas
    from test_bad_input import _font

    c = canvas.Canvas(str(tmp_path / "unruled.pdf"))
    c.setFont(_font(), 12)
    c.drawString(72, 780, "各乡镇征缴任务如下，请认真落实。")
    rows = [("序号", "乡镇社区", "任务数"), ("1", "猗氏镇", "34447"), ("2", "牛杜镇", "30403"), ("", "合计（人）", "64850")]
    for i, (seq, area, n) in enumerate(rows):
        y = 750 - 20 * i
        c.drawString(80, y, seq)
        c.drawString(160, y, area)
        c.drawRightString(400, y, n)  # numbers right-aligned, as in printed tables
    c.drawString(72, 650, "组长：孙鹏 县政府副县长")
    c.save()
    assert read_document(tmp_path / "unruled.pdf").raw_text == (
        "各乡镇征缴任务如下，请认真落实。\n\n序号\t乡镇社区\t任务数\n1\t猗氏镇\t34447\n2\t牛杜镇\t30403\n"
        "\t合计（人）\t64850\n\n组长：孙鹏县政府副县长\n"
    )


def test_unruled_table_broken_by_a_page_is_one_table(tmp_path) -> None:
    """The header and one row end page 1, the rest opens page 2: neither part is three rows alone."""
    from reportlab.pdfgen import canvas
    from test_bad_input import _font

    c = canvas.Canvas(str(tmp_path / "split.pdf"))
    pages = [[("序号", "乡镇", "任务数"), ("1", "猗氏镇", "34447")],
             [("2", "牛杜镇", "30403"), ("", "合计", "64850")]]
    for n, rows in enumerate(pages):
        c.setFont(_font(), 12)
        if n == 0:
            c.drawString(72, 780, "各乡镇征缴任务如下。")
        else:
            c.drawString(72, 680, "请认真落实。")
        for i, (seq, area, num) in enumerate(rows):
            y = (150 if n == 0 else 760) - 20 * i
            c.drawString(80, y, seq)
            c.drawString(160, y, area)
            c.drawRightString(400, y, num)
        c.showPage()
    c.save()
    text = read_document(tmp_path / "split.pdf").raw_text
    assert "序号\t乡镇\t任务数\n1\t猗氏镇\t34447" in text and "2\t牛杜镇\t30403\n\t合计\t64850" in text, text
