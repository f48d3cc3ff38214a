"""Images and image-only PDF pages read through OCR: the reader contract's shape, and every bad
image one line naming the file."""
from __future__ import annotations

import importlib.util
import io
import pathlib

import numpy as np
import pytest

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.readers import image, ocr, read_document
from test_bad_input import _reason as bad_input_reason

NOTICE = """关于做好2025年度城乡居民基本医疗保险费征缴工作的通知
各乡镇人民政府，县直有关单位：
为做好我县2025年度城乡居民基本医疗保险费征缴工作，现将有关事项通知如下。个人缴费标准为每人每年400元，集中征缴期为2024年9月1日至12月31日，请各乡镇认真组织落实，确保应保尽保。
一、征缴任务
乡镇\t任务数（人）\t完成时限
城关镇\t12500\t12月31日
南关镇\t8340\t12月31日
合计\t20840\t
二、工作要求
各乡镇要加强宣传，压实责任。
"""


def _scans():
    spec = importlib.util.spec_from_file_location("render_scans", ROOT / "scripts" / "render_scans.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> np.ndarray:
    """The notice above as one degraded 200-dpi page image."""
    import random

    txt = tmp_path_factory.mktemp("notice") / "notice.txt"
    txt.write_text(NOTICE, encoding="utf-8")
    mod = _scans()
    [clean] = mod.page_images(txt)
    return mod.degrade(clean, random.Random(1))


def _lines(text: str) -> list[str]:
    return [ln.replace(" ", "") for ln in canonicalize(text).split("\n") if ln.strip()]


def _save(img: np.ndarray, path: pathlib.Path, **kw) -> pathlib.Path:
    from PIL import Image

    Image.fromarray(img).save(path, **kw)
    return path


def test_photo_reads_as_paragraphs_headings_and_tab_rows(page, tmp_path) -> None:
    doc = read_document(_save(page, tmp_path / "notice.png"))
    assert doc.source.format == "image" and doc.source.ocr is True and doc.source.encoding is None
    assert _lines(doc.raw_text) == _lines(NOTICE)
    assert doc.tables == [[r.split("\t") for r in NOTICE.splitlines() if "\t" in r]]


def test_exif_orientation_is_applied(page, tmp_path) -> None:
    """A phone stores the sensor's image and an Orientation tag: 6 means turn it 90° clockwise."""
    from PIL import Image

    im = Image.fromarray(page).rotate(90, expand=True)  # what the sensor recorded
    exif = Image.Exif()
    exif[0x0112] = 6
    p = tmp_path / "phone.jpg"
    im.save(p, "JPEG", quality=92, exif=exif)
    assert _lines(read_document(p).raw_text)[:3] == _lines(NOTICE)[:3]


def test_scanned_pdf_page_is_ocrd_and_text_pages_are_not(page, tmp_path, monkeypatch) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from test_bad_input import _font

    p = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(p), pagesize=(595.27, 841.89))
    c.setFont(_font(), 12)
    c.drawString(72, 760, "附件：征缴工作安排（第一页为文字）")
    c.showPage()
    c.drawImage(ImageReader(Image.fromarray(page)), 0, 0, 595.27, 841.89)
    c.showPage()
    c.save()
    seen = []
    real = ocr.read_image
    monkeypatch.setattr(ocr, "read_image", lambda gray, dpi: seen.append(gray.shape) or real(gray, dpi))
    doc = read_document(p)
    assert len(seen) == 1 and doc.source.pages == 2 and doc.source.ocr is True
    assert _lines(doc.raw_text) == _lines("附件：征缴工作安排（第一页为文字）\n" + NOTICE)


def test_low_confidence_page_is_flagged_info() -> None:
    [flag] = ocr.confidence_flags(2, ocr.Page([], ocr.LOW_CONFIDENCE - 0.2, 10))
    assert (flag.code, flag.severity) == ("low_ocr_confidence", "info") and "第2页" in flag.message
    assert ocr.confidence_flags(2, ocr.Page([], ocr.LOW_CONFIDENCE + 0.01, 10)) == []


# --- bad images ------------------------------------------------------------------------------

def _reason(path: pathlib.Path) -> str:
    reason = bad_input_reason(path)
    assert "\n" not in reason
    return reason


def test_zero_byte_image(tmp_path) -> None:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"")
    assert _reason(p) == "empty file"


def test_image_without_text(tmp_path) -> None:
    assert _reason(_save(np.full((1600, 1200), 250, np.uint8), tmp_path / "blank.png")) == "no text found"


def test_huge_image_is_refused_before_decoding(tmp_path) -> None:
    """20,000 × 20,000 pixels: the header says so; nothing is decoded."""
    from PIL import Image

    p = tmp_path / "huge.png"
    Image.new("1", (20_000, 20_000), 1).save(p)
    assert _reason(p) == "image too large (400 megapixels > 60 megapixel limit)"
    Image.new("1", (20_000, 4_000), 1).save(p)
    assert _reason(p) == "image too large (80 megapixels > 60 megapixel limit)"


def test_very_wide_image_is_scaled_down_not_refused(tmp_path, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(ocr, "read_image", lambda gray, dpi, **kw: seen.append(gray.shape) or ocr.Page([], 0.0, 0))
    _reason(_save(np.full((1000, 20_000), 255, np.uint8), tmp_path / "banner.png"))
    assert seen and all(w <= ocr.MAX_SIDE_PX for _, w in seen)


def test_corrupt_image(tmp_path) -> None:
    p = tmp_path / "broken.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert _reason(p).startswith("corrupt or ")


def test_truncated_image(page, tmp_path) -> None:
    whole = io.BytesIO()
    from PIL import Image

    Image.fromarray(page).save(whole, "PNG")
    p = tmp_path / "cut.png"
    p.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 3])
    assert _reason(p).startswith("corrupt or truncated image (")


def test_image_suffixes_are_discovered(tmp_path) -> None:
    from noticeflow.flows.extract import discover

    for name in ("a.jpg", "b.jpeg", "c.png", "d.tif", "e.tiff", "f.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in discover([tmp_path])] == ["a.jpg", "b.jpeg", "c.png", "d.tif", "e.tiff", "f.txt"]
    assert image.is_image(b"\x89PNG\r\n\x1a\n....") and not image.is_image(b"%PDF-1.7")


def test_scans_and_photos_load_into_the_warehouse(page, tmp_path) -> None:
    """Through the ingest workers' path (readers.isolated child) into DuckDB; a crafted PDF beside
    them is quarantined with its one line."""
    import duckdb

    import pdf_attacks
    from test_review_corrections import ingest

    mod = _scans()
    files = [_save(page, tmp_path / "photo.png"), tmp_path / "scan.pdf", pdf_attacks.reference_loop(tmp_path / "loop.pdf")]
    mod.scan_pdf([page], files[1])
    db = tmp_path / "w.duckdb"
    ingest(db, files)
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("select source_format, ocr from records order by source_format").fetchall()
        fees = con.execute("select amount from fees where kind = 'individual'").fetchall()
        quarantined = con.execute("select path, error from quarantine").fetchall()
    finally:
        con.close()
    assert loaded == [("image", True), ("pdf", True)]
    assert [float(a) for (a,) in fees] == [400.0, 400.0]
    assert quarantined == [(str(files[2].resolve()), "corrupt PDF (reference loop at object 6)")]


# --- layout from boxes (no OCR needed) -------------------------------------------------------

def _box(x0, top, text, h=12.0, w=None):
    return ocr.Box(x0, top, x0 + (w if w is not None else 12.0 * len(text)), top + h, text, 0.99)


def test_boxes_of_one_line_are_merged_left_to_right() -> None:
    boxes = [_box(123, 101.5, "征缴工作"), _box(72, 100, "各乡镇要"), _box(72, 120, "第二行")]
    assert [ln["text"] for ln in ocr._lines(boxes)] == ["各乡镇要 征缴工作", "第二行"]


def test_boxes_far_apart_are_joined_by_as_many_full_width_spaces_as_the_gap_is_wide() -> None:
    """`组　长：才仁多杰　　县人民政府副县长` typed with spaces: the line keeps its gaps, one em
    of blank one full-width space (the extractor reads two or more as a cell break)."""
    em = 12.0
    boxes = [ocr.Box(72, 100, 72 + em, 112, "组", 0.99, em), ocr.Box(72 + 2 * em, 100, 72 + 8 * em, 112, "长：才仁多杰", 0.99, em),
             ocr.Box(72 + 10 * em, 100, 72 + 18 * em, 112, "县人民政府副县长", 0.99, em)]
    # 长：才仁多杰 ends in Han ink; 1 em then 2 em of blank between the boxes
    assert ocr._lines(boxes)[0]["text"] == "组\u3000长：才仁多杰\u3000\u3000县人民政府副县长"
    near = [ocr.Box(72, 100, 72 + 3 * em, 112, "组长：", 0.99, em), ocr.Box(72 + 3.5 * em, 100, 72 + 6.5 * em, 112, "才仁多", 0.99, em)]
    assert ocr._lines(near)[0]["text"] == "组长： 才仁多"


def _typed_line(cells: list[str], gaps: list[int], px: int = 30) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """An ink mask of one line: each Han character a solid square (a glyph's ink fills ~0.92 of
    its em) `px` pixels wide, cells apart by `gaps` ems of typed space. Returns the mask and
    each cell's ink span."""
    ink = np.zeros((40, 40 + px * (sum(len(c) for c in cells) + sum(gaps) + 2)), bool)
    x, spans = 20, []
    for k, cell in enumerate(cells):
        start = x
        for _ in cell:
            ink[6:34, x + 1:x + px - 1] = True
            x += px
        spans.append((start + 1, x - 1))
        x += px * (gaps[k] if k < len(gaps) else 0)
    return ink, spans


def test_a_box_over_a_space_typed_row_is_split_at_its_typed_gaps() -> None:
    """RapidOCR reads `序号　乡（镇）　　户籍人口` as one box with no spaces; the ink shows the gaps."""
    cells = ["序号", "乡镇", "户籍人口", "参保任务"]
    ink, spans = _typed_line(cells, [1, 2, 3])
    box = ocr.Box(10, 0, ink.shape[1] - 10, 40, "".join(cells), 0.99)
    pieces = ocr.split_at_gaps(box, ink, 1.0)
    assert [p.text for p in pieces] == cells
    assert all(abs(p.x0 - a) <= 1 and abs(p.x1 - z) <= 1 for p, (a, z) in zip(pieces, spans))
    assert all(abs(p.em - 30) < 1.5 for p in pieces)
    line = ocr._lines(pieces)[0]
    assert line["text"] == "序号\u3000乡镇\u3000\u3000户籍人口\u3000\u3000\u3000参保任务"


def test_running_text_is_not_split_where_punctuation_leaves_its_blank() -> None:
    """`人民政府，县直` — a comma inks the left quarter of its square: the three quarters after it
    are the comma's, not a typed space; the box is only cut to its ink."""
    px = 30
    text = "人民政府，县直各部门"
    ink = np.zeros((40, 40 + px * len(text)), bool)
    for i, ch in enumerate(text):
        x = 20 + i * px
        if ch == "，":
            ink[26:34, x + 3:x + 8] = True
        else:
            ink[6:34, x + 1:x + px - 1] = True
    pieces = ocr.split_at_gaps(ocr.Box(5, 0, ink.shape[1] - 5, 40, text, 0.99), ink, 1.0)
    assert [p.text for p in pieces] == [text] and pieces[0].x0 == 21


def test_a_piece_spans_its_squares_where_punctuation_starts_or_ends_it() -> None:
    """`《关于…通知》，` : the line starts and ends at the margins like its neighbours, not where its
    ink does (the wrapped-paragraph rule compares line ends with the margins)."""
    px = 30
    text = "《关于通知》，"
    ink = np.zeros((40, 40 + px * len(text)), bool)
    spans = {"《": (16, 29), "》": (1, 15), "，": (3, 8)}
    for i, ch in enumerate(text):
        x = 20 + i * px
        a, z = spans.get(ch, (1, px - 1))
        ink[6:34, x + a:x + z] = True
    [piece] = ocr.split_at_gaps(ocr.Box(5, 0, ink.shape[1] - 5, 40, text, 0.99), ink, 1.0)
    assert abs(piece.x0 - 20) <= 2 and abs(piece.x1 - (20 + px * len(text))) <= 3


def test_unruled_table_typed_with_spaces_comes_back_as_rows_of_cells() -> None:
    """Boxes of a quota table aligned with full-width spaces (no rules), as split_at_gaps leaves
    them: the rows come back tab-separated under the header's columns, a speck read after a
    figure (`24300.`) dropped."""
    from noticeflow.readers.pdf import find_unruled_tables

    em, rows = 12.0, [["序号", "乡镇", "合计"], ["1", "会师镇", "58600"], ["2", "郭城驿镇", "32150"], ["4", "头寨子镇", "24300."]]
    cols = (72, 72 + 4 * em, 72 + 10 * em)
    boxes = [ocr.drop_stray_mark(ocr.Box(x, 100 + 20 * r, x + em * sum(ocr._advance(c) for c in t), 112 + 20 * r, t, 0.99, em))
             for r, row in enumerate(rows) for x, t in zip(cols, row)]
    lines = find_unruled_tables(ocr._lines(boxes))
    assert [ln["text"] for ln in lines] == ["序号\t乡镇\t合计", "1\t会师镇\t58600", "2\t郭城驿镇\t32150", "4\t头寨子镇\t24300"]
    assert ocr.drop_stray_mark(ocr.Box(0, 0, 30, 12, "1.", 0.99)).text == "1."   # an item number stays
    # scan of 104: a stamp's speck after a lone 0, and a dot before a decimal, in tier and quota cells
    assert [ocr.drop_stray_mark(ocr.Box(0, 0, 30, 12, t, 0.99)).text for t in ("0°", ".4.86", ".52", "2.")] == ["0", "4.86", ".52", "2."]
    # scan of 51: the table's corner rule read as 「 before the first header cell; a quotation stays
    assert [ocr.trim_rule_corner(c) for c in ("「序号", "成年居民」", "「低保」", "序号")] == ["序号", "成年居民", "「低保」", "序号"]


def test_ragged_table_typed_with_spaces_keeps_each_cell_in_its_column() -> None:
    """A table typed with two full-width spaces between cells is not aligned: each row's cells
    start where the previous one ended, wide header words stand over narrow figures. A row with
    as many cells as the header is read in order; a row with a blank cell (`合计　　　　207360`,
    the run twice as long) keeps the blank, however the nearest header centre lies."""
    from noticeflow.readers.pdf import find_unruled_tables

    em = 12.0
    rows = [["序号", "乡（镇）", "户籍人口（人）", "参保率目标（%）", "征缴任务（人）"],
            ["1", "繁城镇", "52860", "95%", "50220"],
            ["2", "砂河镇", "41370", "95%", "39300"],
            ["合计", None, "207360", "95%", "198240"]]
    boxes = []
    for r, row in enumerate(rows):
        x = 72.0
        for t in row:
            if t is None:        # a blank cell: two more full-width spaces typed
                x += 2 * em
                continue
            w = em * sum(ocr._advance(c) for c in t)
            boxes.append(ocr.Box(x, 100 + 20 * r, x + w, 112 + 20 * r, t, 0.99, em))
            x += w + 2 * em
    lines = find_unruled_tables(ocr._lines(boxes))
    assert [ln["text"].split("\t") for ln in lines] == [
        ["序号", "乡（镇）", "户籍人口（人）", "参保率目标（%）", "征缴任务（人）"],
        ["1", "繁城镇", "52860", "95%", "50220"],
        ["2", "砂河镇", "41370", "95%", "39300"],
        ["合计", "", "207360", "95%", "198240"]]


def test_a_box_reaching_over_its_left_neighbour_starts_where_it_ends() -> None:
    """The detector's `乡（镇)` box began inside `序号`: trimmed to start at its right edge, so
    the neighbour's ink is not read as a character and a gap; boxes on other lines and boxes
    that merely touch stay as they are."""
    a = ocr.Box(86, 715, 115, 733, "序号", 0.99, 12)
    b = ocr.Box(104, 714, 180, 734, "乡（镇)", 0.99, 12)
    c = ocr.Box(180, 714, 260, 734, "户籍人口", 0.99, 12)
    below = ocr.Box(100, 740, 160, 758, "繁城镇", 0.99, 12)
    out = ocr.trim_overlaps([a, b, c, below])
    assert [(x.text, x.x0) for x in out] == [("序号", 86), ("乡（镇)", 115), ("户籍人口", 180), ("繁城镇", 100)]


def test_a_row_of_figures_read_as_one_box_is_split_at_its_gap() -> None:
    """`18.52　　　　97.3`: half an em a character, so the box's width alone would take the gap for
    type; the box's height bounds the type size."""
    px = 30
    ink = np.zeros((40, 20 * px), bool)
    x = 20
    for k, cell in enumerate(["18.52", "97.3"]):
        for ch in cell:
            if ch == ".":
                ink[28:34, x + 3:x + 9] = True
            else:
                ink[8:34, x + 1:x + px // 2 - 1] = True
            x += px // 2
        x += 4 * px
    box = ocr.Box(10, 0, x - 4 * px + 10, 1.3 * px, "18.5297.3", 0.99)
    assert [p.text for p in ocr.split_at_gaps(box, ink, 1.0)] == ["18.52", "97.3"]


def test_two_columns_are_read_column_by_column() -> None:
    title = [_box(150, 40, "关于做好征缴工作的通知", w=300)]
    left = [_box(40, 80 + 20 * i, f"左栏第{i}行内容较长", w=230) for i in range(10)]
    right = [_box(320, 80 + 20 * i, f"右栏第{i}行内容较长", w=230) for i in range(10)]
    order = [ln["text"] for ln in ocr._columns_then_lines(title + right + left, 595)]
    assert order == ["关于做好征缴工作的通知"] + [b.text for b in left] + [b.text for b in right]


def test_table_columns_without_rules_come_from_box_positions() -> None:
    rows = [("序号", "乡镇", "任务数"), ("1", "城关镇", "12500"), ("2", "南关镇", "8340")]
    boxes = [_box(x, 100 + 20 * r, t) for r, row in enumerate(rows) for x, t in zip((72, 200, 380), row)]
    edges = ocr._cluster_columns(boxes, 1.0, 60, 500)
    assert len(edges) == 4 and edges[0] == 60 and 72 + 48 < edges[1] < 200 and 200 + 36 < edges[2] < 380


def test_a_table_split_by_a_page_break_inside_one_photo_is_one_table() -> None:
    from noticeflow.readers.pdf import merge_continued_tables

    pages = [[("table", 10, [["序号", "乡镇"], ["1", "城关镇"]]), ("table", 90, [["序号", "乡 镇"], ["2", "南关镇"]])]]
    merge_continued_tables(pages)
    assert pages == [[("table", 10, [["序号", "乡镇"], ["1", "城关镇"], ["2", "南关镇"]])]]


def test_folio_in_the_middle_of_a_long_photo_piece_is_dropped() -> None:
    from noticeflow.readers.pdf import drop_page_numbers

    lines = [{"text": "上一页的最后一行。", "top": 300, "bottom": 312}, {"text": "—4—", "top": 400, "bottom": 412}]
    assert drop_page_numbers(lines, 1000) == lines
    assert [ln["text"] for ln in drop_page_numbers(lines, 1000, anywhere=True)] == ["上一页的最后一行。"]


TABLE_PAGE = """附件
某县2026年度城乡居民医保参保任务分解表
序号\t乡（镇）\t户籍人口（人）\t参保任务（人）\t其中：农牧民（人）
1\t东河镇\t12860\t12370\t3120
2\t西岭乡\t3160\t3020\t2810
3\t南山乡\t5470\t5240\t5080
合计\t\t21490\t20630\t11010
"""


def _rotated(img: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    return cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h), borderValue=255)


@pytest.fixture(scope="module")
def table_page(tmp_path_factory) -> np.ndarray:
    """An attachment page holding only a title and a ruled table, turned by 0.7° (a scan fed askew)."""
    txt = tmp_path_factory.mktemp("table") / "table.txt"
    txt.write_text(TABLE_PAGE, encoding="utf-8")
    [clean] = _scans().page_images(txt)
    return _rotated(clean, 0.7)


def test_the_skew_of_a_table_page_is_measured_on_its_rules(table_page) -> None:
    """The detector gives a table's short cell boxes level edges, so the boxes cannot tell the
    skew; the rules can, and without turning the page back they are not found at all."""
    assert ocr.find_ruled_tables(table_page) == []
    skew = ocr._rule_skew(table_page)
    assert skew == pytest.approx(-0.7, abs=0.1)  # the cv2 angle that turns the page back
    [table] = ocr.find_ruled_tables(_rotated(table_page, skew))
    assert len(table.ys) == 6 and len(table.xs) == 6


def test_a_tilted_table_page_reads_as_its_rows(table_page) -> None:
    page = ocr.read_image(table_page, 200)
    [rows] = [b[2] for b in page.blocks if b[0] == "table"]
    assert [[canonicalize(c).strip().replace(" ", "") for c in r] for r in rows] == \
        [canonicalize(r).strip("\n").split("\t") for r in TABLE_PAGE.splitlines() if "\t" in r]


def test_a_row_read_with_its_column_rules_as_bars_is_one_cell_per_bar() -> None:
    """A table printed with bars (`| 4 | 太平镇 | 62791 |`): the blank beside a bar, read as a tab
    too, is the same cell break; a bracket at a cell's edge, or a corner bracket without its
    partner, is a bar read as one; a rule row read with its bars as `1` or `/` is no text (scans of 51)."""
    rows = ["|4\t|太平镇\t|62791\t|17695|45096|", "|5 ]温泉镇|34406|10212|", "「未成年人及在校学生(含大学生)「470|",
            "|合计||371236|", "|「低保」|470|", "-----1", "[--- /---", "一、参保范围"]
    got = [ln["text"] for ln in ocr.split_ruled_rows([{"text": t} for t in rows])]
    assert got == ["4\t太平镇\t62791\t17695\t45096", "5\t温泉镇\t34406\t10212", "未成年人及在校学生(含大学生)\t470",
                   "合计\t\t371236", "「低保」\t470", "一、参保范围"]


def test_a_bar_read_in_a_typed_blank_is_where_the_box_is_cut() -> None:
    """`|4|太平镇|62791|17695|`: figures printed wider than the half em they are counted put the
    shared-out widths a character or two off by the third cell (`|6279` `1|17695`); the bar stands
    in the blank, and so does a bar read as a bracket (`|5]温泉镇|`), which has no blank of its own."""
    px, fig = 30, 23                      # a Han glyph's square; a figure printed 0.77 em wide

    def pieces(text: str) -> list[str]:
        ink = np.zeros((40, 40 + px * 24), bool)
        x = 20
        for ch in text:
            if ch in "|]":
                x += px // 2
                ink[4:36, x:x + 2] = True     # the bar in the middle of a one-em blank
                x += px // 2
            elif ch.isdigit():
                ink[10:34, x + 2:x + fig - 2] = True
                x += fig
            else:
                ink[6:34, x + 1:x + px - 1] = True
                x += px
        return [p.text.strip("|]") for p in ocr.split_at_gaps(ocr.Box(5, 0, x + 5, 40, text, 0.99), ink, 1.0)]

    assert pieces("|4|太平镇|62791|17695|") == ["4", "太平镇", "62791", "17695"]
    assert pieces("|5]温泉镇|34406|10212|") == ["5", "温泉镇", "34406", "10212"]


def test_a_colon_read_in_a_typed_blank_or_after_a_mark_is_dropped() -> None:
    """Two offices typed apart (`医疗保障局　　国家税务总局`): the recogniser reads the blank as a
    colon; one beside Han ink is none, a colon's own dots (`组长：　王磊`) stay. A colon read after
    a comma, a pause mark or a 文号's closing bracket is none either (scans of 51, 171 and 174)."""
    px = 30

    def line(glyphs: str, text: str) -> list[str]:
        ink = np.zeros((40, 40 + px * (len(glyphs) + 1)), bool)
        for i, ch in enumerate(glyphs):
            x = 20 + i * px
            if ch == "：":
                ink[12:16, x + 5:x + 9] = ink[26:30, x + 5:x + 9] = True
            elif ch != "_":
                ink[6:34, x + 1:x + px - 1] = True
        return [p.text for p in ocr.split_at_gaps(ocr.Box(5, 0, ink.shape[1] - 5, 40, text, 0.99), ink, 1.0)]

    assert line("保障局__国家税务总局", "保障局：国家税务总局") == ["保障局", "国家税务总局"]
    assert line("组长：__王磊", "组长：王磊") == ["组长：", "王磊"]
    assert [ocr.read_marks(ocr.Box(0, 0, 90, 12, t, 0.99)).text for t in ("95%，：12月", "黄志明、：县税务局", "组长：王磊", "（黑医保发〔2025]：28号）", "（见附件）：")] == \
        ["95%，12月", "黄志明、县税务局", "组长：王磊", "（黑医保发〔2025]28号）", "（见附件）："]


def test_full_width_figures_read_with_a_point_between_them_lose_it() -> None:
    """`每年４００元` typed full-width: each figure a narrow glyph in its own square, the blank
    between two read as a decimal point (`40.0元`, scan of 178). Half-width `83.2`, figures nearly
    touching and a dot on the baseline, keeps its point."""
    px = 30

    def ink_of(parts: list[tuple[str, int]]) -> np.ndarray:
        ink = np.zeros((40, 40 + px * 12), bool)
        x = 20
        for kind, w in parts:
            if kind == "han":
                ink[6:34, x + 1:x + w - 1] = True
            elif kind == "fig":
                ink[10:34, x + (w - 17) // 2:x + (w - 17) // 2 + 17] = True
            elif kind == "dot":
                ink[30:34, x + 2:x + 6] = True
            x += w
        return ink

    wide = ink_of([("han", px), ("han", px), ("fig", px), ("fig", px), ("fig", px), ("han", px)])
    box = ocr.Box(19, 0, 20 + 6 * px, 40, "每年40.0元", 0.99, 30)
    assert ocr.drop_false_points(box, wide, 1.0).text == "每年400元"
    half = ink_of([("han", px), ("han", px), ("fig", 15), ("fig", 15), ("dot", 8), ("fig", 15), ("han", px)])
    box = ocr.Box(19, 0, 20 + 3 * px + 53, 40, "每年83.2元", 0.99, 30)
    assert ocr.drop_false_points(box, half, 1.0).text == "每年83.2元"


def test_the_middle_dot_of_a_name_read_as_a_stop_or_a_comma_is_a_dot_again() -> None:
    """`吉克·曲布` printed full-width is read `吉克．曲布` (a full stop no Chinese sentence puts between
    two Han characters) or `吉克，曲布`: the ink shows a dot halfway up, alone in its square, where a
    comma sits on the baseline (scan of 165); where nothing was read for it, it is put back."""
    assert ocr.read_marks(ocr.Box(0, 0, 90, 12, "局长沙马．阿果任", 0.99)).text == "局长沙马·阿果任"
    assert ocr.read_marks(ocr.Box(0, 0, 90, 12, "第1．2条", 0.99)).text == "第1．2条"
    px = 30

    def ink_of(text: str, mark_rows: tuple[int, int]) -> np.ndarray:
        ink = np.zeros((40, 40 + px * len(text)), bool)
        for i, ch in enumerate(text):
            x = 20 + i * px
            if ch in "，·":
                ink[mark_rows[0]:mark_rows[1], x + 12:x + 17] = True
            else:
                ink[6:34, x + 1:x + px - 1] = True
        return ink

    text = "副县长吉克，曲布、县"
    box = ocr.Box(19, 0, 20 + px * len(text), 40, text, 0.99)
    assert ocr.comma_as_middle_dot(box, ink_of(text, (18, 23)), 1.0).text == "副县长吉克·曲布、县"   # the dot halfway up
    assert ocr.comma_as_middle_dot(box, ink_of(text, (28, 34)), 1.0).text == text                # a comma on the baseline
    # a comma with a speck of dust halfway up beside it, a dot read as one further on (scan of 113)
    text = "保障局，由买买提江·阿不"
    ink = ink_of(text, (18, 23))
    ink[:, 20 + 3 * px:20 + 4 * px] = False
    ink[28:34, 20 + 3 * px + 3:20 + 3 * px + 8] = True       # the comma
    ink[17:19, 20 + 3 * px + 20:20 + 3 * px + 24] = True     # the speck
    box = ocr.Box(19, 0, 20 + px * len(text), 40, text, 0.99)
    assert ocr.comma_as_middle_dot(box, ink, 1.0).text == text
    # the dot printed, nothing read for it (`艾尔肯吐尔逊`, scan of 113): put back
    ink = ink_of("县长艾尔肯·吐尔逊", (18, 23))
    box = ocr.Box(19, 0, 20 + px * 9, 40, "县长艾尔肯吐尔逊", 0.99)
    assert ocr.comma_as_middle_dot(box, ink, 1.0).text == "县长艾尔肯·吐尔逊"


def test_a_prose_line_in_a_short_box_is_not_cut_beside_its_commas() -> None:
    """A detector box a little short for its line (`融媒体中心主任宋文辉为成员。指挥部下设办公室，…`,
    photo of 171): the type size comes from the ink's width, not the box's height, which only bounds
    a row of figures; and a blank beside a comma, placed a boundary off, is still the comma's."""
    px = 30
    text = "融媒体中心主任宋文辉为成员。指挥部下设办公室，办公室设在县医保局，李国平同志兼任"
    ink = np.zeros((40, 40 + px * len(text)), bool)
    for i, ch in enumerate(text):
        x = 20 + i * px
        if ch in "，。":
            ink[26:34, x + 3:x + 8] = True      # a comma inks a sixth of its square
        else:
            ink[6:34, x + 1:x + px - 1] = True
    box = ocr.Box(5, 5, ink.shape[1] - 5, 35, text, 0.99)     # 30 px high: 1.0 em, not 1.3
    assert [p.text for p in ocr.split_at_gaps(box, ink, 1.0)] == [text]
