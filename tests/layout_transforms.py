"""Re-layouts of a whole notice, as other files and tools would write the same text (issue 9).

Each transform is a pure function `text -> text`: the wording and every figure stay, only the
layout changes the way a PDF export, an OCR engine, a CMS or another typist would change it.
Randomness (where a transform needs it) is seeded from the text itself, so a transform of a
given notice is always the same string. Seed files are only read; transforms build new strings.

Table rows are tab-separated lines (the reader contract) or markdown pipe rows; no transform
wraps, spaces out or splits a table row except the table transforms, which rewrite whole tables.
"""
from __future__ import annotations

import hashlib
import random
import unicodedata

import regex as re

# ---- shared pieces ----------------------------------------------------------------------------

_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_HAN = re.compile(r"\p{Han}")
# A row typed with runs of spaces (often full-width) between its cells, ending in a figure:
# `1　　察布查尔镇　　　10236　　　　27415`. A typed table row is never re-wrapped either.
_SPACED_ROW = re.compile(r"^\s*\S+(?:[ \u3000]{2,}\S+){2,}\s*$")
_TWO_CELLS = re.compile(r"^\s*\S+(?:[ \u3000]{2,}\S+)+\s*$")
_GAP = re.compile(r"(?<=\S)[ \u3000]{2,}(?=\S)")
_IDEO_ROW = re.compile(r"^\s*\d{1,3}(?:\u3000\S+){2,}\s*$")  # 1　县医保局　负责…: one U+3000 per cell gap
_TYPED_HEADER = re.compile(r"^\s*序[ \u3000]*号(?:[ \u3000]+\S+){2,}\s*$")


def _rng(text: str, salt: str) -> random.Random:
    """A generator that depends on the text only: the same notice always gets the same layout."""
    return random.Random(hashlib.sha256((salt + "\0" + text).encode("utf-8")).hexdigest())


def is_table_row(line: str) -> bool:
    return "\t" in line or bool(_PIPE_ROW.match(line)) or bool(_PIPE_RULE.match(line) and "-" in line)


def is_typed_row(line: str) -> bool:
    """A row of a table typed with spaces (or one ideographic space per gap), or its 序号 header."""
    return ((line.rstrip()[-1:].isdigit() and bool(_SPACED_ROW.match(line))) or bool(_TYPED_HEADER.match(line))
            or bool(_IDEO_ROW.match(line)))


def table_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line ranges of runs of table rows."""
    blocks, i = [], 0
    while i < len(lines):
        if is_table_row(lines[i]):
            j = i
            while j < len(lines) and is_table_row(lines[j]):
                j += 1
            blocks.append((i, j))
            i = j
        else:
            i += 1
    return blocks


def table_cells(row: str) -> list[str] | None:
    """The cells of a tab or pipe row; None for a pipe rule line (`| --- |`)."""
    if _PIPE_RULE.match(row) and "-" in row:
        return None
    m = _PIPE_ROW.match(row)
    if m:
        return [c.strip() for c in m.group(1).split("|")]
    return row.rstrip("\r").split("\t")  # a CRLF file's row: the CR ends the line, not the last cell


def _width(s: str) -> int:
    """Display width: Han and other wide characters take two columns, as on a printed page."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _map_tables(text: str, render) -> str:
    lines = text.split("\n")
    out, last = [], 0
    for start, end in table_blocks(lines):
        out += lines[last:start]
        rows = [c for c in (table_cells(r) for r in lines[start:end]) if c is not None]
        out += render(rows)
        last = end
    out += lines[last:]
    return "\n".join(out)


# ---- the transforms ---------------------------------------------------------------------------

def typed_runs(lines: list[str]) -> set[int]:
    """Indices of lines in a run typed in columns (cells apart by 2+ spaces, two rows with three
    cells at least): a table whose rows may end in text (a 资助标准 table), a row whose merged
    cells are blank (two cells only) included; hard_wrap keeps them whole."""
    in_run, i = set(), 0
    while i < len(lines):
        j = i
        while j < len(lines) and _TWO_CELLS.match(lines[j]):
            j += 1
        if sum(bool(_SPACED_ROW.match(lines[k])) for k in range(i, j)) >= 2:
            # a row whose label stands one space from its first figure (`其中：资助参保　2310　　260…`)
            # still has the run's gaps after it
            while j < len(lines) and len(_GAP.findall(lines[j])) >= 2:
                j += 1
            in_run.update(range(i, j))
        i = max(j, i + 1)
    return in_run | ideographic_runs(lines)


# A table typed with ONE ideographic space per cell gap and no 序号 column (`阶段　起止时间　备注` over
# `集中缴费期　2025年9月1日—…`): a header and 2+ rows of 2+ cells, most rows holding a figure.
_IDEO_PLAIN = re.compile(r"^[ \u3000]*[^\s。；]+(?:\u3000[^\s。；]+)+[ \u3000]*$")


def ideographic_runs(lines: list[str]) -> set[int]:
    out, i = set(), 0
    while i < len(lines):
        head = lines[i]
        if not _IDEO_PLAIN.match(head) or any(c.isdigit() for c in head) \
                or len(head.strip(" \u3000").split("\u3000")) < 3:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and _IDEO_PLAIN.match(lines[j]):
            j += 1
        rows = lines[i + 1:j]
        if len(rows) >= 2 and 2 * sum(any(c.isdigit() for c in r) for r in rows) > len(rows):
            out.update(range(i, j))
        i = max(j, i + 1)
    return out


def hard_wrap(text: str) -> str:
    """Lines broken every 18-30 characters, as pdftotext or an OCR engine hands back a page.

    The page width (in Han characters) is fixed per document and jitters a little per line, as
    justified text does; digits and Latin letters are half as wide, so lines with figures hold
    more characters. Breaks fall anywhere, inside words and numbers too; table rows stay whole.
    """
    rng = _rng(text, "wrap")
    columns = 2 * rng.randint(18, 30)
    out = []
    lines = text.split("\n")
    in_run = typed_runs(lines)
    for i, line in enumerate(lines):
        if is_table_row(line) or is_typed_row(line) or i in in_run or _width(line) <= columns:
            out.append(line)
            continue
        cur, w = [], 0
        limit = columns - 2 * rng.randint(0, 2)
        for ch in line:
            cw = _width(ch)
            if w + cw > limit and cur:
                out.append("".join(cur))
                cur, w = [], 0
                limit = columns - 2 * rng.randint(0, 2)
            cur.append(ch)
            w += cw
        if cur:
            out.append("".join(cur))
    return "\n".join(out)


def ocr_spaces(text: str) -> str:
    """Spaces an OCR engine puts between Han characters (about one gap in 25), names included."""
    rng = _rng(text, "ocr")
    out = []
    for a, b in zip(text, text[1:] + "\n"):
        out.append(a)
        if _HAN.match(a) and _HAN.match(b) and rng.random() < 0.04:
            out.append(" ")
    return "".join(out)


_OFFICE_LINE = re.compile(r"^[#\s]*(?P<org>\p{Han}[\p{Han}()（）]{2,40}?(?:办公室|人民政府|医疗保障局|局|委员会))\s*(?:文件)?\s*$")
# The notice's own title line: 关于… near the top, not a 《cited title》 inside a sentence.
_TITLE_LINE = re.compile(r"^[#*\s]*(?P<title>[^《。，,：:\n]{0,40}关\s?于[^。\n]{2,120}?)[*\s]*$")


def title_line(lines: list[str]) -> int | None:
    """Index of the title line among the first lines of a notice, or None."""
    seen = 0
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        seen += 1
        if seen > 15:
            return None
        if _TITLE_LINE.match(ln):
            return i
    return None


def running_header(text: str) -> str:
    """What a page header of this notice shows: the issuing office (or, failing that, the title)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    for ln in lines[:8]:
        m = _OFFICE_LINE.match(ln)
        if m:
            return m.group("org")
    t = title_line(lines)
    if t is not None:
        return _TITLE_LINE.match(lines[t]).group("title")
    return lines[0].strip("#* ") if lines else ""


def page_breaks(text: str) -> str:
    """A folio `— N —` and the next page's running header every ~40 lines, as a PDF's text layer.

    Pages are not broken inside a table (the break moves to after it); the header alternates
    between the issuing office and the title, as many county templates print them.
    """
    rng = _rng(text, "pages")
    lines = text.split("\n")
    blocks = table_blocks(lines)
    typed = typed_runs(lines)  # a table typed in columns is not broken either
    office = running_header(text)
    t = title_line(lines)
    headers = [office, _TITLE_LINE.match(lines[t]).group("title") if t is not None else office]
    out, page, since, length = [], 1, 0, rng.randint(36, 44)
    for i, line in enumerate(lines):
        out.append(line)
        since += 1
        at_end = i == len(lines) - 1
        inside = any(s <= i < e - 1 for s, e in blocks) or (
            i + 1 in typed and (i in typed or bool(_TYPED_HEADER.match(line))))
        if since >= length and not inside and not at_end:
            out += ["", f"— {page} —", "", headers[page % 2], ""]
            page, since, length = page + 1, 0, rng.randint(36, 44)
    out += ["", f"— {page} —"]
    return "\n".join(out)


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def fullwidth_digits(text: str) -> str:
    """Every digit full-width (０-９), as Word and WPS documents typed with a Chinese IME often are."""
    return text.translate(_FULL)


_CN_NUM = "一二三四五六七八九十"
_TOP_HEADING = re.compile(rf"^([{_CN_NUM}]+、)(.{{1,30}})$")
_SUB_HEADING = re.compile(rf"^(（[{_CN_NUM}]+）)([^。；]{{1,20}})$")
_LABEL = re.compile(r"^(\p{Han}[\p{Han}（）()、]{1,18}?(?:职责)?[:：])(?=\S)")
_BOLD_NUMBER = re.compile(r"(?<![\d.*])(\d+(?:\.\d+)?)(?=元|%|％|万人|人\b|分)")


def markdown_remnants(text: str) -> str:
    """The notice as a CMS exports it to markdown: `##`/`###` headings, bold figures and labels,
    pipe tables with a rule line."""
    rng = _rng(text, "md")
    lines = text.split("\n")
    title = title_line(lines)
    out = []
    for i, line in enumerate(lines):
        if is_table_row(line):
            out.append(line)
            continue
        s = line
        if i == title:
            s = s if s.lstrip().startswith("#") else "## " + s.strip()
        elif _TOP_HEADING.match(s.strip()):
            s = "### " + s.strip()
        elif _SUB_HEADING.match(s.strip()):
            s = "#### " + s.strip()
        else:
            s = _LABEL.sub(lambda m: f"**{m.group(1)}**", s, count=1) if rng.random() < 0.5 else s
            s = _BOLD_NUMBER.sub(lambda m: f"**{m.group(1)}**" if rng.random() < 0.5 else m.group(1), s)
        out.append(s)
    return tables_as_pipes("\n".join(out))


def tables_as_tabs(text: str) -> str:
    """Pipe tables rewritten as tab-separated rows (tables already in tabs stay as they are)."""
    return _map_tables(text, lambda rows: ["\t".join(r) for r in rows])


def tables_as_spaces(text: str) -> str:
    """Tables laid out with runs of spaces, as `pdftotext -layout` prints columns."""
    def render(rows):
        n = max(len(r) for r in rows)
        rows = [r + [""] * (n - len(r)) for r in rows]
        widths = [max(_width(r[k]) for r in rows) for k in range(n)]
        return ["".join(c + " " * (widths[k] - _width(c) + 3) for k, c in enumerate(r)).rstrip() for r in rows]
    return _map_tables(text, render)


def tables_as_pipes(text: str) -> str:
    """Tables as markdown pipe tables with a rule line under the header row."""
    def render(rows):
        n = max(len(r) for r in rows)
        rows = [r + [""] * (n - len(r)) for r in rows]
        body = ["| " + " | ".join(r) + " |" for r in rows]
        return body[:1] + ["|" + "|".join([" --- "] * n) + "|"] + body[1:]
    return _map_tables(text, render)


# ---- table structure: the same table as other offices lay it out ---------------------------------

_TOTAL_CELL = re.compile(r"^(?:合[ \u3000]*计|总[ \u3000]*计|全[县区市旗][ \u3000]*合计|总合计)$")
_FIGURE_CELL = re.compile(r"^\d+(?:\.\d+)?$")


def _data_start(cells: list[list[str] | None]) -> int | None:
    """Index of the first row holding a figure (the rows above it are the header, rule included)."""
    return next((i for i, c in enumerate(cells) if c and any(_FIGURE_CELL.match(x.strip()) for x in c)), None)


def _total_row(cells: list[list[str] | None]) -> int | None:
    return next((i for i, c in enumerate(cells) if c and any(_TOTAL_CELL.match(x.strip()) for x in c[:3])), None)


def _map_table_lines(text: str, edit) -> str:
    """`edit(lines, cells) -> lines` applied to every tab or pipe table block of the text."""
    lines = text.split("\n")
    out, last = [], 0
    for start, end in table_blocks(lines):
        out += lines[last:start]
        block = lines[start:end]
        out += edit(block, [table_cells(r) for r in block])
        last = end
    out += lines[last:]
    return "\n".join(out)


def total_row_first(text: str) -> str:
    """The 合计 row moved to the top of the figures, right under the header, as many statistical
    tables print it (the total first, then each township)."""
    def edit(block, cells):
        first, total = _data_start(cells), _total_row(cells)
        if first is None or total is None or total <= first:
            return block
        return block[:first] + [block[total]] + block[first:total] + block[total + 1:]
    return _map_table_lines(text, edit)


_WHOLE_COUNT = re.compile(r"(?<=^|[\t|])([ ]*)(\d{4,})(?=[ ]*(?:$|[\t|\r]))")


def thousands_separators(text: str) -> str:
    """Whole numbers of four digits and more in table cells written with thousands separators
    (35,210), as Excel's number format and many typists write counts of people."""
    def edit(block, cells):
        return [row if c is None else _WHOLE_COUNT.sub(lambda m: f"{m.group(1)}{int(m.group(2)):,}", row)
                for row, c in zip(block, cells)]
    return _map_table_lines(text, edit)


def table_over_two_pages(text: str) -> str:
    """A table of six rows and more broken by a page: the folio, then the header repeated on the
    next page (Word's repeated header row), as the text layer of a printed notice holds it."""
    def edit(block, cells):
        first = _data_start(cells)
        if first is None or first == 0 or len(block) - first < 6:
            return block
        cut = first + (len(block) - first) // 2
        return block[:cut] + ["", "— 2 —", ""] + block[:first] + block[cut:]
    return _map_table_lines(text, edit)


_CN_DIGITS = dict(zip("一二三四五六七八九", range(1, 10)))


def cn_to_int(s: str) -> int:
    """一..九十九 (the numerals list markers use)."""
    if s == "十":
        return 10
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def int_to_cn(n: int) -> str:
    digits = " 一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


_MARKER = re.compile(
    rf"""^(?P<lead>[ \t　]*(?:[-*]\s+|\#{{1,6}}\s+|\*\*)?)
         (?: (?P<top>[{_CN_NUM}]{{1,3}})、
           | （(?P<sub>[{_CN_NUM}]{{1,3}})）
           | (?P<arabic>\d{{1,2}})(?:[.．](?!\d)|、) )""",
    re.X | re.M,
)


def list_markers(text: str) -> str:
    """Outline markers rotated consistently through the document: `一、`→`1.`, `1.`→`（一）`,
    `（一）`→`一、` (one province's `一、` is another's `1.`). Only markers opening a line move;
    references inside sentences (`第（二）项`) are left as written, as a retyping would leave them."""
    def repl(m: re.Match) -> str:
        lead = m.group("lead")
        if m.group("top"):
            # `1.2024年度…` would read as a decimal: typists write `1、` there
            after = m.string[m.end():m.end() + 1]
            return f"{lead}{cn_to_int(m.group('top'))}{'、' if after.isdigit() else '.'}"
        if m.group("arabic"):
            return f"{lead}（{int_to_cn(int(m.group('arabic')))}）"
        return f"{lead}{m.group('sub')}、"
    return _MARKER.sub(repl, text)


def double_spaced(text: str) -> str:
    """A blank line after every line, table rows included, as some converters and web copies
    save a notice (a CR CR LF line end reads as two)."""
    return "\n\n".join(text.split("\n"))


_BLANK_LINES = re.compile(r"\n[ \t\u3000]*(?:\n[ \t\u3000]*)+\n")


def no_blank_lines(text: str) -> str:
    """Every blank line gone, as a Word document spaced by paragraph spacing (not empty
    paragraphs) pastes: a paragraph or a heading right under a table, a title on the header."""
    return _BLANK_LINES.sub("\n", text).replace("\n\n", "\n")


_CELL_GAP = re.compile(r"(?<=\S)(?:[ \u3000]{2,}|\u3000)(?=\S)")


def first_line_indent(text: str) -> str:
    """Every paragraph opened by two ideographic spaces (首行缩进两字符), as Word exports an
    official document; table rows, typed rows and markdown headings keep their place."""
    def indent(line: str) -> str:
        if (not line.strip() or is_table_row(line) or is_typed_row(line) or _CELL_GAP.search(line)
                or line.lstrip().startswith("#")):
            return line
        return "\u3000\u3000" + line.lstrip(" \u3000")
    return "\n".join(indent(line) for line in text.split("\n"))


TRANSFORMS = {
    "hard_wrap": hard_wrap,
    "ocr_spaces": ocr_spaces,
    "page_breaks": page_breaks,
    "fullwidth_digits": fullwidth_digits,
    "markdown_remnants": markdown_remnants,
    "tables_as_tabs": tables_as_tabs,
    "tables_as_spaces": tables_as_spaces,
    "tables_as_pipes": tables_as_pipes,
    "list_markers": list_markers,
    "total_row_first": total_row_first,
    "thousands_separators": thousands_separators,
    "table_over_two_pages": table_over_two_pages,
    "double_spaced": double_spaced,
    "no_blank_lines": no_blank_lines,
    "first_line_indent": first_line_indent,
}
