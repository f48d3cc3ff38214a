"""PDF notices: reading order page by page, ruled and unruled tables back as tab-separated rows,
page folios dropped, wrapped lines joined. Pages without a text layer are OCR'd (readers.ocr);
text a reader cannot see is dropped and flagged; every resource a crafted PDF could exhaust is
bounded (readers.pdf_limits)."""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from statistics import median

import regex as re

from noticeflow.readers import pdf_limits
from noticeflow.schemas import Flag
from noticeflow.schemas.errors import InputError

# pdfminer logs what it repairs ("Data-loss while decompressing corrupted data", ...) and, with no
# logging configured, Python prints those records on stderr, between our one-line messages. A
# problem the reader cares about becomes an InputError or a flag; the rest is not the user's.
_PDFMINER_LOG = logging.getLogger("pdfminer")
_PDFMINER_LOG.setLevel(logging.CRITICAL)
_PDFMINER_LOG.propagate = False
_PDFMINER_LOG.addHandler(logging.NullHandler())

PDF_MAGIC = b"%PDF-"
_SNIFF = 1024                   # a PDF header may follow a little junk (PDF 1.7 §7.5.2)
_CID_RATIO = 0.5                # a page whose characters are mostly (cid:n) needs OCR
_MIN_VISIBLE_PT = 2.0           # glyphs smaller than this are not read by anyone (6 pt is small print)
_MIN_CONTRAST = 0.1             # luminance difference to the background below this: not seen
_HAN = r"\p{Han}"
_SPACE_IN_HAN = re.compile(rf"(?<={_HAN}) (?={_HAN})")          # layout space between two Han
_CID = re.compile(r"\(cid:\d+\)")                               # a glyph with no Unicode map
_SENTENCE_END = "。；;！!？?：:"
_ITEM_START = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[①-⑳]|附件|附表|抄送)")
_FIRST_WORD = re.compile(r"^[A-Za-z0-9０-９.．,%％/\-]+")                 # a run no line break splits
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?[-—–－\s]*$")  # — 3 — / 第3页


@dataclass
class PdfText:
    text: str
    pages: int
    tables: list[list[list[str]]]
    ocr: bool = False
    flags: list[Flag] = field(default_factory=list)


def is_pdf(data: bytes) -> bool:
    return PDF_MAGIC in data[:_SNIFF]


def read_pdf(path: str, data: bytes) -> PdfText:
    """PDF bytes -> text with pages joined by a blank line, page count, tables, OCR use, flags."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if b"%%EOF" not in data[-2048:]:
        raise InputError(path, "corrupt or truncated PDF (the end-of-file marker is missing)")
    hidden = Hidden()
    scans: list[int] = []
    try:
        with pdf_limits.bounded(), pdfplumber.open(io.BytesIO(data)) as pdf:
            n = len(pdf.pages)
            pdf_limits.check_page_count(n)
            pages, widths = [], []
            for page in pdf.pages:
                pdf_limits.check_page_objects(page)
                blocks = read_page(path, page, hidden)
                if blocks is None:
                    scans.append(len(pages))
                    blocks = []
                pages.append(blocks)
                widths.append(float(page.width))
                page.close()  # pdfplumber caches every page's objects: keep one page at a time
    except InputError:
        raise
    except Exception as e:  # pdfplumber wraps pdfminer's errors; look through the wrapper
        cause = _root_cause(e)
        if isinstance(cause, pdf_limits.Refused):
            raise InputError(path, cause.reason) from None
        if isinstance(cause, MemoryError):
            raise cause from None  # readers.isolated names the memory limit
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or "encrypt" in type(cause).__name__.lower():
            raise InputError(path, "encrypted PDF (remove the password and try again)") from None
        detail = f"{type(cause).__name__}: {cause}".strip().rstrip(":")
        raise InputError(path, f"corrupt or truncated PDF ({_one_line(detail)})") from None
    if n == 0:
        raise InputError(path, "corrupt or truncated PDF (no pages)")
    flags = hidden.flags()
    if scans:
        from noticeflow.readers import ocr

        try:
            pdf_limits.check_ocr_pages(len(scans))
        except pdf_limits.Refused as e:
            raise InputError(path, e.reason) from None
        for i, page in zip(scans, ocr.read_pdf_pages(data, scans)):
            pages[i] = page.blocks
            flags += ocr.confidence_flags(i + 1, page)
        if not any(pages):
            raise InputError(path, "scanned PDF: no text found by OCR")
    elif not any(pages):
        raise InputError(path, "no visible text in the PDF" if hidden.count else "corrupt or truncated PDF (no text and no images)")
    text, tables = assemble_pages(pages, widths, ocr=bool(scans))
    return PdfText(text, n, tables, bool(scans) or hidden.ocr_layer, flags)


def assemble_pages(pages: list[list[tuple]], widths: list[float], ocr: bool = False) -> tuple[str, list[list[list[str]]]]:
    """Page blocks (of text pages and OCR'd ones alike) -> the reader contract's text and tables.
    OCR boxes end a little before or after the glyphs: there the right margin is where most
    full lines end (90th percentile), not the furthest box."""
    merge_continued_tables(pages)
    join_unruled_across_pages(pages)
    lines = [item for blocks in pages for kind, _, item in blocks if kind == "line"]
    left = min((ln["x0"] for ln in lines), default=0.0)
    ends = sorted(ln["x1"] for ln in lines)
    right = (ends[int(0.9 * (len(ends) - 1))] if ocr else ends[-1]) if ends else 0.0
    width = median(widths) if widths else 0.0
    if width - right > 1.5 * left + 36:  # no line reaches a plausible right margin: nothing wrapped
        right = float("inf")
    layout = Layout(left, right, _line_pitch([[b[2] for b in blocks if b[0] == "line"] for blocks in pages]))
    texts = [assemble(blocks, layout) for blocks in pages]
    tables = [item for blocks in pages for kind, _, item in blocks if kind == "table"]
    return "\n\n".join(t for t in texts if t.strip()) + "\n", tables


@dataclass
class Layout:
    """Document-wide geometry: one page with three short lines says nothing about the margins."""

    left: float
    right: float
    pitch: float


def merge_continued_tables(pages: list[list[tuple]]) -> None:
    """A table that runs over a page break comes back as two; glue them, dropping the header row
    the printer repeated at the top of the new page. Inside one page (a photo of pages stacked),
    two tables in a row are one when the second repeats the first one's header."""
    for prev, cur in zip(pages, pages[1:]):
        if not (prev and cur and prev[-1][0] == "table" and cur[0][0] == "table"):
            continue
        head, tail = prev[-1][2], cur[0][2]
        if len(head[0]) != len(tail[0]):
            continue
        head.extend(tail[1:] if _same_row(tail[0], head[0]) else tail)
        del cur[0]
    for blocks in pages:
        i = 0
        while i + 1 < len(blocks):
            (k1, _, head), (k2, _, tail) = blocks[i], blocks[i + 1]
            if k1 == k2 == "table" and len(head[0]) == len(tail[0]) and _same_row(head[0], tail[0]):
                head.extend(tail[1:])
                del blocks[i + 1]
            else:
                i += 1


def join_unruled_across_pages(pages: list[list[tuple]]) -> None:
    """An unruled table broken by a page where one part is too short to be told from text on its
    page alone (the header and a row at the foot of a page, or the last row and 合计 at the head
    of the next) is read as one table with the other part."""
    for prev, cur in zip(pages, pages[1:]):
        k = len(prev)
        while k > 0 and prev[k - 1][0] == "line" and len(_cells(prev[k - 1][2])) >= 2:
            k -= 1
        m = 0
        while m < len(cur) and cur[m][0] == "line" and len(_cells(cur[m][2])) >= 2:
            m += 1
        tail = [b[2] for b in prev[k:]]
        if not tail or not m or "\t" in tail[0]["text"] and "\t" in cur[0][2]["text"]:
            continue  # nothing to join, or each part was long enough to be read as a table alone
        joined = find_unruled_tables(tail + [b[2] for b in cur[:m]])
        prev[k:] = [("line", top, ln) for (_, top, _), ln in zip(prev[k:], joined)]
        cur[:m] = [("line", top, ln) for (_, top, _), ln in zip(cur[:m], joined[len(tail):])]


def _same_row(a: list[str], b: list[str]) -> bool:
    return [re.sub(r"\s", "", c) for c in a] == [re.sub(r"\s", "", c) for c in b]  # OCR spaces


def _root_cause(e: BaseException) -> BaseException:
    seen = set()
    while id(e) not in seen:
        seen.add(id(e))
        inner = e.__cause__ or e.__context__
        if inner is None and e.args and isinstance(e.args[0], BaseException):
            inner = e.args[0]
        if inner is None:
            break
        e = inner
    return e


def _one_line(s: str, limit: int = 120) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def read_page(path: str, page, hidden: "Hidden | None" = None) -> list[tuple] | None:
    """One page -> blocks in reading order: ("line", top, line) and ("table", top, rows); None for
    a page a reader sees no text on (a scan, or glyphs with no Unicode map): it needs OCR."""
    chars = page.chars
    if not chars or sum(1 for c in chars if c["text"].startswith("(cid:")) / len(chars) > _CID_RATIO:
        return None
    hidden = hidden if hidden is not None else Hidden()
    page = hidden.drop(page)
    chars = page.chars
    if not chars:
        return [] if not page.images else None
    cid = sum(1 for c in chars if c["text"].startswith("(cid:"))
    page = page.dedupe_chars(tolerance=1)
    if cid:
        page = page.filter(lambda obj: not (obj.get("object_type") == "char" and obj["text"].startswith("(cid:")))
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
    lines = [ln for ln in outside.extract_text_lines(strip=True) if _CID.sub("", ln["text"]).strip()]
    lines = keep_wide_gaps(find_unruled_tables(drop_page_numbers(lines, page.height)))
    blocks = [("line", ln["top"], ln) for ln in lines]
    for box, table in zip(boxes, found):
        rows = [_tidy_row(row) for row in table.extract()]
        if any(any(cell for cell in row) for row in rows):
            blocks.append(("table", box[1], rows))
    blocks.sort(key=lambda b: b[1])
    return blocks


class Hidden:
    """Text drawn where no reader sees it: white on white, off the page, too small to read, or
    in render mode 3 (invisible) with no image under it. A scan's OCR layer is render mode 3 over
    the page image: that text is what the image shows, so it is kept."""

    def __init__(self) -> None:
        self.count = 0
        self.reasons: dict[str, int] = {}
        self.ocr_layer = False

    def drop(self, page):
        x0, top, x1, bottom = page.cropbox
        fills = [r for r in page.rects if r.get("fill")]
        images = page.images

        def reason(c: dict) -> str | None:
            cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
            if not (x0 <= cx <= x1 and top <= cy <= bottom):
                return "off the page"
            if c.get("size", 10) < _MIN_VISIBLE_PT:
                return "too small to read"
            colour = c.get("non_stroking_color")
            if colour == pdf_limits.INVISIBLE:
                if any(_contains(im, cx, cy) for im in images):
                    self.ocr_layer = True
                    return None
                return "invisible render mode"
            fg = _luminance(colour)
            bg = next((_luminance(r.get("non_stroking_color")) for r in reversed(fills) if _contains(r, cx, cy)), 1.0)
            if fg is not None and bg is not None and abs(fg - bg) < _MIN_CONTRAST:
                return "same colour as the background"
            return None

        dropped = 0

        def keep(obj: dict) -> bool:
            nonlocal dropped
            if obj.get("object_type") != "char":
                return True
            why = reason(obj)
            if why and obj["text"].strip():
                dropped += 1
                self.reasons[why] = self.reasons.get(why, 0) + 1
            return why is None

        out = page.filter(keep)
        out.chars  # noqa: B018 - evaluate the filter now, so the count is known
        self.count += dropped
        return out

    def flags(self) -> list[Flag]:
        if not self.count:
            return []
        why = "、".join(f"{_REASON_ZH[k]}{v}字" for k, v in sorted(self.reasons.items()))
        return [Flag(code="invisible_text", severity="warning", field=None,
                     message=f"PDF中有读者看不见的文字已忽略（{why}），请核对原件")]


_REASON_ZH = {"off the page": "页面以外", "too small to read": "字号过小", "invisible render mode": "隐藏文字",
              "same colour as the background": "与背景同色"}


def _contains(obj: dict, x: float, y: float) -> bool:
    return obj["x0"] <= x <= obj["x1"] and obj["top"] <= y <= obj["bottom"]


def _luminance(colour) -> float | None:
    """0 (black) .. 1 (white) of a gray, RGB or CMYK fill; None when unknown (pattern, spot)."""
    if not isinstance(colour, (tuple, list)) or not all(isinstance(v, (int, float)) for v in colour):
        return None
    if len(colour) == 1:
        return float(colour[0])
    if len(colour) == 3:
        r, g, b = colour
        return 0.299 * r + 0.587 * g + 0.114 * b
    if len(colour) == 4:
        c, m, y, k = colour
        return (0.299 * (1 - c) + 0.587 * (1 - m) + 0.114 * (1 - y)) * (1 - k)
    return None


def _inside(obj: dict, boxes: list[tuple]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _tidy_row(row: list[str | None]) -> list[str]:
    """Cells of one table row: inner line breaks removed, layout spaces between Han removed."""
    return [_SPACE_IN_HAN.sub("", re.sub(r"\s*\n\s*", "", cell or "")).strip() for cell in row]


def find_unruled_tables(lines: list[dict]) -> list[dict]:
    """A table drawn without rules comes back as lines whose cells are apart by wide gaps. In a run
    of at least three such lines, two of them with three or more cells, each line becomes a
    tab-separated row, its cells put under the columns of the widest row (empty cells kept)."""
    cells = [_cells(ln) for ln in lines]
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and len(cells[j]) >= 2:
            j += 1
        run = range(i, j)
        if len(run) >= 3 and sum(len(cells[k]) >= 3 for k in run) >= 2:
            widest = max((cells[k] for k in run), key=len)
            # a header typed with single spaces (`序号　乡（镇）　户籍人口（人）`) over rows set
            # wider apart: its words head the columns
            finer = _cells(lines[i], gap=_WORD_GAP)
            by_word = False
            if len(cells[i]) < len(finer) <= len(widest):
                # one word per column: in order when they are as many, else under the column whose
                # left edge is nearest (a typed header starts where its column starts; header
                # words are wider than the figures under them, so their centres mislead)
                lefts = [c[0] for c in widest]
                cols = list(range(len(finer))) if len(finer) == len(widest) else \
                    [min(range(len(lefts)), key=lambda n: abs(lefts[n] - x0)) for x0, _, _ in finer]
                by_word = cols == sorted(set(cols))
                if by_word:
                    row = [""] * len(widest)
                    for col, (_, _, text) in zip(cols, finer):
                        row[col] = text
                    lines[i] = dict(lines[i], text="\t".join(row).rstrip("\t"))
            centres = [(c[0] + c[1]) / 2 for c in widest]
            for k in run:
                if by_word and k == i:
                    continue
                typed = _typed_cells(lines[k]["text"]) if len(cells[k]) != len(centres) else []
                if len(cells[k]) == len(centres):
                    # as many cells as columns: in order. A table typed with spaces is ragged (a
                    # wide header word over a narrow figure, rows not aligned at all), and the
                    # nearest centre would put two cells of a row under one column.
                    row = [text for _, _, text in cells[k]]
                elif len(typed) == len(centres):
                    # fewer: an OCR'd line keeps the spaces typed between cells (readers.ocr),
                    # and a blank cell of a typed table is a run twice as long (`合计　　　　207360`)
                    row = typed
                else:
                    row = [""] * len(centres)
                    for x0, x1, text in cells[k]:
                        col = min(range(len(centres)), key=lambda n: abs(centres[n] - (x0 + x1) / 2))
                        row[col] = (row[col] + text) if row[col] else text
                lines[k] = dict(lines[k], text="\t".join(row).rstrip("\t"))
        i = max(j, i + 1)
    return lines


def _typed_cells(text: str) -> list[str]:
    """Cells of a line typed with runs of full-width spaces between them (two a break, each two
    more a blank cell), or the cells a line already read as a row holds (a table joined across a
    page break is read again); [] for a line without such runs (a text layer has none)."""
    if "\t" in text:
        return [c.strip() for c in text.split("\t")]
    parts = re.split(r"(\u3000{2,})", text.strip())
    if len(parts) < 3:
        return []
    out = [parts[0]]
    for run, cell in zip(parts[1::2], parts[2::2]):
        out += [""] * (len(run) // 2 - 1) + [cell]
    return [_SPACE_IN_HAN.sub("", c).strip() for c in out]


_CELL_GAP = 1.8  # character sizes: two full-width spaces (a header typed `户籍人口　　参保任务`) part cells
_WORD_GAP = 0.8  # one full-width space


def keep_wide_gaps(lines: list[dict]) -> list[dict]:
    """A line set apart in pieces but in no table (`旗民政局副局长　　　　孟和`, a member list
    aligned by spaces) keeps its gaps as the text export has them, two full-width spaces each;
    the text layer leaves them out (the pieces ran together, and the lines then joined as if
    wrapped)."""
    out = []
    for ln in lines:
        cells = _cells(ln) if "\t" not in ln["text"] else []
        if len(cells) >= 2:
            ln = dict(ln, text="\u3000\u3000".join(c[2] for c in cells))
        out.append(ln)
    return out


def _cells(line: dict, gap: float = _CELL_GAP) -> list[tuple[float, float, str]]:
    """(x0, x1, text) of the pieces of a line separated by gaps of `gap` characters or more."""
    chars = [c for c in line.get("chars") or [] if c["text"].strip()]
    if len(chars) < 2:
        return []
    size = _char_size(line)
    out: list[list] = [[chars[0]["x0"], chars[0]["x1"], chars[0]["text"]]]
    for prev, c in zip(chars, chars[1:]):
        space = c["x0"] - prev["x1"]
        if space > gap * size:
            out.append([c["x0"], c["x1"], c["text"]])
        else:
            out[-1][1] = c["x1"]
            out[-1][2] += (" " if space > 3 else "") + c["text"]
    return [(x0, x1, _SPACE_IN_HAN.sub("", text)) for x0, x1, text in out]


def drop_page_numbers(lines: list[dict], height: float, anywhere: bool = False) -> list[dict]:
    """`— 3 —` or `第3页` alone in the top or bottom tenth of the page is a folio, not text;
    `anywhere`: in a piece cut from a long image, where page edges are not piece edges."""
    def folio(ln: dict) -> bool:
        near_edge = anywhere or ln["bottom"] > height * 0.9 or ln["top"] < height * 0.1
        return near_edge and bool(_PAGE_NUMBER.match(ln["text"]))
    return [ln for ln in lines if not folio(ln)]


def assemble(blocks: list[tuple], layout: Layout) -> str:
    """Lines and tables top to bottom. A line that runs to the right margin followed by one that
    starts at the left margin is a wrapped paragraph: joined without a break. A larger vertical
    gap than the usual line pitch starts a new paragraph (blank line)."""
    out: list[str] = []
    prev = None
    for kind, _, item in blocks:
        if kind == "table":
            out.append(("\n\n" if out else "") + "\n".join("\t".join(r) for r in item) + "\n\n")
            prev = None
            continue
        text = _SPACE_IN_HAN.sub("", _CID.sub("", item["text"]))
        if prev is not None:
            gap = item["top"] - prev["top"]
            if _wrapped(prev, item, layout) and gap <= layout.pitch * 1.2:
                sep = ""
            else:
                sep = "\n\n" if gap > layout.pitch * 1.4 else "\n"
            out.append(sep)
        out.append(text)
        prev = item
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def _line_pitch(pages: list[list[dict]]) -> float:
    """The usual distance from one line's top to the next one's, over the whole document."""
    steps = sorted(b["top"] - a["top"] for lines in pages for a, b in zip(lines, lines[1:]) if b["top"] > a["top"])
    return steps[len(steps) // 4] if steps else 1e9  # lower quartile: paragraph gaps are larger


def _char_size(line: dict) -> float:
    chars = line.get("chars") or []
    widths = [c["x1"] - c["x0"] for c in chars if c["text"].strip()]
    return median(widths) if widths else 10.0


def _wrapped(line: dict, nxt: dict, layout: Layout) -> bool:
    """Wrapped when the next line's first word would not have fitted in the room left, and the
    line does not end a sentence right before a new numbered item (`…政策。` / `五、工作要求`)."""
    size = _char_size(line)
    if "\t" in line["text"] or "\t" in nxt["text"] or nxt["x0"] > layout.left + 0.5 * size:
        return False
    if line["text"].rstrip()[-1:] in _SENTENCE_END and _ITEM_START.match(nxt["text"]):
        return False
    room = layout.right - line["x1"]
    return room < _first_word_width(nxt, size) + 1.2 * size  # 1.2: punctuation kept off a line start


def _first_word_width(line: dict, size: float) -> float:
    word = _FIRST_WORD.match(line["text"])
    chars = [c for c in line.get("chars") or [] if c["text"].strip()]
    n = len(word.group(0)) if word else 1
    if len(chars) >= n:
        return chars[n - 1]["x1"] - chars[0]["x0"]
    return n * size
