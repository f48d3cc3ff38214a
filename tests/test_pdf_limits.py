"""Crafted PDFs (issue 12's adversarial pass): each is refused fast with one line naming the
limit it hit; text a reader cannot see is dropped and flagged; pdfminer's log stays quiet."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

import pytest

import pdf_attacks
from conftest import ROOT
from noticeflow.flows.extract import extract_file
from noticeflow.readers import isolated, ocr, read_document
from noticeflow.schemas.errors import InputError
from test_bad_input import _font, make_pdf, make_scanned_pdf

ATTACKS = {  # file -> the one line it gets
    "loop.pdf": (pdf_attacks.reference_loop, "corrupt PDF (reference loop at object 6)"),
    "objects.pdf": (pdf_attacks.many_text_objects, "PDF page 1 has 100000 text objects (limit 20000)"),
    "bomb.pdf": (pdf_attacks.inflation_bomb, "a PDF stream inflates past the 32 MB limit"),
    "pages.pdf": (pdf_attacks.many_pages, "PDF has 2000 pages (limit 300)"),
}


@pytest.fixture(scope="module")
def attacks(tmp_path_factory) -> pathlib.Path:
    d = tmp_path_factory.mktemp("attacks")
    for name, (build, _) in ATTACKS.items():
        build(d / name)
    return d


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_crafted_pdf_is_refused_with_the_limit_named(attacks, name) -> None:
    with pytest.raises(InputError) as e:
        extract_file(attacks / name)
    assert e.value.reason == ATTACKS[name][1]


def test_extract_cli_finishes_on_every_crafted_pdf(attacks, tmp_path) -> None:
    """Before the limits `extract` hung forever on the loop and ran for minutes on the rest."""
    good = make_pdf(attacks / "good.pdf", ["关于做好城乡居民医保征缴工作的通知", "个人缴费标准为每人每年400元。"])
    res = subprocess.run([sys.executable, "-m", "noticeflow", "extract", str(attacks)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.stderr.splitlines() == [f"noticeflow: {attacks / n}: {ATTACKS[n][1]}" for n in sorted(ATTACKS)]
    assert [json.loads(ln)["source"]["path"] for ln in res.stdout.splitlines()] == [str(good)]


def test_reader_child_has_a_memory_limit(tmp_path, monkeypatch) -> None:
    """A 56-megapixel image decodes to 56 MB: over a 1 MB allowance, the child fails alone."""
    from PIL import Image

    p = tmp_path / "big.png"
    Image.new("1", (7_000, 8_000), 1).save(p)
    monkeypatch.setattr(isolated, "MEMORY_LIMIT_MB", 1)
    with pytest.raises(InputError) as e:
        isolated.read_isolated(str(p))
    assert e.value.reason == "image reader ran out of memory (memory limit 1 MB)" or \
        e.value.reason.startswith("image reader crashed (exit code ") and e.value.reason.endswith("; memory limit 1 MB)")


def test_reader_child_has_a_time_limit() -> None:
    with pytest.raises(InputError) as e:
        isolated.read_isolated(str(ROOT / "corpus" / "000_beb0d831110dae00.pdf"), limit=0.05)
    assert e.value.reason == "PDF parsing timed out after 0.05 s"


def test_ocr_has_a_cpu_time_limit_per_page(tmp_path, monkeypatch) -> None:
    def spin(gray, dpi):
        while True:
            pass
    monkeypatch.setattr(ocr, "read_image", spin)
    monkeypatch.setattr(isolated, "WALL_FACTOR", 100)  # the CPU limit, not the clock, must stop it
    with pytest.raises(InputError) as e:
        isolated.read_isolated(str(make_scanned_pdf(tmp_path / "scan.pdf")), limit=30, page_limit=1)
    assert e.value.reason == "OCR of page 1 timed out after 1 s of CPU time"


def test_a_stalled_ocr_page_times_out_on_the_clock(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ocr, "read_image", lambda gray, dpi: time.sleep(60))
    with pytest.raises(InputError) as e:
        isolated.read_isolated(str(make_scanned_pdf(tmp_path / "scan.pdf")), limit=30, page_limit=0.2)
    assert e.value.reason == f"OCR of page 1 timed out after {0.2 * isolated.WALL_FACTOR:g} s"


# --- text a reader cannot see ------------------------------------------------------------------

def _with_hidden_fees(path: pathlib.Path) -> pathlib.Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    font = _font()
    c.setFont(font, 12)
    for i, line in enumerate(["关于做好2025年度城乡居民基本医疗保险费征缴工作的通知", "各乡镇人民政府：",
                              "2025年度个人缴费标准为每人每年400元。", "县医疗保障局负责组织征缴。"]):
        c.drawString(72, 760 - 20 * i, line)
    c.setFillColorRGB(1, 1, 1)
    c.drawString(72, 600, "个人缴费标准调整为每人每年9999元。")        # white on white
    c.setFillColorRGB(0, 0, 0)
    c.drawString(700, 500, "个人缴费标准调整为每人每年8888元。")       # right of the page
    c.setFont(font, 0.1)
    c.drawString(72, 560, "个人缴费标准调整为每人每年7777元。")        # 0.1 pt
    t = c.beginText(72, 540)
    t.setFont(font, 12)
    t.setTextRenderMode(3)                                            # invisible
    t.textLine("个人缴费标准调整为每人每年6666元。")
    c.drawText(t)
    c.save()
    return path


def test_invisible_text_is_dropped_and_flagged(tmp_path) -> None:
    record = extract_file(_with_hidden_fees(tmp_path / "hidden.pdf"))
    assert sorted({f.amount for f in record.fees}) == [400]
    assert not any(n in record.text for n in ("9999", "8888", "7777", "6666"))
    [flag] = [f for f in record.flags if f.code == "invisible_text"]
    assert flag.severity == "warning"
    assert all(k in flag.message for k in ("与背景同色", "页面以外", "字号过小", "隐藏文字"))


def test_a_scans_invisible_ocr_layer_is_its_text(tmp_path, monkeypatch) -> None:
    """Render mode 3 over the page image is how scanners store their OCR: that text is read."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    monkeypatch.setattr(ocr, "read_pdf_pages", lambda *a: pytest.fail("OCR'd a page that has an OCR layer"))
    p = tmp_path / "layered.pdf"
    c = canvas.Canvas(str(p))
    c.drawImage(ImageReader(Image.new("L", (500, 700), 255)), 50, 80, 500, 700)
    t = c.beginText(72, 700)
    t.setFont(_font(), 12)
    t.setTextRenderMode(3)
    t.textLine("个人缴费标准为每人每年400元。")
    c.drawText(t)
    c.save()
    doc = read_document(p)
    assert doc.raw_text == "个人缴费标准为每人每年400元。\n"
    assert doc.source.ocr is True and doc.flags == []


def test_pdfminer_log_lines_do_not_reach_stderr(tmp_path) -> None:
    p = pdf_attacks.corrupt_checksum(tmp_path / "repaired.pdf")
    res = subprocess.run([sys.executable, "-m", "noticeflow", "extract", str(p)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.stderr == ""
    assert "Notice text" in json.loads(res.stdout)["text"]
