"""Canonical text: the one string every evidence span indexes into.

Notices arrive as markdown-ish exports, OCR output and PDF text, so the same clause can be
written `2022 年 9 月 1 日`, `２０２２年９月１日` or split across a page break. Extractors should
see one spelling; reviewers should see text that still reads like the notice. Normalisation is
therefore conservative: width folding, markup removal, joining lines a page break split, and
removing spaces that OCR/PDF put inside numbers and dates. Nothing is reordered.
"""
from __future__ import annotations

import bisect
import unicodedata

import regex as re

# Full-width ASCII (！..～) and the ideographic space fold to their ASCII forms; we do not use
# full NFKC because it also rewrites ① into 1, which turns list markers into amounts.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH[0x00A0] = 0x20
_WIDE_CHARS = frozenset(map(chr, _WIDTH))

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
_MD_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(?=\S)", re.M)
_MD_EMPH = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_MD_STRAY_STARS = re.compile(r"(?<=\S)\*\*|\*\*(?=\S)")

_HAN = r"\p{Han}"
# Spaces OCR/PDF put next to digits or between Han characters and punctuation/digits.
# Only single digits spaced out ("2 0 2 3年") are one number; "34447 1200" are two table cells.
_SPACE_IN_NUMBER = re.compile(r"(?<=(?:^|\D)\d)[ ](?=\d(?:\D|$))|(?<=\d)[ ]+(?=[%％.])|(?<=\d\.)[ ]+(?=\d)")
_SPACE_DIGIT_HAN = re.compile(rf"(?<=\d)[ ]+(?={_HAN})|(?<={_HAN})[ ]+(?=\d)")
_SPACE_PUNCT = re.compile(r"[ ]+(?=[,，。；;：:、)）\]〕】》」』])|(?<=[,，。；;：:、(（\[〔【《「『])[ ]+")
_SPACE_BRACKET = re.compile(r"(?<=[\]〕])[ ]+(?=\d)|(?<=\d)[ ]+(?=[\[〔])|(?<=[%)\]）])[ ]+(?=[\p{Han}\d])")

# A line that ends a sentence or a heading; anything else followed by a blank line and a
# lowercase-ish continuation is a page break inside a sentence.
_SENTENCE_END = "。；;！!？?：:"
_BLOCK_START = re.compile(
    r"""^(?:
        [一二三四五六七八九十]+[、.]            # 一、
      | [(（][一二三四五六七八九十\d]+[)）]     # (一) (1)
      | \d+[、.．]                              # 1.
      | [①-⑳]                                  # ①
      | 附件 | 附表 | 抄送 | 备注 | 注[:：]     # trailers
      | 序号                                    # a table header
    )""",
    re.X,
)
# Lines that are complete on their own although they lack a full stop: titles, office names
# (a joint header "某县医疗保障局 某县财政局 国家税务总局某县税务局"), document numbers and dates.
_TITLE_END = re.compile(
    r"""(?:通知|决定|意见|办法|方案|细则|公告|通报|函|报告|分解表|任务表|分配表|[表单]   # titles
         |[局厅委办府院处室社行]|委员会|中心|公司|联合会|分局                     # office names
         |\d+号|\d+日|印发)$                                                    # numbers, dates
    """,
    re.X,
)
_MIN_BROKEN_LINE = 18  # shorter lines are headings, addresses or signatures, not cut sentences
# ...unless they cannot end there: an unclosed bracket (`5.易返贫致贫人口(包括脱贫不稳定`) or a
# last character that always continues (`6.享受抚恤和生活补助的优抚对象按`), as narrow PDF
# columns and OCR lines leave them.
_MIN_OPEN_LINE = 8
_CONTINUING_END = frozenset("、,，和及与的按照对由在将从把向给或并且于以至")


def fold_width(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # str.translate walks a dict per character; a notice holds ten or so distinct wide
    # characters, so one C-level replace per character present is several times faster.
    for ch in _WIDE_CHARS.intersection(text):
        text = text.replace(ch, chr(_WIDTH[ord(ch)]))
    return text


_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")


def _pipe_table_to_tabs(line: str) -> str | None:
    """`| 1 | 猗氏镇 | 34447 |` -> `1\t猗氏镇\t34447` (tables everywhere are tab-separated rows)."""
    if _MD_TABLE_RULE.match(line) and "-" in line:
        return None
    m = _MD_TABLE_ROW.match(line)
    if m and "|" in m.group(1):
        return "\t".join(c.strip() for c in m.group(1).split("|"))
    return line


def strip_markup(text: str) -> str:
    if "|" in text:
        text = "\n".join(l for l in map(_pipe_table_to_tabs, text.split("\n")) if l is not None)
    text = _MD_HEADING.sub("", text)
    text = _MD_BULLET.sub("", text)
    text = _MD_EMPH.sub(lambda m: m.group(1) or m.group(2), text)
    return _MD_STRAY_STARS.sub("", text)


# Tables typeset with spaces instead of tabs (OCR, PDF text): `1 猗氏镇 34447 1200`.
_SPACED_ROW = re.compile(r"^\s*\d{1,3}[ ]+[^\s\d][^\s]*(?:[ ]+[\d,]+)+\s*$")
_SPACED_TOTAL = re.compile(r"^\s*(?:合[ ]*计|总[ ]*计|小[ ]*计)(?:[(（][^)）]*[)）])?(?:[ ]+[\d,]+)+\s*$")
_SPACED_HEADER = re.compile(r"^\s*序[ ]*号(?:[ ]+[^\s\d]+){2,}\s*$")


def spaced_tables_to_tabs(lines: list[str]) -> list[str]:
    """Turn runs of ≥2 space-typeset table rows (plus their header and total) into tab-separated rows."""
    is_row = [bool(_SPACED_ROW.match(l)) for l in lines]
    width = max((len(l.split()) for l, r in zip(lines, is_row) if r), default=0)
    out = list(lines)
    for i, line in enumerate(lines):
        run = (i > 0 and is_row[i - 1]) or (i + 1 < len(lines) and is_row[i + 1])
        near_rows = any(is_row[j] for j in range(max(0, i - 2), min(len(lines), i + 3)) if j != i)
        if is_row[i] and run or near_rows and _SPACED_HEADER.match(line):
            out[i] = "\t".join(line.split())
        elif near_rows and _SPACED_TOTAL.match(line):
            label, *nums = re.sub(r"^(合|总|小)[ ]+计", r"\1计", line.strip()).split()
            # right-align the figures under their columns: 合计 <empty area> 64850 2300
            out[i] = "\t".join([label] + [""] * max(0, width - 1 - len(nums)) + nums)
    return out


# Tables laid out with runs of spaces (`pdftotext -layout`, a CMS's fixed-width text): cells are
# what stands between gaps of 2+ spaces. Only runs of 2+ such lines in which most rows below the
# first hold a figure cell are tables, so an aligned leadership block or a letter-spaced title is
# left alone (a figure: 7.68, 34,447, 80%, 2195).
_CELL_GAP = re.compile(r"[ ]{2,}")
_FIGURE_CELL = re.compile(r"^[\d,]+(?:\.\d+)?%?$")
_MAX_ALIGNED_CELL = 60


def _aligned_cells(line: str) -> list[str] | None:
    s = line.strip()
    if "\t" in s:
        return s.split("\t")  # a row already in tabs (spaced_tables_to_tabs): the run goes on
    if "  " not in s:
        return None
    cells = _CELL_GAP.split(s)
    if len(cells) < 2 or any(len(c) > _MAX_ALIGNED_CELL for c in cells):
        return None
    return cells


def aligned_tables_to_tabs(lines: list[str]) -> list[str]:
    """Runs of space-aligned rows (header included) with figures in most rows -> tab rows."""
    out = list(lines)
    cells = [_aligned_cells(l) for l in lines]
    i = 0
    while i < len(lines):
        if cells[i] is None:
            i += 1
            continue
        j = i
        while j < len(lines) and cells[j] is not None:
            j += 1
        body = cells[i + 1:j]
        with_figures = sum(1 for row in body if any(_FIGURE_CELL.match(c) for c in row))
        if j - i >= 2 and with_figures * 2 >= len(body):
            width = len(cells[i])
            for k in range(i, j):
                row = cells[k]
                if len(row) < width and all(_FIGURE_CELL.match(c) for c in row[1:]):
                    # 合计 <empty area> 183.23 160.34: the figures sit under the last columns
                    row = [row[0]] + [""] * (width - len(row)) + row[1:]
                out[k] = "\t".join(row)
        i = j
    return out


_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_WIDE_SPACES = re.compile(r"[ \u2002\u2003\u2009]+")
_EDGE_SPACES = re.compile(r"(?m)^[ ]+|[ \t]+$|[ ]+(?=\t)|(?<=\t)[ ]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def tidy_spaces(text: str) -> str:
    """Space rules applied to the whole text at once; they only ever remove spaces, never tabs or newlines."""
    raw_lines = text.split("\n")
    if sum(1 for l in raw_lines if _SPACED_ROW.match(l)) >= 2:
        raw_lines = spaced_tables_to_tabs(raw_lines)
        text = "\n".join(raw_lines)
    if "  " in text:  # a gap of 2+ spaces: an aligned table may be there
        text = "\n".join(aligned_tables_to_tabs(raw_lines))
    text = _WIDE_SPACES.sub(" ", text)
    for pat in (_SPACE_IN_NUMBER, _SPACE_DIGIT_HAN, _SPACE_PUNCT, _SPACE_BRACKET):
        text = pat.sub("", text)
    return _EDGE_SPACES.sub("", text)


def join_broken_lines(text: str) -> str:
    """Join `...参保范\\n\\n围的城乡居民` (a page break) but keep headings and paragraphs apart."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if (
            j < len(lines)
            and j - i <= 4
            and _looks_cut(line)
            and _continues(lines[j])
        ):
            lines[j] = line + lines[j].lstrip()
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _looks_cut(line: str) -> bool:
    s = line.strip()
    n = len(s)
    return (
        (n >= _MIN_BROKEN_LINE or n >= _MIN_OPEN_LINE and _cannot_end(s))
        and "\t" not in s
        and s[-1] not in _SENTENCE_END
        and not _TITLE_END.search(s)
    )


def _cannot_end(s: str) -> bool:
    """A short line that cannot end where it does: its last character continues, or a bracket
    it opened is still open (so it is cut even under 18 characters)."""
    return s[-1] in _CONTINUING_END or s.count("(") + s.count("（") > s.count(")") + s.count("）")


def _continues(line: str) -> bool:
    s = line.strip()
    return bool(s) and "\t" not in s and not _BLOCK_START.match(s)


# Hard-wrapped text (pdftotext, OCR): nearly every line of a paragraph fills the page width. A
# document is read as wrapped when most of its lines end within a few columns of its widest
# ones and that width is a page's, not a paragraph's (one paragraph per line is far wider).
_WRAP_MIN, _WRAP_MAX = 20, 80   # display columns (a Han character is two)
_WRAP_SLACK, _WRAP_SHARE, _WRAP_MIN_LINES = 6, 0.6, 8
_LEADING_CONTINUATION = "、,，;；)）"  # a line starting so continues the one above
_LEADING_CONTINUATION_LINE = re.compile(r"\n[ ]*[、,，;；)）]")


def _display_width(s: str) -> int:
    # UTF-8 takes 3 bytes for a Han character or CJK mark, 1 for ASCII: (bytes + chars) / 2 is
    # their width in columns, computed in C.
    return (len(s.encode("utf-8")) + len(s)) // 2


def wrap_width(lines: list[str]) -> int | None:
    """The page width a hard-wrapped document was cut at, or None when it is not wrapped."""
    # a page is at most _WRAP_MAX columns, so at most that many characters: when most lines are
    # longer than that (one paragraph per line), the document is not wrapped, decided on lengths
    lengths = sorted(n for n in map(len, lines) if n >= _WRAP_MIN // 2)
    if len(lengths) < _WRAP_MIN_LINES:
        return None
    top = lengths[int(len(lengths) * 0.9)]
    # in characters the band is wider (digits are half a column), so this only rules out text
    # whose lines are too long or too uneven to be a page's
    if top > _WRAP_MAX or len(lengths) - bisect.bisect_left(lengths, top // 2) < _WRAP_SHARE * len(lengths):
        return None
    widths = sorted(w for w in (_display_width(l.strip()) for l in lines if "\t" not in l) if w >= _WRAP_MIN)
    if len(widths) < _WRAP_MIN_LINES:
        return None
    top = widths[int(len(widths) * 0.9)]
    if top > _WRAP_MAX:
        return None
    near = len(widths) - bisect.bisect_left(widths, top - _WRAP_SLACK)
    return top if near >= _WRAP_SHARE * len(widths) else None


def join_wrapped_lines(text: str) -> str:
    """Join the lines of a hard-wrapped paragraph (no blank line between them): a line filling the
    page width that ends no sentence, title or date runs on; so does any line followed by one that
    starts with 、 or a comma. Page breaks (blank lines between) are join_broken_lines' job."""
    lines = text.split("\n")
    width = wrap_width(lines)
    if width is None and not _LEADING_CONTINUATION_LINE.search(text):
        return text
    out: list[str] = []
    last = ""  # the last physical line appended to out[-1]
    for line in lines:
        s = line.strip()
        prev = last.strip()
        if out and s and prev and "\t" not in s and "\t" not in prev and (
                s[0] in _LEADING_CONTINUATION
                or width and _display_width(prev) >= width - _WRAP_SLACK and _runs_on(prev) and _continues(line)):
            out[-1] = out[-1].rstrip() + s
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def _runs_on(s: str) -> bool:
    """`s` (stripped, not empty) ends neither a sentence nor a title, office name or date."""
    return s[-1] not in _SENTENCE_END and not _TITLE_END.search(s)


def canonicalize(raw: str) -> str:
    """Decoded file text -> canonical text. Idempotent: canonicalize(canonicalize(x)) == canonicalize(x)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = _CONTROL.sub("", text)
    text = fold_width(text)
    text = strip_markup(text)
    text = tidy_spaces(text)
    text = join_wrapped_lines(text)
    text = join_broken_lines(text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip("\n ") + "\n" if text.strip() else ""
