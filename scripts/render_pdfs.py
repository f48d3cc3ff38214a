"""Render each corpus/*.txt notice as corpus/<stem>.pdf, the way a county office prints one.

Why: the PDF reader must give the extractors the same facts as the text export. These PDFs use
reportlab's built-in CID font STSong-Light (UniGB-UCS2-H, maps to Unicode, no font file needed),
A4, wrapped and justified paragraphs with a first-line indent, centred headings, a page number
in the footer, and the quota table (tab-separated lines) as a real ruled Table.

usage: python scripts/render_pdfs.py [corpus_dir]
"""
from __future__ import annotations

import math
import pathlib
import sys

import regex as re
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle, XPreformatted
from xml.sax.saxutils import escape

FONT = "STSong-Light"
ROOT = pathlib.Path(__file__).resolve().parents[1]

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*")       # markdown heading marker of the exports
_MD_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(?=\S)")      # markdown bullet
_MD_EMPH = re.compile(r"\*\*(.+?)\*\*")                 # **bold**
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|附件|附表)")  # 一、征缴时间
_TITLE = re.compile(r"(?:通知|文件|办公室|〔\d{4}〕\d+号)$")        # header block lines
# A line aligned with runs of spaces (a table or a leadership list typed in Word): printed as
# typed. A Paragraph collapses every run to one space, which no printout does (a header
# `户籍人口　　参保任务` would come out `户籍人口参保任务`).
_ALIGNED = re.compile(r"\S[ \u3000]{2,}\S")
_SMALLEST = 7  # pt: a wide typed table is set in smaller type to fit the page, down to this


def _width(s: str) -> float:
    """Width in full-width characters (a half-width character counts half)."""
    return sum(1 if ord(ch) > 0x2E7F else 0.5 for ch in s)


def _markup(text: str) -> str:
    """Paragraph markup of a line. STSong-Light's UCS-2 CMap has no U+00B7 (the dot of 阿依古丽·托合提):
    reportlab drops it without a word. Its middle dot is U+30FB (GB2312's A1A4), which readers map
    back to U+00B7."""
    return escape(text.replace("\u00b7", "\u30fb"))


def _aligned(line: str) -> bool:
    return bool(_ALIGNED.search(line.strip()))


def _as_typed(line: str) -> str:
    """An office font's space is half a character wide, STSong-Light's a fifth: a run of spaces
    typed to align columns is set as wide as Word would set it."""
    return re.sub(r" {2,}", lambda m: "\u3000" * ((len(m.group()) + 1) // 2), line)


def styles() -> dict[str, ParagraphStyle]:
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=16, leading=24, alignment=TA_CENTER, spaceBefore=6, spaceAfter=10, **base),
        "section": ParagraphStyle("section", fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=4, **base),
        "body": ParagraphStyle("body", fontSize=12, leading=19, alignment=TA_JUSTIFY, firstLineIndent=24, spaceAfter=5, **base),
        "cell": ParagraphStyle("cell", fontSize=10.5, leading=14, **base),
    }


def parse_blocks(raw: str) -> list[tuple[str, object]]:
    """Seed text -> [(kind, content)]: kind is title, section, body or table (rows of cells)."""
    blocks: list[tuple[str, object]] = []
    table: list[list[str]] = []
    head = True  # the header block (office, number, title) comes before the first body paragraph
    for line in raw.replace("\r\n", "\n").split("\n"):
        if "\t" in line:
            table.append(line.split("\t"))
            continue
        if table:
            blocks.append(("table", table))
            table = []
        if not line.strip():
            continue
        if _aligned(line):
            blocks.append(("aligned", line.rstrip()))
            head = False
            continue
        m = _MD_HEADING.match(line)
        text = _MD_EMPH.sub(r"\1", _MD_BULLET.sub("", _MD_HEADING.sub("", line))).strip()
        if m and len(m.group(1)) <= 2 or head and _TITLE.search(text):
            blocks.append(("title", text))
        elif m or _SECTION.match(text) and len(text) <= 30:
            blocks.append(("section", text))
            head = False
        else:
            blocks.append(("body", text))
            head = False
    if table:
        blocks.append(("table", table))
    return blocks


def ruled_table(rows: list[list[str]], width: float, st: ParagraphStyle) -> Table:
    ncols = max(len(r) for r in rows)
    rows = [r + [""] * (ncols - len(r)) for r in rows]
    longest = [max(len(r[i]) for r in rows) + 2 for i in range(ncols)]
    widths = [width * n / sum(longest) for n in longest]
    cells = [[Paragraph(_markup(c), st) for c in r] for r in rows]
    t = Table(cells, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 10.5)
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {doc.page} —")
    canvas.restoreState()


def render(txt: pathlib.Path, pdf: pathlib.Path) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))  # idempotent
    st = styles()
    doc = SimpleDocTemplate(str(pdf), pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm,
                            topMargin=30 * mm, bottomMargin=28 * mm, title=txt.stem, author="noticeflow")
    story = []
    blocks = parse_blocks(txt.read_text(encoding="utf-8-sig"))
    for i, (kind, content) in enumerate(blocks):
        if kind == "aligned":
            # one type size for the run of typed lines (a table's rows stay in columns): the
            # largest, up to the body's, that fits the widest of them
            j, k = i, i
            while j > 0 and blocks[j - 1][0] == "aligned":
                j -= 1
            while k + 1 < len(blocks) and blocks[k + 1][0] == "aligned":
                k += 1
            widest = max(_width(_as_typed(c).rstrip()) for _, c in blocks[j:k + 1])
            size = min(st["body"].fontSize, math.floor(doc.width / max(widest, 1)))
            if size >= _SMALLEST:
                typed = ParagraphStyle("typed", parent=st["body"], fontSize=size, leading=size * 1.5,
                                       firstLineIndent=0, spaceAfter=2)
                story.append(XPreformatted(_markup(_as_typed(content)), typed))
                continue
            kind = "body"  # too wide for any type size: wrapped like a paragraph
        if kind == "table":
            story += [Spacer(1, 6), ruled_table(content, doc.width, st["cell"]), Spacer(1, 10)]
        else:
            story.append(Paragraph(_markup(content), st[kind]))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def main(argv: list[str]) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    corpus = pathlib.Path(argv[0]) if argv else ROOT / "corpus"
    for txt in sorted(corpus.glob("*.txt")):
        pdf = txt.with_suffix(".pdf")
        render(txt, pdf)
        print(f"{txt.name} -> {pdf.name} ({pdf.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
