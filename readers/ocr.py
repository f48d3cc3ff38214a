"""Scanned pages and photos -> the same page blocks the PDF text reader builds.

RapidOCR (PP-OCRv4 Chinese models shipped in its wheel, so it works offline) finds text boxes
and reads them. What RapidOCR does not do is put boxes back into a document: reading order,
lines, paragraphs and tables are written here, because they are specific to how a county notice
is laid out (one column of indented paragraphs, ruled quota tables, a folio at the foot). Each
box becomes a "line" dict shaped like pdfplumber's (points, with one pseudo character per glyph)
so the PDF reader's paragraph joining, unruled-table and folio rules apply unchanged.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from statistics import median

import numpy as np

from noticeflow.readers.pdf import drop_page_numbers, find_unruled_tables

# Measured with scripts/bench_ocr.py (README, Formats / OCR): 200 dpi pages, detection on the
# page scaled to 1280 px on its long side, recognition on crops of the full-resolution page.
DPI = 200
DET_SIDE = 1280
TEXT_SCORE = 0.5                # boxes RapidOCR itself would drop
LOW_CONFIDENCE = 0.95           # a page whose mean recognition score is below: flag it (README, bench_ocr --confidence)
THREADS = int(os.environ.get("NOTICEFLOW_OCR_THREADS", "1"))  # one worker process per core

_engine = None
_STRAY_MARK = re.compile(r"(?<=\d)[.。,，:：、°]$|^[.。,，·'](?=\d+\.\d+$)")  # a speck beside a cell's figure: `761.` `6:` `0°` `.4.86`
# A table row OCR read as one box reads its column rules as bars (`[1 |紫城镇 |118436]`), and an
# underline as a run of dashes (`[---—-----`): the bars are cell breaks, the dashes no text.
_RULE_BAR = re.compile(r"[|丨｜]")
_RULE_CELL_EDGE = " \t[]【】"
# ...and a rule row read as dashes with its bars read as `1`, `/`, `l` or brackets (`-----1`, `[--- /---`):
# three dashes at least, nothing but bar-like marks beside them.
_RULE_ONLY = re.compile(r"^(?=(?:[^-—–_=]*[-—–_=]){3})[\s\[\]【】|丨｜_=—–/1lI-]{4,}$")
# In a row of bars, a bracket at a cell's edge (beside a blank or a bar: `|5 ]温泉镇|`) is a bar read as
# one, and so is a corner bracket without its partner in the row (`「未成年人…「470|`).
_BAR_BRACKET = re.compile(r"(?:^|(?<=[\s|丨｜]))[\[\]【】]|[\[\]【】](?=[\s|丨｜]|$)")
# A bar and the blanks beside it are one cell break: the blank may also have been read as a tab.
_BAR_BREAK = re.compile(r"[ \t\u3000]*[|丨｜][ \t\u3000]*|\t")


# A table's corner rule read as a corner bracket glued to the first or last cell (`「序号`): one
# without its partner in the cell is no quotation.
_CORNER_OPEN, _CORNER_CLOSE = "「『", "」』"


def trim_rule_corner(cell: str) -> str:
    if cell[:1] in _CORNER_OPEN and not any(c in cell for c in _CORNER_CLOSE):
        cell = cell[1:]
    if cell[-1:] in _CORNER_CLOSE and not any(c in cell for c in _CORNER_OPEN):
        cell = cell[:-1]
    return cell


def trim_row_corners(lines: list[dict]) -> list[dict]:
    """Tab rows (an unruled table's) lose the corner brackets their rules were read as."""
    return [dict(ln, text="\t".join(map(trim_rule_corner, ln["text"].split("\t")))) if "\t" in ln["text"] else ln
            for ln in lines]


def split_ruled_rows(lines: list[dict]) -> list[dict]:
    """Lines holding two or more OCR'd column rules become tab rows; rule-only lines go."""
    out = []
    for ln in lines:
        text = ln["text"]
        if _RULE_ONLY.match(text):
            continue
        if _RULE_BAR.search(text):
            text = _BAR_BRACKET.sub("|", text)
            for op, cl in ("「」", "『』"):
                if (op in text) != (cl in text):
                    text = text.replace(op, "|").replace(cl, "|")
        if len(_RULE_BAR.findall(text)) >= 2:
            cells = [c.strip(_RULE_CELL_EDGE) for c in _BAR_BREAK.split(text)]
            while cells and not cells[0]:
                cells.pop(0)
            while cells and not cells[-1]:
                cells.pop()
            ln = dict(ln, text="\t".join(cells))
        out.append(ln)
    return out



# A figure with a speck read after it (`24300.`, `2.17.`; `0°`, where a lone digit and a dot
# would be an item number `1.`), or before a decimal that has its own point (`.4.86`).
_FIGURE_AND_SPECK = re.compile(r"^(?:\d[\d.,]*\d[.。,，:：、°]|\d°)$")
_SPECK_AND_DECIMAL = re.compile(r"^[.。,，·'](?=\d+\.\d+$)")


def drop_stray_mark(b: Box) -> Box:
    """A box (or piece) that is a figure and a speck read beside it (a cell of an unruled table)
    loses the speck; done on boxes, as the line and table rules rebuild the text of a table broken
    by a page from its glyphs."""
    if _FIGURE_AND_SPECK.match(b.text):
        return replace(b, text=b.text[:-1])
    if _SPECK_AND_DECIMAL.match(b.text):
        return replace(b, text=b.text[1:])
    return b



# Figures typed full-width (`４００元`) stand an em apart, each narrow glyph centred in its square,
# and the recogniser reads the blank between two of them as a decimal point (`40.0元`, `4.00元`).
# Half-width figures (`83.2`) touch or nearly: a row of narrow ink runs with wide blanks between,
# as many as the figures read, where the figures stand in the box, shows the points are none.
_POINT_IN_FIGURES = re.compile(r"\d+(?:\.\d+)+")


def drop_false_points(b: Box, ink: np.ndarray, scale: float) -> Box:
    """`b` without the decimal points its ink shows are blanks between full-width figures."""
    if "." not in b.text:
        return b
    found = [m for m in _POINT_IN_FIGURES.finditer(b.text)]
    if not found:
        return b
    em = (b.em or b.height / _BOX_EM) / scale
    c0, c1 = max(0, int(b.x0 / scale)), min(ink.shape[1], int(math.ceil(b.x1 / scale)) + 1)
    pad = 0.1 * b.height / scale
    r0, r1 = max(0, int(b.top / scale + pad)), min(ink.shape[0], int(math.ceil(b.bottom / scale - pad)) + 1)
    cols = ink[r0:r1, c0:c1].sum(axis=0) >= 2
    on = np.flatnonzero(cols)
    if len(on) < 2:
        return b
    runs = [(s, e) for s, e in _ink_runs(cols) if e - s >= 0.1 * em]   # not a speck's column or two
    adv = np.cumsum([0.0] + [_advance(ch) for ch in b.text])
    scale_x = (on[-1] + 1 - on[0]) / max(adv[-1], 1)       # pixels per printed em, as read
    text = b.text
    for m in reversed(found):
        digits = sum(ch.isdigit() for ch in m.group())
        at = on[0] + adv[m.start()] * scale_x
        if _spaced_figures(runs, digits, em, at, 3 * em):
            text = text[:m.start()] + m.group().replace(".", "") + text[m.end():]
    return replace(b, text=text) if text != b.text else b


def _ink_runs(cols: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of the runs of ink columns."""
    idx = np.flatnonzero(cols)
    if not len(idx):
        return []
    cuts = np.flatnonzero(np.diff(idx) > 1)
    starts = [int(idx[0])] + [int(idx[k + 1]) for k in cuts]
    ends = [int(idx[k]) + 1 for k in cuts] + [int(idx[-1]) + 1]
    return list(zip(starts, ends))


def _spaced_figures(runs: list[tuple[int, int]], n: int, em: float, at: float, reach: float) -> bool:
    """Are there n narrow ink runs in a row, blanks of a quarter em or more between them (full-width
    figures), starting within `reach` pixels of `at`?"""
    def narrow(r):
        return 0.3 * em <= r[1] - r[0] <= 0.7 * em

    for k in range(len(runs) - n + 1):
        row = runs[k:k + n]
        if abs(row[0][0] - at) > reach or not all(map(narrow, row)):
            continue
        if all(0.22 * em <= b[0] - a[1] <= 0.6 * em for a, b in zip(row, row[1:])):
            return True
    return False


# The middle dot of a transliterated name (吉克·曲布, 阿不都热合曼·买买提) printed full-width is read as a
# full-width full stop (`吉克．曲布`), which a Chinese sentence never puts between two Han characters.
_DOT_READ_AS_STOP = re.compile(r"(?<=[\u3400-\u9fff])．(?=[\u3400-\u9fff])")


# A colon read in the blank a comma, a pause mark or a 文号's closing bracket leaves (`95%，：12月`,
# `黄志明、：县税务局`, `〔2025]：28号`): no notice writes the one mark after the other. Dropped from
# the box before its gaps are measured, as the widths shared out would count it an em.
_COLON_AFTER_MARK = re.compile(r"(?<=[，,、。；;])[:：]|(?<=[〕\]])[:：](?=\d)")


def read_marks(b: Box) -> Box:
    """A box's text with the middle dot read as a stop, and colons read in a mark's blank, mended."""
    text = _DOT_READ_AS_STOP.sub("·", b.text) if "．" in b.text else b.text
    if ":" in text or "：" in text:
        text = _COLON_AFTER_MARK.sub("", text)
    return replace(b, text=text) if text != b.text else b


# ...or as a comma (`吉克，曲布`): the ink tells them apart, a comma sits on the baseline, the dot
# halfway up, alone in its square.
_COMMA_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])[，,](?=[\u3400-\u9fff])")
_HAN_PAIR = re.compile(r"[\u3400-\u9fff]{2}")
_DOT_REACH = 1.0                # ems between a dot the ink shows and the comma read for it


def comma_as_middle_dot(b: Box, ink: np.ndarray, scale: float) -> Box:
    """`b` with a comma between Han characters read for a middle dot the ink shows made `·`: a
    small mark halfway up, blank columns on both sides; a dot read as `·` already is its own."""
    cands = [m.start() for m in _COMMA_BETWEEN_HAN.finditer(b.text)] if ("，" in b.text or "," in b.text) else []
    if not _HAN_PAIR.search(b.text):
        return b
    pad = 0.1 * b.height / scale               # the box's margins, where the next line's strokes reach
    r0, r1 = max(0, int(b.top / scale + pad)), min(ink.shape[0], int(math.ceil(b.bottom / scale - pad)) + 1)
    c0, c1 = max(0, int(b.x0 / scale)), min(ink.shape[1], int(math.ceil(b.x1 / scale)) + 1)
    crop = ink[r0:r1, c0:c1]
    inked_rows = np.flatnonzero(crop.sum(axis=1) >= 2)
    if crop.size == 0 or len(inked_rows) < 2:
        return b
    top, height = int(inked_rows[0]), int(inked_rows[-1] - inked_rows[0] + 1)   # the glyphs' band
    em = b.height / scale / _BOX_EM
    runs = [r for r in _ink_runs(crop.any(axis=0)) if r[1] - r[0] >= 0.1 * em]   # not a speck
    if len(runs) < 3:
        return b
    dots = []
    for k in range(1, len(runs) - 1):
        (_, e0), (s, e), (s2, _) = runs[k - 1], runs[k], runs[k + 1]
        if e - s > 0.2 * em or s - e0 < 0.1 * em or s2 - e < 0.1 * em:
            continue
        ys = np.flatnonzero(crop[:, s:e].any(axis=1))
        h, cy = ys[-1] - ys[0] + 1, (ys[0] + ys[-1]) / 2 - top
        filled = crop[ys[0]:ys[-1] + 1, s:e].mean() >= 0.5              # a round dot, not specks of dust
        if 0.1 * em <= h <= 0.2 * em and 0.38 * height <= cy <= 0.62 * height and filled:
            dots.append((s + e) / 2)
    if not dots:
        return b
    adv = np.cumsum([0.0] + [_advance(ch) for ch in b.text])
    left, right = runs[0][0], runs[-1][1]
    per_em = (right - left) / max(adv[-1], 1)
    text = list(b.text)
    marks = cands + [i for i, ch in enumerate(b.text) if ch in "·・"]   # a dot read as one is its own
    dropped = []
    for d in dots:
        at = (d - left) / per_em
        i = min(marks, key=lambda i: abs(adv[i] + 0.5 - at)) if marks else None
        if i is not None and abs(adv[i] + 0.5 - at) <= _DOT_REACH:
            if i in cands:
                text[i] = "·"
            continue
        # no mark read for it: the recogniser left the dot out (`艾尔肯吐尔逊`), between two Han characters
        near = [j for j in range(1, len(b.text)) if _HAN_PAIR.fullmatch(b.text, j - 1, j + 1) and abs(adv[j] - at) <= _PLACE_ERROR]
        if near:
            dropped.append(min(near, key=lambda j: abs(adv[j] - at)))
    for j in sorted(set(dropped), reverse=True):
        text.insert(j, "·")
    return replace(b, text="".join(text)) if text != list(b.text) else b


@dataclass(frozen=True)
class Box:
    """One recognised text box, axis-aligned after deskewing, in points."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float
    em: float = 0.0             # the type size in points, as the ink shows it (0: unknown)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Page:
    """One OCR'd page: blocks as `readers.pdf.read_page` returns them, and its mean score."""

    blocks: list[tuple]
    score: float
    boxes: int


def engine():
    """The RapidOCR engine of this process, built on first use (model load ~0.5 s)."""
    global _engine
    if _engine is None:
        import logging

        from rapidocr_onnxruntime import RapidOCR

        for name in ("RapidOCR", "OrtInferSession"):  # each has its own stderr handler at DEBUG
            logging.getLogger(name).setLevel(logging.ERROR)
        _engine = RapidOCR(intra_op_num_threads=THREADS, inter_op_num_threads=1, text_score=TEXT_SCORE)
    return _engine


def read_image(gray: np.ndarray, dpi: float, cut: bool = False) -> Page:
    """A page image (8-bit grayscale, `dpi` pixels per inch) -> its blocks in reading order;
    `cut`: a piece of a long image, whose folios may sit anywhere in it."""
    import cv2

    scale = 72.0 / dpi
    boxes, angle = recognise(gray)
    h, w = gray.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    boxes = [_deskew(b, rot, scale) for b in boxes]
    boxes = [read_marks(b) for b in boxes if b.text.strip()]
    upright = cv2.warpAffine(gray, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255) if abs(angle) > 0.05 else gray
    ink = _ink(upright)
    boxes = [comma_as_middle_dot(b, ink, scale) for b in boxes]
    boxes = [drop_false_points(drop_stray_mark(piece), ink, scale) for b in trim_overlaps(boxes) for piece in split_at_gaps(b, ink, scale)]
    tables = find_ruled_tables(upright)
    blocks: list[tuple] = []
    rest = boxes
    for table in tables:
        inside = [b for b in rest if table.contains(b, scale)]
        if not inside:
            continue
        rest = [b for b in rest if b not in inside]
        rows = table.rows(inside, scale)
        if rows:
            blocks.append(("table", table.top * scale, rows))
    lines = _columns_then_lines(rest, w * scale)
    lines = trim_row_corners(split_ruled_rows(find_unruled_tables(drop_page_numbers(lines, h * scale, anywhere=cut))))
    blocks += [("line", ln["top"], ln) for ln in lines]
    blocks.sort(key=lambda b: b[1])
    score = sum(b.score * len(b.text) for b in boxes) / max(1, sum(len(b.text) for b in boxes))
    return Page(blocks, score if boxes else 0.0, len(boxes))


def recognise(gray: np.ndarray) -> tuple[list[tuple[np.ndarray, str, float]], float]:
    """Detect on a reduced copy (detection needs ~20 px text, not 33), read crops of the full
    page (recognition rescales every crop to 48 px high anyway). Returns (quad, text, score)
    boxes in pixels of `gray` and the page's skew in degrees."""
    import cv2

    eng = engine()
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    h, w = gray.shape[:2]
    f = min(1.0, DET_SIDE / max(h, w))
    small = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else bgr
    quads, _ = eng.text_det(small)
    if quads is None or len(quads) == 0:
        return [], 0.0
    quads = [np.asarray(q, dtype=np.float32) / f for q in eng.sorted_boxes(quads)]
    crops = eng.get_crop_img_list(bgr, quads)
    results, _ = eng.text_rec(crops)
    out = [(q, r[0], float(r[1])) for q, r in zip(quads, results) if float(r[1]) >= TEXT_SCORE]
    skew = _skew([q for q, _, _ in out])
    return out, skew if skew is not None else _rule_skew(gray)


def trim_overlaps(boxes: list[Box]) -> list[Box]:
    """A detector box that reaches back over its left neighbour on the same line (`乡（镇)`
    starting inside `序号`) starts where the neighbour ends: the ink it took from it would read
    as a character and a typed gap (`乡　（镇)`), and the line rule would no longer take the
    neighbour into the line."""
    out = []
    for b in boxes:
        for a in boxes:
            if a is b or not (a.x0 < b.x0 < a.x1 < b.x1):
                continue
            shared = min(a.bottom, b.bottom) - max(a.top, b.top)
            if shared > 0.5 * min(a.height, b.height) and a.x1 - b.x0 < 0.5 * (b.x1 - b.x0):
                b = replace(b, x0=a.x1)
        out.append(b)
    return out


def _skew(quads: list[np.ndarray]) -> float | None:
    """The page's rotation in degrees (cv2 sign), from the top edges of long text boxes; None
    when the page has too few (a table's page: the detector gives short boxes level edges)."""
    angles = []
    for q in quads:
        dx, dy = q[1][0] - q[0][0], q[1][1] - q[0][1]
        if dx > 8 * abs(q[3][1] - q[0][1]) and dx > 0:
            angles.append(math.degrees(math.atan2(dy, dx)))
    return median(angles) if len(angles) >= 3 else None


def _rule_skew(gray: np.ndarray) -> float:
    """The page's rotation from its long horizontal rules (a table's), 0.0 without any: each
    rule's ink, found by a short opening that a tilt of a degree or two keeps, fitted by a line.
    A tilted table left as it is loses its rules to find_ruled_tables' long opening, and with
    them its cells."""
    import cv2

    h, w = gray.shape[:2]
    ink = (gray < 160).astype(np.uint8)
    k = max(20, w // 40)
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    joined = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 5)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    angles = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < w / 4 or bh > 0.06 * bw:  # a rule, not a block of text
            continue
        ys, xs = np.nonzero(horiz[y:y + bh, x:x + bw] * (labels[y:y + bh, x:x + bw] == i))
        if len(xs) >= bw / 2:
            angles.append(math.degrees(math.atan(np.polyfit(xs, ys, 1)[0])))
    return median(angles) if angles else 0.0


def _deskew(box: tuple, rot: np.ndarray, scale: float) -> Box:
    quad, text, score = box
    pts = np.hstack([quad, np.ones((4, 1), np.float32)]) @ rot.T
    xs, ys = pts[:, 0] * scale, pts[:, 1] * scale
    return Box(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()), text, score)


# --- gaps the page shows --------------------------------------------------------------------
# RapidOCR's detector pads each box by ~0.3 character on both sides and reads a line typed with
# spaces (`组　长：才仁多杰　　县人民政府副县长`, a quota table aligned with full-width spaces)
# as one box with the spaces left out. The ink shows where they were: boxes are cut to their ink
# and split at blank stretches a typed space leaves, so the gaps rules (find_unruled_tables, the
# extractor's runs of spaces) see them as the printed page has them.

_INK = 200                      # darker is ink: grain (σ 8 on white) never reaches it; a serif face's thin, blurred strokes do
_BOX_EM = 1.3                   # a box's height over its type size (measured on 12 pt body text: 1.23-1.45)
_TYPED_GAP = 0.75               # ems of blank, punctuation's own blank aside, that only a typed space leaves
_PLACE_ERROR = 0.6              # ems a blank may be placed off its boundary by the widths shared out
# Full-width punctuation inks part of its square: ems left blank on its (left, right) beyond a
# Han glyph's own 0.04, measured on Noto Serif CJK SC (GB layout puts the marks where SimSun does).
_PUNCT_BLANK = {
    "，": (0.0, 0.73), "。": (0.0, 0.63), "、": (0.0, 0.67), "：": (0.13, 0.66), "；": (0.09, 0.66),
    "！": (0.15, 0.65), "？": (0.0, 0.5), "）": (0.0, 0.61), "】": (0.0, 0.58), "」": (0.0, 0.61),
    "』": (0.0, 0.56), "》": (0.0, 0.48), "〉": (0.0, 0.49), "”": (0.04, 0.53), "’": (0.05, 0.72),
    "（": (0.61, 0.0), "【": (0.58, 0.0), "「": (0.61, 0.0), "『": (0.56, 0.0), "《": (0.48, 0.0),
    "〈": (0.49, 0.0), "“": (0.53, 0.0), "‘": (0.72, 0.0),
    "〔": (0.67, 0.0), "〕": (0.0, 0.67), "［": (0.67, 0.0), "］": (0.0, 0.67),
    "·": (0.37, 0.37), "・": (0.37, 0.37),       # the middle dot of 阿依古丽·托合提, printed full-width
}
# OCR reads the full-width brackets of a notice (〔2024〕, （一）) as ASCII ones more often than not;
# taken at half width, every character after one would be placed half an em off.
_READ_AS = {"(": "（", ")": "）", "[": "〔", "]": "〕"}


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink pixels of a page, a lone dark pixel (a speck of dust) left out: no stroke is one pixel."""
    import cv2

    dark = (gray < _INK).astype(np.uint8)
    return (dark > 0) & (cv2.boxFilter(dark, -1, (3, 3), normalize=False) >= 2)


def _advance(ch: str) -> float:
    """A character's width in ems as printed: CJK and full-width 1, ASCII half (STSong-Light's)."""
    ch = _READ_AS.get(ch, ch)
    return 1.0 if ord(ch) > 0x2E7F else 0.5


def _right_blank(ch: str) -> float:
    return _PUNCT_BLANK.get(_READ_AS.get(ch, ch), (0.0, 0.0))[1]


def _left_blank(ch: str) -> float:
    return _PUNCT_BLANK.get(_READ_AS.get(ch, ch), (0.0, 0.0))[0]


def _own_blank(before: str, after: str) -> float:
    """Ems of blank two neighbouring characters leave between their ink with no space typed."""
    return _right_blank(before) + _left_blank(after)


def _blank_runs(cols: np.ndarray, sliver: int = 0) -> list[tuple[int, int]]:
    """(start, end) of the runs of False in a boolean column profile, inside its first and last
    True; runs apart by `sliver` columns of ink or fewer are one (no glyph is that thin: two specks
    or the tip of a stroke of the next line)."""
    idx = np.flatnonzero(cols)
    if len(idx) < 2:
        return []
    steps = np.flatnonzero(np.diff(idx) > 1)
    runs = [[int(idx[k]) + 1, int(idx[k + 1])] for k in steps]
    merged: list[list[int]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] <= sliver:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [(a, z) for a, z in merged]


def split_at_gaps(b: Box, ink: np.ndarray, scale: float) -> list[Box]:
    """A box cut to its ink and split where a typed space left a blank of _TYPED_GAP ems or more;
    the characters are shared out by their printed widths (the text has no spaces to go by)."""
    text = re.sub(r"\s+", "", b.text)
    c0, c1 = max(0, int(b.x0 / scale)), min(ink.shape[1], int(math.ceil(b.x1 / scale)) + 1)
    pad = 0.1 * b.height / scale               # the box's margins, where the next line's strokes reach
    r0, r1 = max(0, int(b.top / scale + pad)), min(ink.shape[0], int(math.ceil(b.bottom / scale - pad)) + 1)
    cols = ink[r0:r1, c0:c1].sum(axis=0) >= 2   # a lone speck pixel is not ink
    on = np.flatnonzero(cols)
    if not text or len(on) < 2:
        return [b]
    left, right = int(on[0]), int(on[-1]) + 1
    adv = np.cumsum([0.0] + [_advance(ch) for ch in text])
    inked = adv[-1] - _left_blank(text[0]) - _right_blank(text[-1])   # ems the ink spans, untyped
    if inked < 1:
        em, kept = b.height / scale / _BOX_EM, []
    else:
        # the type size from the ink's width: too large by the typed spaces at first, so the
        # spaces found with it are few and sure; measured again without them
        # capped by the box's height (a row of figures is half an em a character: `18.52　　97.3`
        # read as one box would make the gap look like type), for a box mostly of half-width
        # characters only: the detector's box of a prose line may be short for its type, and an em
        # too small there puts every blank a character or two off by the line's end
        em = (right - left) / inked
        if sum(_advance(ch) < 1 for ch in text) * 2 > len(text):
            em = min(em, 1.15 * b.height / scale / _BOX_EM)
        runs = [(s, e) for s, e in _blank_runs(cols, sliver=round(0.08 * em)) if e - s >= 0.5 * em]
        first, kept = em, _typed_gaps(text, adv, runs, left, em)
        for _ in range(3):  # until the spaces found stay the same (twice is the rule)
            typed = sum(e - s for _, s, e in kept)
            own = sum(_own_blank(text[i - 1], text[i]) for i, _, _ in kept)
            em = max(0.7 * first, (right - left - typed) / max(inked - own, 1))
            again = _typed_gaps(text, adv, runs, left, em)
            if again == kept:
                break
            kept = again
    # each piece spans its characters' squares, not their ink: a line that starts with `《` or
    # ends with `，` starts and ends where its neighbours do (the wrapped-paragraph rule reads
    # the margins), and the gap between two pieces is what was typed
    if not kept:
        return [_squares(b, b.text, c0 + left, c0 + right, em, scale)]
    starts = [0] + [i for i, _, _ in kept] + [len(text)]
    edges = [left] + [x for _, s, e in kept for x in (s, e)] + [right]
    pieces = []
    for k, (a, z) in enumerate(zip(starts, starts[1:])):
        t, x0, x1 = text[a:z], edges[2 * k], edges[2 * k + 1]
        # the recogniser reads a wide blank as a colon (`保障局：国家税务总局` for two offices
        # typed apart): a colon beside a typed gap whose ink there is a wide glyph is none
        if k + 1 < len(starts) - 1 and t[-1:] in _COLONS and len(t) > 1 and _ink_run(cols, x1 - 1, -1) > _COLON_INK * em:
            t = t[:-1]
        if k > 0 and t[:1] in _COLONS and len(t) > 1 and _ink_run(cols, x0, 1) > _COLON_INK * em:
            t = t[1:]
        pieces.append(_squares(b, t, c0 + x0, c0 + x1, em, scale))
    return pieces


_COLONS = ":："
_COLON_INK = 0.45               # ems: a colon's two dots are ~0.15 wide, a Han glyph 0.8 or more


def _ink_run(cols: np.ndarray, x: int, step: int) -> int:
    """Columns of ink from x on in the direction `step`, up to the first blank column."""
    n = 0
    while 0 <= x < len(cols) and cols[x]:
        n, x = n + 1, x + step
    return n


def _squares(b: Box, text: str, ink0: int, ink1: int, em: float, scale: float) -> Box:
    """A piece of `b` holding `text`, whose ink spans pixels ink0..ink1, widened to the squares
    of its first and last characters."""
    t = text.strip()
    x0 = ink0 - _left_blank(t[:1]) * em
    x1 = ink1 + _right_blank(t[-1:]) * em
    return Box(x0 * scale, b.top, x1 * scale, b.bottom, text, b.score, em * scale)


def _typed_gaps(text: str, adv: np.ndarray, runs: list[tuple[int, int]], left: int, em: float) -> list[tuple[int, int, int]]:
    """(character index, blank start, blank end) of the blanks a typed space left. A blank starts
    where a glyph's ink ends: at a character boundary, less the blank a punctuation mark leaves
    on its right; counting from the last space found keeps the error within a character."""
    kept: list[tuple[int, int, int]] = []
    base, anchor = 0, left - _left_blank(text[0]) * em   # a character boundary and its x
    # in a row of bars, a bracket is a bar read as one (`|5]温泉镇|`), with no blank of its own
    bar_marks = "|丨｜[]【】" if len(_RULE_BAR.findall(text)) >= 2 else "|丨｜"
    for s, e in runs:
        if base + 1 >= len(text):
            break
        at = adv[base] + (s - anchor) / em
        i = min(range(base + 1, len(text)), key=lambda i: abs(adv[i] - _right_blank(text[i - 1]) - at))
        # a column rule read as a bar stands inside the blank typed around it (`| 62791 | 17695 |`):
        # the widths shared out may miss it by a character or two (`|6279` `1|17695`), the bar does not
        bars = [j for j in range(max(base + 1, i - 2), min(len(text), i + 3)) if text[j] in bar_marks]
        if bars:
            i, own = min(bars, key=lambda j: abs(j - i)), 0.0   # a bar read as a bracket has no blank of its own
        else:
            # a comma inks a quarter of its square or less: the boundaries before and after it are
            # that close, and a blank the comma leaves is its own whichever of the two it is placed at
            own = max(_own_blank(text[j - 1], text[j]) for j in range(base + 1, len(text))
                      if j == i or abs(adv[j] - _right_blank(text[j - 1]) - at) <= _PLACE_ERROR)
        if (e - s) / em - own >= _TYPED_GAP:
            kept.append((i, s, e))
            base, anchor = i, e - _left_blank(text[i]) * em
    return kept


# --- lines and columns ------------------------------------------------------------------------

def _columns_then_lines(boxes: list[Box], width: float) -> list[dict]:
    """Reading order: a page in two columns (a gutter no box crosses, with long lines on both
    sides) is read left column first; inside a column, lines top to bottom."""
    gutter = _gutter(boxes, width)
    if gutter is None:
        return _lines(boxes)
    left = [b for b in boxes if b.x1 <= gutter]
    right = [b for b in boxes if b.x0 >= gutter]
    across = [b for b in boxes if b.x0 < gutter < b.x1]
    top_right = min((b.top for b in right), default=0.0)
    head = [b for b in across if b.bottom <= top_right]   # a title over both columns comes first
    tail = [b for b in across if b.bottom > top_right]
    return _lines(head) + _lines(left) + _lines(right) + _lines(tail)


def _gutter(boxes: list[Box], width: float) -> float | None:
    """An x near the middle that no box between the first and last two-column line crosses, with
    at least eight long boxes on each side (a title or a signature across it is fine)."""
    body = [b for b in boxes if b.x1 - b.x0 > width * 0.2]
    if len(body) < 16:
        return None
    mid = width / 2
    for x in np.linspace(mid - width * 0.1, mid + width * 0.1, 21):
        left = [b for b in body if b.x1 <= x]
        right = [b for b in body if b.x0 >= x]
        if len(left) < 8 or len(right) < 8:
            continue
        top = max(min(b.top for b in left), min(b.top for b in right))
        bottom = min(max(b.bottom for b in left), max(b.bottom for b in right))
        if not any(b.x0 < x < b.x1 and b.bottom > top and b.top < bottom for b in boxes):
            return float(x)
    return None


def _lines(boxes: list[Box]) -> list[dict]:
    """Boxes -> lines: sorted by vertical centre, a box joins the line whose centre is within
    half a box height and whose boxes it does not overlap; inside a line, boxes by x."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b.cy, b.x0)):
        for line in reversed(lines[-3:]):
            cy = median(x.cy for x in line)
            if abs(b.cy - cy) <= 0.5 * min(b.height, median(x.height for x in line)) and \
                    not any(min(b.x1, x.x1) - max(b.x0, x.x0) > 0.3 * b.height for x in line):
                line.append(b)
                break
        else:
            lines.append([b])
    return [_line_dict(sorted(line, key=lambda b: b.x0)) for line in lines]


def _line_dict(boxes: list[Box]) -> dict:
    """A line as pdfplumber's extract_text_lines gives it, with one pseudo character per glyph
    (a box's width shared evenly) so gap-based rules see where each box starts and ends."""
    chars, text = [], ""
    top, bottom = min(b.top for b in boxes), max(b.bottom for b in boxes)
    ems = [b.em for b in boxes if b.em > 0]
    em = median(ems) if ems else median(b.height for b in boxes) / _BOX_EM
    for prev, b in zip([None] + boxes, boxes):
        n = len(b.text)
        step = (b.x1 - b.x0) / max(n, 1)
        if prev is not None:
            text += _gap_text(b.x0 - prev.x1, em)
        text += b.text
        for i, ch in enumerate(b.text):
            chars.append({"text": ch, "x0": b.x0 + i * step, "x1": b.x0 + (i + 1) * step, "top": top, "bottom": bottom})
    return {"text": text, "x0": boxes[0].x0, "x1": boxes[-1].x1, "top": top, "bottom": bottom, "chars": chars}


def _gap_text(gap: float, em: float) -> str:
    """What was typed between two boxes `gap` points apart (from one character's square to the
    next one's, split_at_gaps makes them so): as many full-width spaces as the gap is ems wide
    (the glyphs' bearings aside), or one space for less."""
    n = round(gap / em - 0.15)
    return "\u3000" * n if n >= 1 and gap / em >= _TYPED_GAP else " "


# --- ruled tables -----------------------------------------------------------------------------

@dataclass
class RuledTable:
    """A table drawn with rules: the y of its horizontal rules and x of its vertical ones (pixels)
    and the mask of vertical rules (to tell a merged cell from two cells)."""

    left: int
    top: int
    right: int
    bottom: int
    ys: list[int]
    xs: list[int]
    vertical: np.ndarray

    def contains(self, b: Box, scale: float) -> bool:
        cx, cy = (b.x0 + b.x1) / 2 / scale, b.cy / scale
        return self.left <= cx <= self.right and self.top <= cy <= self.bottom

    def rows(self, boxes: list[Box], scale: float) -> list[list[str]]:
        """Each glyph goes to the cell under its centre; a box over a column rule that is missing
        in its row (a merged cell) goes whole to its first cell."""
        ruled = len(self.xs) >= 2
        xs = self.xs if ruled else _cluster_columns(boxes, scale, self.left, self.right)
        ncols = max(1, len(xs) - 1)
        grid: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
        for b in sorted(boxes, key=lambda b: (b.cy, b.x0)):
            row = _band(self.ys, b.cy / scale)
            if row is None:
                continue
            n = len(b.text)
            step = (b.x1 - b.x0) / max(n, 1)
            first = _band(xs, b.x0 / scale + step / 2)
            for i, ch in enumerate(b.text):
                col = _band(xs, (b.x0 + (i + 0.5) * step) / scale)
                if col is None:
                    continue
                if ruled and first is not None and col != first and not self._rule_between(first, col, xs, row):
                    col = first
                grid.setdefault((row, col), []).append((b.cy, b.x0 + i * step, ch))
        out = []
        for r in range(len(self.ys) - 1):
            cells = [trim_rule_corner(_STRAY_MARK.sub("", "".join(ch for _, _, ch in sorted(grid.get((r, c), []), key=lambda t: (round(t[0] / 4), t[1])))))
                     for c in range(ncols)]
            if any(cells):
                out.append(cells)
        return out

    def _rule_between(self, a: int, b: int, xs: list[int], row: int) -> bool:
        """Is the column rule right of column min(a,b) drawn through this row?"""
        x = xs[min(a, b) + 1]
        y0, y1 = self.ys[row], self.ys[row + 1]
        if x - self.left < 2 or self.right - x < 2 or y1 - y0 < 4:
            return True
        strip = self.vertical[y0 + 2:y1 - 1, max(0, x - 3):x + 4]
        return bool(strip.size) and float((strip.max(axis=1) > 0).mean()) > 0.6


def _band(edges: list[int] | list[float], v: float) -> int | None:
    for i in range(len(edges) - 1):
        if edges[i] <= v < edges[i + 1]:
            return i
    return None


def _cluster_columns(boxes: list[Box], scale: float, left: int, right: int) -> list[float]:
    """Column edges of a table without vertical rules: x-intervals of its boxes merged where they
    overlap; the edges lie halfway between neighbouring intervals."""
    spans = sorted((b.x0 / scale, b.x1 / scale) for b in boxes)
    merged: list[list[float]] = []
    for x0, x1 in spans:
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    edges = [float(left)] + [(a[1] + b[0]) / 2 for a, b in zip(merged, merged[1:])] + [float(right) + 1]
    return edges


def find_ruled_tables(gray: np.ndarray) -> list[RuledTable]:
    """Rules found by morphology: ink runs much longer than any glyph stroke, horizontally and
    vertically; a region holding at least three horizontal rules is a table."""
    import cv2

    h, w = gray.shape[:2]
    ink = (gray < 160).astype(np.uint8) * 255
    ink = cv2.dilate(ink, np.ones((2, 2), np.uint8))  # rules a rotation left one pixel thin
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 12), 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, h // 80))))
    grid = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < w * 0.3 or bh < 20:
            continue
        ys = _rule_positions(horiz[y:y + bh, x:x + bw], axis=1, min_fill=0.5, offset=y)
        if len(ys) < 3:
            continue
        xs = _rule_positions(vert[y:y + bh, x:x + bw], axis=0, min_fill=0.3, offset=x)
        tables.append(RuledTable(int(x), int(y), int(x + bw), int(y + bh), ys, xs if len(xs) >= 2 else [], vert))
    return tables


def _rule_positions(mask: np.ndarray, axis: int, min_fill: float, offset: int) -> list[int]:
    """Positions (pixels) of rules in a mask: rows (axis=1) or columns (axis=0) whose ink covers
    `min_fill` of the region, adjacent ones merged into one rule at their middle."""
    fill = (mask > 0).mean(axis=axis)
    idx = np.flatnonzero(fill >= min_fill)
    out: list[int] = []
    run: list[int] = []
    for i in idx:
        if run and i - run[-1] > 3:
            out.append(offset + (run[0] + run[-1]) // 2)
            run = []
        run.append(int(i))
    if run:
        out.append(offset + (run[0] + run[-1]) // 2)
    return out


# --- pages of a PDF, photos -------------------------------------------------------------------

MAX_SIDE_PX = 4000              # a rendered page or a photo never exceeds this (A4 at 200 dpi: 2339)

on_page = None
"""Called with a page number before each page is OCR'd: the process that parses PDFs in a child
(readers.isolated) sets it to tell its parent, which gives each page its own time limit."""


def read_pdf_pages(data: bytes, indices: list[int]):
    """Render the given pages (0-based) with pdfium and OCR each; yields one Page per index."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        for i in indices:
            if on_page is not None:
                on_page(i + 1)
            page = doc[i]
            w, h = page.get_size()
            scale = min(DPI / 72, MAX_SIDE_PX / max(w, h, 1))
            gray = np.ascontiguousarray(page.render(scale=scale, grayscale=True).to_numpy())
            if gray.ndim == 3:
                gray = gray[:, :, 0]
            page.close()
            yield read_image(gray, scale * 72)
    finally:
        doc.close()


def confidence_flags(page_no: int, page: Page) -> list:
    """`low_ocr_confidence` (info) for a page whose mean recognition score is below LOW_CONFIDENCE."""
    from noticeflow.schemas import Flag

    if not page.boxes or page.score >= LOW_CONFIDENCE:
        return []
    return [Flag(code="low_ocr_confidence", severity="info", field=None,
                 message=f"第{page_no}页文字识别置信度较低（{page.score:.2f}），请对照原件核对")]
