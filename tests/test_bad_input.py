"""Bad inputs: each gives one pinned stderr line naming the file, the good ones still come out.

The CLI runs in a subprocess over a folder that mixes good notices (UTF-8, GB18030, UTF-16, PDF,
a PDF saved as .txt) with every kind of file that cannot be read.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from noticeflow.readers import read_document
from noticeflow.schemas.errors import InputError

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")


# --- builders (also used by test_pdf.py and test_readers.py) -----------------------------------

def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def make_pdf(path: pathlib.Path, lines: list[str], encrypt: str | None = None, bold_twice: bool = False) -> pathlib.Path:
    """A one-page PDF with the given lines; `bold_twice` draws each line twice 0.3 pt apart,
    the fake bold Word and WPS print."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt=encrypt)
    c.setFont(_font(), 12)
    for i, line in enumerate(lines):
        c.drawString(72, 760 - 20 * i, line)
        if bold_twice:
            c.drawString(72.3, 760 - 20 * i, line)
    c.save()
    return path


def make_scanned_pdf(path: pathlib.Path) -> pathlib.Path:
    """A page holding only an image: what a scanner produces."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (400, 560), "white")
    c = canvas.Canvas(str(path))
    c.drawImage(ImageReader(img), 72, 200, 400, 560)
    c.save()
    return path


def make_truncated_pdf(path: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path:
    whole = make_pdf(tmp / "whole.pdf", ["关于做好城乡居民基本医疗保险征缴工作的通知"] * 3)
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_sparse(path: pathlib.Path, size: int) -> pathlib.Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


# --- each bad input alone: the pinned message ------------------------------------------------

def make_locked_xlsx(path: pathlib.Path) -> pathlib.Path:
    """A password-protected .xlsx: Office writes it as an encrypted OLE2 container."""
    import io

    import msoffcrypto
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["序号", "乡镇", "任务数"])
    wb.active.append([1, "甲镇", 100])
    plain = io.BytesIO()
    wb.save(plain)
    plain.seek(0)
    with path.open("wb") as out:
        msoffcrypto.OfficeFile(plain).encrypt("pw", out)
    return path


LIST_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>通知公告_某某县人民政府</title></head><body>"
             "<div class='nav'><a href='/'>首页</a><a href='/zwgk'>政务公开</a></div><ul class='list'>"
             + "".join(f"<li><a href='/a/{i}.html'>关于做好2024年度城乡居民基本医疗保险征缴工作的通知（第{i}期）</a>"
                       f"<span>2023-09-{i:02d}</span></li>" for i in range(1, 21))
             + "</ul><div class='footer'>主办单位：某某县人民政府办公室 网站标识码：1408210001</div></body></html>")
NOT_FOUND_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>404</title></head><body>"
                  "<h1>404 页面不存在</h1><p>您访问的页面不存在或已被删除，请返回首页。</p>"
                  "<div class='footer'>主办单位：某某县人民政府办公室</div></body></html>")


def _reason(path: pathlib.Path) -> str:
    with pytest.raises(InputError) as e:
        read_document(path)
    assert e.value.path == str(path)
    assert str(e.value) == f"{path}: {e.value.reason}"
    return e.value.reason


def test_empty_file(tmp_path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert _reason(p) == "empty file"


def test_whitespace_only_file(tmp_path) -> None:
    p = tmp_path / "blank.txt"
    p.write_text(" \n\u3000\n\t\r\n", encoding="utf-8")
    assert _reason(p) == "empty file"


def test_binary_garbage(tmp_path) -> None:
    p = tmp_path / "garbage.txt"
    p.write_bytes(bytes(range(256)) * 16)
    assert _reason(p) == "binary file, not text"


def test_control_characters_without_nul(tmp_path) -> None:
    p = tmp_path / "controls.txt"
    p.write_bytes(bytes(range(1, 32)) * 50 + "通知".encode())
    assert _reason(p) == "binary file, not text"


def test_truncated_pdf(tmp_path) -> None:
    p = make_truncated_pdf(tmp_path / "truncated.pdf", tmp_path)
    assert _reason(p) == "corrupt or truncated PDF (no %%EOF marker at the end)"


def test_corrupt_pdf(tmp_path) -> None:
    p = tmp_path / "corrupt.pdf"
    p.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n")
    assert _reason(p).startswith("corrupt or truncated PDF (")


def test_pdf_suffix_without_pdf_bytes(tmp_path) -> None:
    p = tmp_path / "notice.pdf"
    p.write_text("关于做好城乡居民医保征缴工作的通知", encoding="utf-8")
    assert _reason(p) == "corrupt or truncated PDF (no %PDF header)"


def test_encrypted_pdf(tmp_path) -> None:
    p = make_pdf(tmp_path / "encrypted.pdf", ["关于做好城乡居民医保征缴工作的通知"], encrypt="pw")
    assert _reason(p) == "encrypted PDF (remove the password and try again)"


def test_scanned_pdf(tmp_path) -> None:
    p = make_scanned_pdf(tmp_path / "scanned.pdf")
    assert _reason(p) == "scanned PDF with no text layer: needs OCR"


def test_huge_file_is_refused_without_reading(tmp_path, monkeypatch) -> None:
    p = make_sparse(tmp_path / "huge.txt", 50 * 1024 * 1024)
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: pytest.fail("read a huge file"))
    assert _reason(p) == "file too large (52.4 MB > 20 MB limit)"


def test_file_at_the_limit_is_read(tmp_path) -> None:
    p = tmp_path / "big.txt"
    p.write_text(SEED_TEXT + " " * (20_000_000 - len(SEED_TEXT.encode())), encoding="utf-8")
    assert read_document(p).source.size_bytes == 20_000_000


def test_missing_file(tmp_path) -> None:
    assert _reason(tmp_path / "nope.txt") == "no such file or directory"


# --- the CLI over a mixed folder ---------------------------------------------------------------

@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("mixed")
    d = tmp / "in"
    d.mkdir()
    shutil.copy(SEED, d / "a_utf8.txt")
    (d / "b_gb18030.txt").write_bytes(SEED_TEXT.encode("gb18030"))
    (d / "c_utf16.txt").write_bytes(SEED_TEXT.encode("utf-16"))
    pdf = ROOT / "corpus" / (SEED.stem + ".pdf")
    if not pdf.exists():  # corpus PDFs come from scripts/render_pdfs.py
        pdf = make_pdf(tmp / "seed.pdf", [ln for ln in SEED_TEXT.splitlines() if ln.strip()][:30])
    shutil.copy(pdf, d / "d_notice.pdf")
    shutil.copy(pdf, d / "e_really_a_pdf.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "garbage.txt").write_bytes(os.urandom(3000) + b"\x00")
    make_truncated_pdf(d / "truncated.pdf", tmp)
    make_pdf(d / "encrypted.pdf", ["关于做好城乡居民医保征缴工作的通知"], encrypt="pw")
    make_scanned_pdf(d / "scanned.pdf")
    make_sparse(d / "huge.txt", 50 * 1024 * 1024)
    (d / "fake.docx").write_text("只是一个改了扩展名的文本文件", encoding="utf-8")
    make_locked_xlsx(d / "locked.xlsx")
    (d / "list.html").write_text(LIST_PAGE, encoding="utf-8")
    (d / "404.html").write_text(NOT_FOUND_PAGE, encoding="utf-8")
    (d / "empty.html").write_bytes(b"")
    (d / "readme.md").write_text("not a notice suffix, skipped", encoding="utf-8")
    (d / "scan.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    empty_dir = tmp / "nothing_here"
    empty_dir.mkdir()
    (empty_dir / "notes.md").write_text("x", encoding="utf-8")
    missing = tmp / "missing.txt"
    res = subprocess.run([sys.executable, "-m", "noticeflow", "extract", str(d), str(empty_dir), str(missing)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    records = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    return dict(dir=d, empty_dir=empty_dir, missing=missing, res=res, records=records)


def test_cli_exit_status_is_1(mixed) -> None:
    assert mixed["res"].returncode == 1, mixed["res"].stderr


def test_cli_stderr_has_one_pinned_line_per_bad_input(mixed) -> None:
    d = mixed["dir"]
    no_notice = "no notice text in this web page (a list, index or error page?)"
    expected = [
        f"noticeflow: {d / '404.html'}: {no_notice}",
        f"noticeflow: {d / 'empty.html'}: empty file",
        f"noticeflow: {d / 'empty.txt'}: empty file",
        f"noticeflow: {d / 'encrypted.pdf'}: encrypted PDF (remove the password and try again)",
        f"noticeflow: {d / 'fake.docx'}: not a Word .docx file (not a zip archive: damaged, or another format renamed)",
        f"noticeflow: {d / 'garbage.txt'}: binary file, not text",
        f"noticeflow: {d / 'huge.txt'}: file too large (52.4 MB > 20 MB limit)",
        f"noticeflow: {d / 'list.html'}: {no_notice}",
        f"noticeflow: {d / 'locked.xlsx'}: password-protected Office file (remove the password and try again)",
        f"noticeflow: {d / 'scanned.pdf'}: scanned PDF with no text layer: needs OCR",
        f"noticeflow: {d / 'truncated.pdf'}: corrupt or truncated PDF (no %%EOF marker at the end)",
        f"noticeflow: {mixed['empty_dir']}: directory holds no notice files (.txt .pdf .html .htm .shtml .docx .doc .wps .xlsx .xls)",
        f"noticeflow: {mixed['missing']}: no such file or directory",
        "noticeflow: skipped 3 files of types noticeflow cannot read (.md ×2, .zip); --verbose lists them",
    ]
    assert mixed["res"].stderr.splitlines() == expected


def test_cli_never_prints_a_traceback(mixed) -> None:
    assert "Traceback" not in mixed["res"].stderr
    assert "internal error" not in mixed["res"].stderr


def test_cli_one_record_per_good_input(mixed) -> None:
    names = [pathlib.Path(r["source"]["path"]).name for r in mixed["records"]]
    assert names == ["a_utf8.txt", "b_gb18030.txt", "c_utf16.txt", "d_notice.pdf", "e_really_a_pdf.txt"]


def test_cli_reports_format_and_encoding(mixed) -> None:
    src = {pathlib.Path(r["source"]["path"]).name: r["source"] for r in mixed["records"]}
    assert [src["a_utf8.txt"]["encoding"], src["b_gb18030.txt"]["encoding"], src["c_utf16.txt"]["encoding"]] == \
        ["utf-8", "gb18030", "utf-16"]
    assert src["e_really_a_pdf.txt"]["format"] == "pdf"
    assert src["e_really_a_pdf.txt"]["encoding"] is None
    assert src["e_really_a_pdf.txt"]["pages"] == src["d_notice.pdf"]["pages"] >= 1


def _content(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("source", "doc_id")}


def test_other_encodings_extract_identically(mixed) -> None:
    by_name = {pathlib.Path(r["source"]["path"]).name: r for r in mixed["records"]}
    utf8 = _content(by_name["a_utf8.txt"])
    assert _content(by_name["b_gb18030.txt"]) == utf8
    assert _content(by_name["c_utf16.txt"]) == utf8
    assert len({r["doc_id"] for r in by_name.values()}) == 4  # the two PDF copies share bytes


def test_pdf_saved_as_txt_reads_like_the_pdf(mixed) -> None:
    by_name = {pathlib.Path(r["source"]["path"]).name: r for r in mixed["records"]}
    assert _content(by_name["e_really_a_pdf.txt"]) == _content(by_name["d_notice.pdf"])
