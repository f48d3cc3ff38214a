"""Canonical text: the one string every evidence span indexes into.

Notices arrive as markdown-ish exports, OCR output and PDF text, so the same clause can be
written `2022 年 9 月 1 日`, `２０２２年９月１日` or split across a page break. Extractors should
see one spelling; reviewers should see text that still reads like the notice. Normalisation is
therefore conservative: width folding, markup removal, joining lines a page break split, and
removing spaces that OCR/PDF put inside numbers and dates. Nothing is reordered.
"""
from __future__ import annotations

import functools
import re as std_re  # plain character classes: the stdlib scans them fastest
import unicodedata

import regex as re

from noticeflow.extractors import vocab

# Full-width ASCII (！..～) and the ideographic space fold to their ASCII forms; we do not use
# full NFKC because it also rewrites ① into 1, which turns list markers into amounts.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH[0x00A0] = 0x20
_WIDE_RE = std_re.compile("[" + "".join(map(std_re.escape, sorted(map(chr, _WIDTH)))) + "]")

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
# `- 2 -` is a folio; a mark before a tab is a table's first cell (`+\t吐祥镇`: OCR's 十, or `-` for none)
_MD_BULLET = re.compile(r"^\s{0,3}[-*+][ \u3000]+(?=\S)(?!\d{1,3}[ \t]*[-—–]{1,2}[ \t]*$)", re.M)
_MD_EMPH = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_MD_STRAY_STARS = re.compile(r"(?<=\S)\*\*|\*\*(?=\S)")

_HAN = r"\p{Han}"
# Spaces OCR/PDF put next to digits or between Han characters and punctuation/digits.
# Only single digits spaced out ("2 0 2 3年") are one number; "34447 1200" are two table cells.
_SPACE_IN_NUMBER = re.compile(r"(?<=(?:^|\D)\d)[ ](?=\d(?:\D|$))|(?<=\d)[ ]+(?=[%％.])|(?<=\d\.)[ ]+(?=\d)")
_SPACE_DIGIT_HAN = re.compile(rf"(?<=\d)[ ]+(?={_HAN})|(?<={_HAN})[ ]+(?=\d)")
_SPACE_PUNCT = re.compile(r"[ ]+(?=[,，。；;：:、)）\]〕】》」』])|(?<=[,，。；;：:、(（\[〔【《「『])[ ]+")
# An OCR space inside a date written in Chinese numerals (二〇 二五年九月, 十 二月): the numerals
# before 年/月/日 are one number. Between numerals only: 一 二 of a serial column has no 年月日.
_SPACE_IN_CN_DATE = re.compile(r"(?<=[〇○零一二三四五六七八九十]) (?=(?:[〇○零一二三四五六七八九十] ?){1,4}[年月日])")
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
      | (?:常务|执行)?副?[ ]?组[ ]?长(?:[ ]*[:：]|[ ]+(?=\p{Han}))   # a leading group's role label,
      | 成[ ]?员(?:[ ]*[:：]|[ ]+(?=\p{Han})|(?=[县市区旗州盟]\p{Han}))  # with a colon, aligned by spaces
                                                                   # or glued to an office (OCR)
    )""",
    re.X,
)
# Lines that are complete on their own although they lack a full stop: titles, office names
# (a joint header "某县医疗保障局 某县财政局 国家税务总局某县税务局"), document numbers and dates.
_TITLE_END = re.compile(
    r"""(?:通知|决定|意见|办法|方案|细则|公告|通告|通报|函|报告|分解表|任务表|分配表|[表单]   # titles
         |{interpretation}|{public}|{reports}                                  # a page explaining a notice, a guide, a 简报/讲话
         |通[ ]知|方[ ]案|意[ ]见|办[ ]法|决[ ]定|公[ ]告|通[ ]告|细[ ]则              # letter-spaced titles
         |[局厅委办府院处室社行]|委员会|中心|公司|联合会|分局                     # office names
         |\d+号|\d+日|印发                                                      # numbers, dates
         |\d{3,4}-\d{5,8})$                                                      # a phone number ends a contact line
    """.replace("{interpretation}", vocab.alternation(vocab.terms("notice_terms.yaml", "notice")["interpretation_endings"]))
       .replace("{public}", vocab.alternation(vocab.terms("notice_terms.yaml", "notice")["public_title_endings"]))
       .replace("{reports}", vocab.alternation(vocab.terms("notice_terms.yaml", "notice")["report_endings"])),
    re.X,
)
# A line complete on its own, which no cut sentence continues into: an office (or several, a
# joint 落款) named alone, or a date alone (the 落款 under a line left open, e.g. a phone list).
_STANDALONE = re.compile(
    r"""^(?:(?:国家税务总局)?\p{Han}{1,14}?[省市县区旗州盟]\p{Han}{0,16}?
            (?:办公室|人民政府|委员会|局|中心|联合会)[ ]?)+$
       | ^(?:\d{4}|[〇○零一二三四五六七八九]{4})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日$
       | ^(?:{bylines})\p{Han}                                 # an article's byline (`原创 某县医保 …`)
       | ^[^\n]{0,40}?\d{4}年\d{1,2}月\d{1,2}日\d{1,2}:\d{2}       # …or the account and the post's clock time
    """.replace("{bylines}", vocab.alternation(vocab.terms("notice_terms.yaml", "meta")["byline_marks"])),
    re.X,
)
# A leading group's row, title then name (`旗医疗保障局局长 王 俊`, aligned columns squeezed to one
# space): complete on its own, however long.
_MEMBER_ROW = re.compile(r"(?:长|主任|书记|委员|主席|员|经理|负责人|同志)[ ]+\p{Han}(?:[ ·]?\p{Han}){1,7}$")
# ...and the rows of the list a role label opens (`组长 扎西次仁 县委副书记`, `副组长次仁卓玛县人民政府
# 副县长` when OCR lost the spaces) or a name then a post (`罗布顿珠 县医疗保障局局长`): each row is
# complete; a row that really wraps is at the page width and is joined as any wrapped line is.
_ROLE_ROW = re.compile(r"^(?:常务|执行|第一)?副?[ ]?组[ ]?长(?![单成])|^成[ ]?员(?=[ ]|\p{Han}{2,}[县市区旗州盟局委办])")
_NAME_POST_ROW = re.compile(r"^\p{Han}(?:[ ·]?\p{Han}){1,4}[ ]+\p{Han}[\p{Han}、]{1,30}?(?:长|主任|书记|委员|主席|经理|负责人)$")
_ATTACHMENT_LABEL = re.compile(r"^(?:附件|附表)[ ]?\d{0,2}[:：]?$")  # 附件2 / 附表1: on its own line
_MIN_BROKEN_LINE = 18  # shorter lines are headings, addresses or signatures, not cut sentences
# ...unless they cannot end where they do (narrow PDF/OCR columns leave such lines): a last
# character that continues, or an unclosed bracket.
_MIN_OPEN_LINE = 8
_CONTINUING_END = frozenset("、,，和及与的按照对由在将从把向给或并且于以至")


# A table typed in a word processor with ONE ideographic space between its cells (`序号　单位　主要职责`
# then `1　县医保局　牵头负责…`): folded to plain spaces, its rows would read as wrapped prose
# and be joined. Kept as tabs where a 序号 header is followed by numbered rows of exactly its cells.
_IDEO_CELL = r"[^\s]+(?: [^\s]+)*"  # an OCR space may stand inside a cell (县医 保局), never two
_IDEO_HEADER = std_re.compile(rf"^[ \t]*(?:序 ?号|编 ?号)(?:\u3000{_IDEO_CELL}){{2,}}[ \t]*$")
_IDEO_ROW = std_re.compile(rf"^[ \t]*\d{{1,3}}(?:\u3000{_IDEO_CELL})+[ \t]*$")
_IDEO_TOTAL = std_re.compile(rf"^[ \t\u3000]*(?:合 ?计|总 ?计|小 ?计)(?:\u3000+{_IDEO_CELL})+[ \t]*$")
_IDEO_MIN_ROWS = 2


# A table row: a tab or pipe row, cells apart by column gaps (two spaces and more, ideographic
# spaces), a 序号 header or a numbered row, a label followed by figures. Each test is one linear
# scan of the line; a line longer than any row is none.
_COLUMN_GAPS = std_re.compile(r"(?<=\S)(?: {2,}|[ \u3000]*\u3000[ \u3000]*)(?=\S)")
_GAP_THEN_FIGURE = std_re.compile(r"(?<=\S)(?: {2,}|[ \u3000]*\u3000[ \u3000]*)[\d.,%]+[ \t\u3000]*$")
_NUMBERED_ROW = std_re.compile(r"[ \t\u3000]*(?:序[ \u3000]*号|编[ \u3000]*号|\d{1,3})[ \t\u3000]+\S")
_LABEL_AND_FIGURES = std_re.compile(r"[ \t\u3000]*\S+(?:[ \t\u3000]+[\d.,%]+)+[ \t\u3000]*$")
_MAX_ROW = 400  # characters
_FIGURE_END = frozenset("0123456789.,%")


_PROSE_END = frozenset("。；;：:，,！!？?")


def _row_like(line: str) -> bool:
    if len(line) > _MAX_ROW or not line.strip():
        return False
    if "\t" in line.strip(" \t\u3000"):
        return True
    bare = line.strip(" \t\u3000")
    if bare.startswith("|") and bare.endswith("|"):
        return True  # a pipe row
    gaps = len(_COLUMN_GAPS.findall(line)) if "  " in line or "\u3000" in line else 0
    if gaps >= 2 or gaps and line[:2].strip(" \t\u3000") == "":
        return True  # two column gaps; an indented header line with one (其中 / 困难群体　其他人员)
    if _NUMBERED_ROW.match(line):
        return True
    if bare[-1] not in _FIGURE_END:
        return False
    return bool(gaps and _GAP_THEN_FIGURE.search(line) or _LABEL_AND_FIGURES.match(line))


# blank lines of any number: later steps collapse a run to one, which a second pass would close
_BLANK_RUN = std_re.compile(r"\n(?:[ \t\u3000]*\n)+")
_DOUBLE_SPACED_SHARE = 0.9  # of the gaps between lines, those holding a blank line
_DOUBLE_SPACED_MIN_GAPS = 12


def undouble(text: str) -> str:
    """A text with a blank line between (nearly) all its lines loses every blank line: saved
    double-spaced (a blank line after each line, as some converters and web copies write, a CR CR LF
    line end read as two), its blank lines say nothing, while the extractors read a lead-in and its
    items, a wrapped sentence or a table as lines next to each other. A text of one paragraph per
    line with blank lines between loses nothing by it (the no_blank_lines layout check).

    Why by hand: a property of these plain-text exports, not of any format a library reads."""
    body = text.strip()
    runs = _BLANK_RUN.findall(body)  # each run of blank lines between two lines is one gap
    if len(runs) < _DOUBLE_SPACED_SHARE * _DOUBLE_SPACED_MIN_GAPS:
        return text
    gaps = body.count("\n") - sum(r.count("\n") - 1 for r in runs)  # between consecutive lines
    if gaps < _DOUBLE_SPACED_MIN_GAPS or len(runs) < _DOUBLE_SPACED_SHARE * gaps:
        return text
    return _BLANK_RUN.sub("\n", text)


def close_row_gaps(text: str) -> str:
    """Blank lines between two table rows removed: text exported double-spaced (a blank
    line after every line, as some converters and web copies write it) keeps its tables whole.

    Why by hand: the gap between rows is a property of these plain-text exports, not of any table
    format a library parses; prose lines (no column gaps) keep their blank lines."""
    out, pos = [], 0
    for m in _BLANK_RUN.finditer(text):
        a = m.start()
        if a == 0:
            continue
        above = text[text.rfind("\n", 0, a) + 1:a]
        if text[a - 1] in _PROSE_END and "\t" not in above:  # a sentence ends there (most gaps)
            continue
        if not _row_like(above):
            continue
        end = text.find("\n", m.end())
        if _row_like(text[m.end():len(text) if end == -1 else end]):
            out += (text[pos:a], "\n")
            pos = m.end()
    return "".join(out) + text[pos:] if out else text


# The same without a 序号 column (`阶段　起止时间　备注` over `集中缴费期　2025年9月1日—…`, `项目　特困人员　低保对象`
# over `资助金额（元/人）　420　300`), each line indented as a paragraph: a header of 3+ cells without a
# figure over 2+ rows of as many cells or fewer (the last ones blank), most rows holding a figure,
# no cell a sentence. Leadership lines (`组　长：王　磊`) hold no figures.
_IDEO_PLAIN_CELL = r"[^\s。；;：:]{1,30}(?: [^\s。；;]{1,30})*"
_IDEO_PLAIN_LINE = std_re.compile(rf"^[ \t\u3000]*{_IDEO_PLAIN_CELL}(?:\u3000{_IDEO_PLAIN_CELL})+[ \t\u3000]*$")
_IDEO_DIGIT = std_re.compile(r"\d")


def _ideo_cells(line: str) -> list[str]:
    return line.strip(" \t\u3000").split("\u3000")


def _plain_ideographic_tables(lines: list[str]) -> list[str]:
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\u3000" not in line.strip(" \t\u3000") or _IDEO_HEADER.match(line) or not _IDEO_PLAIN_LINE.match(line) \
                or _IDEO_DIGIT.search(line):
            i += 1
            continue
        width = len(_ideo_cells(line))
        j = i + 1
        while j < len(lines) and _IDEO_PLAIN_LINE.match(lines[j]) and 2 <= len(_ideo_cells(lines[j])) <= width:
            j += 1
        rows = lines[i + 1:j]
        if width >= 3 and len(rows) >= _IDEO_MIN_ROWS and 2 * sum(bool(_IDEO_DIGIT.search(r)) for r in rows) > len(rows):
            for k in range(i, j):
                lines[k] = "\t".join(_ideo_cells(lines[k]))
        i = max(j, i + 1)
    return lines


def ideographic_tables_to_tabs(text: str) -> str:
    """Rows of a table typed with single ideographic spaces between cells, as tab-separated rows."""
    if "\u3000" not in text:
        return text
    if "号\u3000" not in text:  # no 序号 header typed so: only the plain tables
        return "\n".join(_plain_ideographic_tables(text.split("\n")))
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not _IDEO_HEADER.match(lines[i]):
            i += 1
            continue
        width = len(lines[i].strip().split("\u3000"))
        j = i + 1
        while j < len(lines) and _IDEO_ROW.match(lines[j]) and len(lines[j].strip().split("\u3000")) == width:
            j += 1
        if j - i - 1 >= _IDEO_MIN_ROWS:
            for k in range(i, j):
                lines[k] = "\t".join(lines[k].strip().split("\u3000"))
            if j < len(lines) and _IDEO_TOTAL.match(lines[j]):  # 合计 under the rows: figures right-aligned
                cells = lines[j].strip(" \t\u3000").split("\u3000")  # 合计　　1011300: an empty cell kept
                if len(cells) <= width:
                    lines[j] = "\t".join([cells[0]] + [""] * (width - len(cells)) + cells[1:])
                    j += 1
        i = max(j, i + 1)
    return "\n".join(_plain_ideographic_tables(lines))  # the numbered tables are tabbed already


# The same table aligned with RUNS of ideographic spaces whose widths vary row by row (one where a
# cell is wide: `１０　调楼镇`, `４０５６００　３８５３００`): every run is a cell gap, except between
# single characters, a short header or label spread to the column's width (`镇　　名`, `序　号`,
# `合　计`), which are one cell. Kept as tabs where a 序号 header and every numbered row under it
# then hold the same cells; otherwise fold_width and aligned_tables_to_tabs read the table.
_IDEO_RUN_HEADER = std_re.compile(r"^[ \t\u3000]*(?:序\u3000*号|编\u3000*号)\u3000+\S")
_IDEO_RUN_ROW = std_re.compile(r"^[ \t\u3000]*\d{1,3}\u3000+\S")
_IDEO_RUN_TOTAL = std_re.compile(r"^[ \t\u3000]*(?:合|总|小)\u3000*计\u3000+\S")
_IDEO_RUN_GAP = std_re.compile(r"\u3000+")
_ONE_HAN = re.compile(r"^\p{Han}$")


def _ideo_run_cells(line: str) -> list[str]:
    """Cells of a line aligned with ideographic-space runs, letter-spaced words joined: a run of
    single characters reads as two-character words (`序　　号　　单　　位`: 序号, 单位), an odd run
    as one word (`合　　计` and `户　籍　数` alike)."""
    cells: list[str] = []
    run: list[str] = []

    def close() -> None:
        if len(run) % 2 == 0:
            cells.extend("".join(run[k:k + 2]) for k in range(0, len(run), 2))
        else:
            cells.append("".join(run))
        run.clear()

    for cell in _IDEO_RUN_GAP.split(line.strip(" \t\u3000")):
        if _ONE_HAN.match(cell):
            run.append(cell)
            continue
        if run:
            close()
        cells.append(cell)
    if run:
        close()
    return cells


def ideographic_run_tables_to_tabs(text: str) -> str:
    """Rows of a table aligned with runs of ideographic spaces of varying width, as tab rows."""
    if "号\u3000" not in text:
        return text
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not _IDEO_RUN_HEADER.match(lines[i]) or "\u3000\u3000" not in lines[i]:
            i += 1
            continue
        header = _ideo_run_cells(lines[i])
        width = len(header)
        j = i + 1
        while j < len(lines) and _IDEO_RUN_ROW.match(lines[j]):
            j += 1
        rows = [_ideo_run_cells(lines[k]) for k in range(i + 1, j)]
        if width >= 3 and len(rows) >= _IDEO_MIN_ROWS and all(len(r) == width for r in rows):
            lines[i] = "\t".join(header)
            for k, cells in zip(range(i + 1, j), rows):
                lines[k] = "\t".join(cells)
            if j < len(lines) and _IDEO_RUN_TOTAL.match(lines[j]):
                cells = _ideo_run_cells(lines[j])
                if len(cells) <= width:  # 合计 under the rows: figures right-aligned
                    lines[j] = "\t".join([cells[0]] + [""] * (width - len(cells)) + cells[1:])
                    j += 1
        i = max(j, i + 1)
    return "\n".join(lines)


def fold_width(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # an ideographic space is two columns wide: a run of them is a column gap (a table aligned
    # with full-width spaces), kept as wide as it looks; one alone (王　磊, 组　长) stays one space
    if "\u3000\u3000" in text:
        text = text.replace("\u3000\u3000", "    ")
    # str.translate walks a dict per character; a notice holds ten or so distinct wide
    # characters, so one C-level replace per character present is several times faster. They
    # are found by one `re` scan of their class (frozenset.intersection(text) costs 4x more).
    for ch in set(_WIDE_RE.findall(text)):
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


# A web page saved as text with its HTML half stripped: tags and entities left in the words.
_HTML_TAG = std_re.compile(
    r"<(?P<close>/?)(?P<tag>br|p|div|li|tr|td|th|h[1-6]|table|tbody|thead|ul|ol|section|article|center"
    r"|span|strong|b|em|i|u|font|a|img|sup|sub)(?:\s[^<>\n]{0,300})?\s*/?>", std_re.I)
_HTML_CELL_TAGS = frozenset(("td", "th"))
_HTML_INLINE_TAGS = frozenset(("span", "strong", "b", "em", "i", "u", "font", "a", "img", "sup", "sub"))
_HTML_ENTITY = std_re.compile(r"&(nbsp|ensp|emsp|thinsp|gt|quot|ldquo|rdquo|lsquo|rsquo|mdash|ndash|hellip|middot|times|bull);")
_ENTITY_CHARS = dict(nbsp=" ", ensp=" ", emsp=" ", thinsp=" ", gt=">", quot='"', ldquo="“", rdquo="”", lsquo="‘",
                     rsquo="’", mdash="—", ndash="–", hellip="…", middot="·", times="×", bull="•")
_HTML_PASSES = 3  # a tag rebuilt by removing one inside it (<<b>br>) is removed again, this often


def _html_tag(m) -> str:
    tag = m.group("tag").lower()
    if tag in _HTML_INLINE_TAGS:
        return ""
    return "\t" if tag in _HTML_CELL_TAGS and not m.group("close") else "\n"


def strip_html(text: str) -> str:
    """`&nbsp;&nbsp;各乡镇人民政府…<br>` / `<p style="…">巫溪县人民政府办公室</p>` -> the words: block tags
    end a line, cell tags separate cells, inline tags and the common entities go."""
    if "&" in text:
        text = _HTML_ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text)
    for _ in range(_HTML_PASSES):
        if "<" not in text:
            break
        text, n = _HTML_TAG.subn(_html_tag, text)
        if not n:
            break
    return text


def strip_markup(text: str) -> str:
    if "<" in text or "&" in text:
        text = strip_html(text)
    if "|" in text:
        text = "\n".join(l for l in map(_pipe_table_to_tabs, text.split("\n")) if l is not None)
    # each pattern needs a character most notices lack: tested with `in` before the scan
    if "#" in text:
        text = _MD_HEADING.sub("", text)
    if "-" in text or "*" in text or "+" in text:
        text = _MD_BULLET.sub("", text)
    if "**" in text or "__" in text:
        text = _MD_EMPH.sub(lambda m: m.group(1) or m.group(2), text)
    return _MD_STRAY_STARS.sub("", text) if "**" in text else text


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


def join_spaced_areas(lines: list[str]) -> list[str]:
    """`3 坊 前镇 56930 55790` under `序号 乡镇 户籍人口 参保任务`: an OCR space inside the area name
    of a space-typeset row. Joined only where the row then has the header's width, its figures
    filling every column after the area (a row of two text columns is left as it is)."""
    out, width = list(lines), 0
    for i, line in enumerate(lines):
        if _SPACED_HEADER.match(line):
            width = len(line.split())
            continue
        if not width or not line.strip():
            continue
        if not line.lstrip()[:1].isdigit():
            width = 0  # the table has ended (合计 too: its label is no area)
            continue
        if _SPACED_ROW.match(line):
            continue
        m = _SPACED_AREA_ROW.match(line)
        if m and len(m.group("nums").split()) == width - 2:
            out[i] = f"{m.group('seq')} {_HAN_SPACE.sub('', m.group('area'))} {m.group('nums')}"
    return out


_SPACED_AREA_ROW = re.compile(r"^\s*(?P<seq>\d{1,3})[ ]+(?P<area>\p{Han}+(?:[ ]\p{Han}+)+)[ ]+(?P<nums>[\d,]+(?:[ ]+[\d,]+)*)\s*$")
_SPACED_HEADER_START = std_re.compile(r"(?m)^[ \t]*序[ ]*号[ ]+[^\s\d]")
_HAN_SPACE = re.compile(r"(?<=\p{Han})[ ](?=\p{Han})")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_WIDE_SPACES = re.compile(r"[ \u2002\u2003\u2009]+")
_SPACE_RUN = std_re.compile(r"  +")
_EDGE_SPACES = re.compile(r"(?m)^[ ]+|[ \t]+$|[ ]+(?=\t)|(?<=\t)[ ]+")
_CONTROL = std_re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # code-point ranges: the stdlib scans them faster


# Tables laid out in columns (`pdftotext -layout`, a typed table): cells apart by 3+ spaces.
_COLUMN_GAP = re.compile(r"(?<=\S)[ ]{3,}(?=\S)")
_CELL = re.compile(r"\S+(?:[ ]{1,2}\S+)*")
_WORD = re.compile(r"\S+")
_MIN_ALIGNED_ROWS = 3  # a header and two rows at least
# a cell wrapped onto a line of its own, indented to its column (`           事实无人抚养儿童`)
_WRAPPED_CELL = re.compile(r"^[ ]{3,}\S+(?:[ ]{1,2}\S+)*[ ]*$")


def _aligned_rows(text: str) -> int:
    """How many lines hold two column gaps, or one in a run of such lines (a two-column table):
    only lines with a triple space are looked at."""
    n, i, ones, last_end = 0, text.find("   "), 0, -2
    while i != -1:
        start = text.rfind("\n", 0, i) + 1
        end = text.find("\n", i)
        end = len(text) if end == -1 else end
        gaps = len(_COLUMN_GAP.findall(text, start, end))
        if gaps >= 2:
            n += 1
        elif gaps == 1:
            ones = ones + 1 if start == last_end + 1 else 1
            if ones >= _MIN_ALIGNED_ROWS:
                return _MIN_ALIGNED_ROWS
        last_end = end
        i = text.find("   ", end)
    return n


def _display_col(line: str, i: int) -> int:
    """Display column of line[i]: Han and other wide characters take two columns."""
    prefix = line[:i]
    return 2 * len(prefix) - len(prefix.encode("ascii", "ignore"))


def aligned_tables_to_tabs(lines: list[str]) -> list[str]:
    """Runs of lines with two or more 3-space gaps (a header and its rows) become tab rows, each
    cell put in the header column it stands nearest to (an empty cell is only spaces there)."""
    gaps = [len(_COLUMN_GAP.findall(l)) if "\t" not in l else 0 for l in lines]
    out = list(lines)
    i = 0
    while i < len(lines):
        if gaps[i] == 1:
            # a two-column table (`参保人群　　个人缴费标准` over `学生儿童　　380`): lines of one gap
            # each, their second cells starting in about one display column
            j = i
            while j < len(lines) and gaps[j] == 1:
                j += 1
            ends = {_display_col(lines[k], _COLUMN_GAP.search(lines[k]).end()) for k in range(i, j)}
            # width folding (（ -> () may have moved a cell a few columns left
            if j - i >= _MIN_ALIGNED_ROWS and max(ends) - min(ends) <= 4:
                for k in range(i, j):
                    out[k] = _COLUMN_GAP.sub("\t", lines[k].strip(" "), count=1)
            i = max(j, i + 1)
            continue
        if gaps[i] < 2:
            i += 1
            continue
        # the run goes on over rows with one gap (合计 under empty cells), a cell wrapped onto a line
        # of its own and single blank lines
        j = i
        first_width = _display_col(lines[i], _COLUMN_GAP.search(lines[i]).end())
        while j < len(lines) and (gaps[j] >= 1 or (j > i and _WRAPPED_CELL.match(lines[j]))
                                  or (j > i and _lone_first_cell(lines, gaps, j, first_width))
                                  or (not lines[j].strip() and j + 1 < len(lines) and gaps[j + 1] >= 2)):
            j += 1
        rows = [k for k in range(i, j) if lines[k].strip()]
        # a run that starts on a numbered row has its header above, typed with single spaces
        # (`序号 乡(镇) 户数(户) 人口(人)`): cell columns cannot be taken from it, and a
        # two-space gap after the number is no cell edge; spaced_tables_to_tabs reads that table
        if len(rows) >= _MIN_ALIGNED_ROWS and not _SPACED_ROW.match(lines[rows[0]]):
            header = lines[rows[0]]
            starts = [_display_col(header, m.start()) for m in _CELL.finditer(header)]
            # `序号 乡镇` typed with one space over rows `1    会师镇`: where the rows hold more
            # cells than the header, each word of the header heads a column of its own
            words = [_display_col(header, m.start()) for m in _WORD.finditer(header)]
            by_word = len(words) > len(starts) and max(len(_CELL.findall(lines[k])) for k in rows) > len(starts)
            if by_word:
                starts = words
            # a header of two rows (`合计　其中` over `困难群体　其他人员` under 其中): rows holding
            # more cells than the header's first row set the columns, the header's cells go to
            # the nearest of them
            widest = max(rows[1:], key=lambda k: len(_CELL.findall(lines[k])))
            grid = [_display_col(lines[widest], m.start()) for m in _CELL.finditer(lines[widest])]
            if len(grid) > len(starts):
                starts = grid
            run = _fixed_run(lines, rows[1:], len(starts))
            for k in rows:
                cells = [""] * len(starts)
                pieces = [pw for m in (_WORD if by_word and k == rows[0] else _CELL).finditer(lines[k])
                          for pw in _label_and_figure(lines[k], m, starts)]
                if run and k != rows[0] and len(pieces) < len(starts):
                    pieces = _empty_cells_by_run(lines[k], pieces, run, len(starts))
                if len(pieces) == len(starts) and k != rows[0]:
                    # a row holding as many cells as there are columns fills them in order: cells
                    # set apart by a fixed run of spaces (`5    晁陂镇    38950`) drift off the
                    # header's positions as the names change width
                    cells = [word for _, word in pieces]
                    pieces = []
                for pos, word in pieces:
                    # the nearest header column: width folding (（ -> () may have moved a cell left
                    idx = min(range(len(starts)), key=lambda n: abs(starts[n] - pos))
                    cells[idx] = (cells[idx] + " " + word).strip()
                out[k] = "\t".join(cells).rstrip("\t") if k != rows[0] else "\t".join(cells)
        i = j
    return out


_LONE_CELL = re.compile(r"^\S+(?: \S+)?$")


def _lone_first_cell(lines: list[str], gaps: list[int], j: int, width: int) -> bool:
    """A row holding only its first cell, no wider than the first column (`孤儿` under `特困人员
    100%  400  0`, the figures merged over both rows): the table goes on, when a row with cells
    (or another such row) follows on the next line."""
    line = lines[j]
    if not _LONE_CELL.match(line) or _display_col(line, len(line)) >= width:
        return False
    k = j + 1
    while k < len(lines) and _LONE_CELL.match(lines[k]) and _display_col(lines[k], len(lines[k])) < width:
        k += 1
    return k < len(lines) and gaps[k] >= 1


def _fixed_run(lines: list[str], rows: list[int], width: int) -> int | None:
    """The run of spaces that sets the cells apart where rows are typed with a fixed run
    (`5　　晁陂镇　　38950`): the gap most rows holding every column use, if one gap is all they use."""
    gaps = [len(m.group()) for k in rows if len(_CELL.findall(lines[k])) == width
            for m in _COLUMN_GAP.finditer(lines[k].strip(" "))]
    if len(gaps) < 2 * (width - 1) or len(set(gaps)) != 1:
        return None
    return gaps[0]


def _empty_cells_by_run(line: str, pieces, run: int, width: int):
    """A row typed with a fixed run whose gap is twice the run (`合计　　　　120280　　113130`)
    leaves a cell empty there: the pieces with empty cells put in, when that gives every column."""
    cells = list(_CELL.finditer(line))
    if len(cells) != len(pieces):
        return pieces
    out = [pieces[0]]
    for a, b, piece in zip(cells, cells[1:], pieces[1:]):
        gap = b.start() - a.end()
        if gap % run:
            return pieces
        out += [(None, "")] * (gap // run - 1) + [piece]
    return out if len(out) == width else pieces


_LABEL_FIGURE = re.compile(r"(?<=\p{Han})[ ]{1,2}(?=[\d.,]+万?$)")


def _label_and_figure(line: str, m, starts: list[int]) -> list[tuple[int, str]]:
    """A cell as (display column, text) pieces: a row label one space from the figure after it
    (`其中：资助参保　2310`, the label as wide as its column) is two cells where the figure stands
    under a column of its own."""
    cell = m.group()
    gap = _LABEL_FIGURE.search(cell)
    if gap is None:
        return [(_display_col(line, m.start()), cell)]
    at, fig_at = _display_col(line, m.start()), _display_col(line, m.start() + gap.end())
    nearest = lambda pos: min(range(len(starts)), key=lambda n: abs(starts[n] - pos))
    if nearest(at) == nearest(fig_at):
        return [(at, cell)]
    return [(at, cell[:gap.start()]), (fig_at, cell[gap.end():])]


# A table a web page's cells were flattened from, one cell per line: `序号` alone on its line,
# the other header cells each on the next lines, then the rows cell by cell.
_FLAT_SEQ = std_re.compile(r"^(?:序号|编号)$")
_FLAT_NUMBER = std_re.compile(r"^\d[\d,]*(?:\.\d+)?万?$")
_FLAT_TOTAL = std_re.compile(r"^(?:合计|总计|全县合计)$")
_FLAT_MAX_CELL = 30
_FLAT_MAX_COLUMNS = 10
_FLAT_MAX_LINES = 1000  # lines looked at for one table (60 rows of 10 cells and their gaps; a bound)


def flattened_tables_to_tabs(text: str) -> str:
    """Rebuild tab rows of a table flattened one cell per line (序号 / 乡镇 / 户籍人口(人) / … then
    `1` / 新政镇 / 186520 / …): the header is `序号` and the short lines after it up to the first
    row's `1`; each row is a sequence number and as many cells; a 合计 row holds its label and
    the figures after it (right-aligned: its area cell is merged away)."""
    if "序号\n" not in text and "编号\n" not in text:
        return text
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        rows = _flattened_at(lines, i) if _FLAT_SEQ.match(lines[i]) else None
        if rows is None:
            out.append(lines[i])
            i += 1
            continue
        table, i = rows
        out += ["\t".join(r) for r in table]
    return "\n".join(out)


def _flattened_at(lines: list[str], i: int):
    """(rows, index after the table) of a flattened table whose header starts at line i, or None.
    A blank line between cells (a page break dropped, a CMS paragraph per cell) is looked past."""
    at = [j for j in range(i, min(len(lines), i + _FLAT_MAX_LINES)) if lines[j].strip()]
    def cell(n):
        s = lines[at[n]].strip() if n < len(at) else ""
        return s if s and "\t" not in s and "。" not in s and len(s) <= _FLAT_MAX_CELL else None
    header, n = [cell(0)], 1
    while (c := cell(n)) and c != "1" and not _FLAT_NUMBER.match(c) and len(header) < _FLAT_MAX_COLUMNS:
        header.append(c)
        n += 1
    k = len(header)
    if k < 3 or cell(n) != "1":
        return None
    rows, expected = [header], 1
    while n < len(at):
        first = cell(n)
        if first == str(expected):
            cells = [cell(n + m) for m in range(k)]
            if None in cells or not any(_FLAT_NUMBER.match(c) for c in cells[2:]):
                break
            rows.append(cells)
            n, expected = n + k, expected + 1
        elif first and _FLAT_TOTAL.match(first):
            nums = []
            while len(nums) < k - 1 and (c := cell(n + 1 + len(nums))) and _FLAT_NUMBER.match(c):
                nums.append(c)
            if not nums:
                break
            rows.append([first] + [""] * (k - 1 - len(nums)) + nums)
            n += 1 + len(nums)
            break
        else:
            break
    if len(rows) < 3:
        return None
    return rows, (at[n - 1] + 1)


def tidy_spaces(text: str) -> str:
    """Space rules applied to the whole text at once; they only ever remove spaces, never tabs or newlines."""
    raw_lines = text.split("\n")
    if _aligned_rows(text) >= _MIN_ALIGNED_ROWS:
        raw_lines = aligned_tables_to_tabs(raw_lines)
        text = "\n".join(raw_lines)
    if ("序号 " in text or "序 号" in text) and _SPACED_HEADER_START.search(text):  # OCR spaces inside the area names of space-typeset rows
        raw_lines = join_spaced_areas(raw_lines)
    if sum(1 for l in raw_lines if " " in l and _SPACED_ROW.match(l)) >= 2:  # a spaced row has a space
        text = "\n".join(spaced_tables_to_tabs(raw_lines))
    if "\u2002" in text or "\u2003" in text or "\u2009" in text:
        text = _WIDE_SPACES.sub(" ", text)
    else:  # plain spaces only: the runs of two or more are what changes (one space stays itself)
        text = _SPACE_RUN.sub(" ", text)
    for pat in (_SPACE_IN_NUMBER, _SPACE_DIGIT_HAN, _SPACE_PUNCT, _SPACE_BRACKET, _SPACE_IN_CN_DATE):
        text = pat.sub("", text)
    return _EDGE_SPACES.sub("", text)


def join_broken_lines(text: str) -> str:
    """Join `...参保范\n\n围的城乡居民` (a page break) but keep headings and paragraphs apart.

    In a hard-wrapped text (pdftotext, OCR: most long lines share one width) a line of that
    width is cut wherever it ends, even on 局 or 单 (`县人力资源和社\n会保障局`); a line that
    starts with punctuation (`、县乡村振兴局`, `;县教育局`) or goes on with the digits of a number
    the line above ends with (`…20\n23年8月25日印发`) always continues it.

    Linear in the text: the look-ahead stops after the few blank lines a page break leaves, and
    a paragraph joined from many lines is built once from its pieces; whether it still looks cut
    depends only on its end (`_open_end` of a short tail), never on rescanning the whole line."""
    lines = text.split("\n")
    wrap = _wrap_width(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        tail = lines[i].rstrip()[-_TAIL:]
        if not tail or tail[-1] in _STOPS or "\t" in lines[i]:  # most lines: nothing can join them
            out.append(lines[i])
            i += 1
            continue
        pieces = [lines[i]]
        piece = lines[i]  # the last original line of the line being built
        size = len(lines[i].strip())
        cut = _looks_cut(lines[i])
        tabbed = "\t" in lines[i]
        while True:
            j = i + 1
            while j < len(lines) and j - i <= 4 and not lines[j].strip():
                j += 1
            if not (j < len(lines) and j - i <= 4) or tabbed:
                break
            end, nxt = tail[-1:], lines[j]
            if not (end and end not in _STOPS  # most lines end a sentence: done
                    # a wrapped line runs on into the next line, never across a blank one
                    and (cut or (wrap and j == i + 1 and _wrapped(piece, wrap))
                         or _split_token(end, nxt.lstrip()[:1])
                         or (j == i + 1 and _splits_term(tail, nxt.lstrip())))
                    and _continues(nxt)
                    # a number alone on its line (a table's cell, one per line) joins nothing and
                    # nothing joins it: stable whatever the lines around it became
                    and not (nxt.lstrip()[:1].isdigit() and _bare_number(nxt))
                    and not (len(pieces) == 1 and piece.lstrip()[:1].isdigit() and _bare_number(piece))
                    # `附件2` alone is complete: a title opening with its year (`2025年度…表`) is
                    # no digit run going on
                    and not (len(pieces) == 1 and _ATTACHMENT_LABEL.match(piece.strip()))):
                break
            piece, add = nxt, nxt.lstrip()
            pieces.append(add)
            tail = (tail + add.rstrip())[-_TAIL:]
            size += len(add.strip())
            # a joined line of some length has no tab (neither piece had one): only its end
            # decides whether it is still cut; a short one is looked at whole (it is short)
            cut = _open_end(tail) if size >= _MIN_BROKEN_LINE else _looks_cut("".join(pieces))
            i = j
        out.append("".join(pieces))
        i += 1
    return "\n".join(out)


_TAIL = 16  # longer than any _TITLE_END ending (a `\d+号` matched on 15 digits matches on 1 too)


def _open_end(s: str) -> bool:
    """`s` (stripped, not empty) ends neither a sentence nor a title, office name or date."""
    return s[-1] not in _SENTENCE_END and not _TITLE_END.search(s[-_TAIL:])


_WRAP_MIN = 12  # characters: shorter lines are headings, never used to guess the page width
_WRAP_SLACK = 3  # a wrapped line is at most this much shorter than the page (a wide char moved down)
_CONTINUATION_PUNCT = "、,，;；:：)）》」”%"
_STOPS = "。！？!?"


def _wrap_width(lines: list[str]) -> int | None:
    """The page width of a hard-wrapped text, in characters: the median length of its long lines,
    when most of them lie within a few characters of it (one paragraph per line gives lengths all
    over). A line with figures holds more characters than the page's Han width: never fewer."""
    # table rows (tab cells) have widths of their own, not the page's
    widths = sorted(len(l) for l in lines if len(l) >= _WRAP_MIN and "\t" not in l)
    if len(widths) < 8:
        return None
    median = widths[len(widths) // 2]
    near = sum(1 for w in widths if abs(w - median) <= _WRAP_SLACK)
    return median if near * 2 >= len(widths) else None


# Lines that end where they end even at the page width: a title, a 文号, a date, an office line.
_WRAP_KEEP = re.compile(r"(?:通知|决定|意见|办法|方案|细则|公告|通告|通报|报告|函|\d+号|\d+日|印发)$")


def _wrapped(piece: str, wrap: int | None) -> bool:
    s = piece.strip()
    return (bool(wrap) and bool(s) and "\t" not in s and s[-1] not in _STOPS and len(s) >= wrap - _WRAP_SLACK
            and not _WRAP_KEEP.search(s) and not _STANDALONE.match(s.replace(" ", "")))


_MIN_TERM = 4  # shorter words (孤儿, 低保) end lines of headings and tables too often


@functools.cache
def _term_rests() -> tuple[dict[str, tuple[str, ...]], int]:
    """head -> the rests that complete it into a term, for every cut of every unbroken term."""
    terms = set(vocab.terms("structure_terms.yaml", "unbroken_terms"))
    for c in vocab.terms("categories.yaml", "categories"):
        terms |= {c["name"], *c.get("aliases", [])}
    rests: dict[str, set] = {}
    for t in terms:
        if len(t) < _MIN_TERM or not all("\u4e00" <= ch <= "\u9fff" for ch in t):
            continue
        for k in range(1, len(t)):
            rests.setdefault(t[:k], set()).add(t[k:])
    return {h: tuple(r) for h, r in rests.items()}, max(map(len, rests), default=0)


def _splits_term(tail: str, start: str) -> bool:
    """The line ends inside a term the next line completes (`防止返贫监` / `测对象`): OCR cut it."""
    rests, longest = _term_rests()
    for n in range(1, min(longest, len(tail)) + 1):
        for rest in rests.get(tail[-n:], ()):
            if start.startswith(rest):
                return True
    return False


def _split_token(end: str, start: str) -> bool:
    """The next line opens with punctuation (`、县乡村振兴局`), or a number goes on (`…20` / `23年`)."""
    return start in _CONTINUATION_PUNCT or (end.isdigit() and start.isdigit())


def _bare_number(line: str) -> bool:
    """A line that is a number alone (`186520`, `3,100`, `1.2万`): a cell of a table flattened one
    cell per line, never the end of a number split over a line end."""
    return bool(_FLAT_NUMBER.match(line.strip()))


def _looks_cut(line: str) -> bool:
    s = line.strip()
    n = len(s)
    return (
        (n >= _MIN_BROKEN_LINE or n >= _MIN_OPEN_LINE and _cannot_end(s))
        and "\t" not in s
        and s[-1] not in _SENTENCE_END
        and not _TITLE_END.search(s[-_TAIL:])
        and not _MEMBER_ROW.search(s)
        and not ((_ROLE_ROW.match(s) or _NAME_POST_ROW.match(s)) and not _cannot_end(s))
    )


def _cannot_end(s: str) -> bool:
    """A short line that cannot end where it does: its last character continues, or a bracket
    it opened is still open (so it is cut even under 18 characters)."""
    return s[-1] in _CONTINUING_END or s.count("(") + s.count("（") > s.count(")") + s.count("）")


def _continues(line: str) -> bool:
    s = line.strip()
    return bool(s) and "\t" not in s and not _BLOCK_START.match(s) and not _STANDALONE.match(s.replace(" ", ""))


# Page furniture a PDF's text layer leaves between pages: the folio, then the next page's running
# header (the issuing office or the title, repeated from the top of the notice).
_FOLIO = re.compile(r"^[ \t]*(?:[—–-]{1,2}[ \t]*\d{1,3}[ \t]*[—–-]{1,2}|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[/,，]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?)[ \t]*$")
_FOLIO_LINE = re.compile(_FOLIO.pattern, re.M)
_HEAD_CHARS = 600  # the running header repeats a line from this much of the top
_MIN_RUNNING_HEADER = 6


# A 落款 date alone on its line: the office line above it is the signature, not a running header.
_DATE_LINE = re.compile(r"^[ \t]*(?:\d{4}|[〇○零一二三四五六七八九]{4})[ \t]*年[ \t]*[\d〇○零一二三四五六七八九十]{1,3}[ \t]*月[ \t]*[\d〇○零一二三四五六七八九十]{1,3}[ \t]*日[ \t]*$")


def _signs(lines: list[str], folio: int, j: int) -> bool:
    """Whether line j, after the folio, is the 落款's office: a date alone comes next, it is no
    title (关于…), and it does not repeat the line before the folio (a page broken between the
    signing office and its date leaves the office above the folio)."""
    k = j + 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    if k >= len(lines) or not _DATE_LINE.match(lines[k]) or "关于" in lines[j]:
        return False
    p = folio - 1
    while p >= 0 and not lines[p].strip():
        p -= 1
    return p < 0 or lines[p].strip() != lines[j].strip()


def drop_page_furniture(text: str) -> str:
    """Drop folio lines (`— 2 —`, `第3页`) and the running header right after one, so a list or a
    落款 broken by a page reads on; the text is otherwise untouched."""
    first = _FOLIO_LINE.search(text)
    if not first:
        return text
    lines = text.split("\n")
    # the top of the notice before its first folio: a line after a folio repeats it only if it
    # stood there (in a short notice the top reaches past the folio, and would hold that line)
    head = re.sub(r"\s+", "", text[:min(_HEAD_CHARS, first.start())])
    out, i = [], 0
    while i < len(lines):
        if not _FOLIO.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        j = i + 1  # the running header: the next non-blank line, when it repeats the top
        while j < len(lines) and j - i <= 3 and not lines[j].strip():
            j += 1
        nxt = re.sub(r"\s+", "", lines[j]) if j < len(lines) else ""
        if len(nxt) >= _MIN_RUNNING_HEADER and nxt in head and "\t" not in lines[j] and not _signs(lines, i, j):
            i = j + 1
        else:
            i += 1
    return "\n".join(out)


def canonicalize(raw: str) -> str:
    """Decoded file text -> canonical text. Idempotent: canonicalize(canonicalize(x)) == canonicalize(x)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = _normalize(undouble(_CONTROL.sub("", text)))
    # a text that joining its wrapped lines leaves double-spaced (one paragraph a line, a blank
    # line after each) is read once more without its blank lines, so that a second pass has
    # nothing left to do
    undoubled = undouble(text)
    return _normalize(undoubled) if undoubled is not text else text


def _normalize(text: str) -> str:
    text = close_row_gaps(text)
    text = ideographic_tables_to_tabs(text)
    text = ideographic_run_tables_to_tabs(text)
    text = fold_width(text)
    text = strip_markup(text)
    text = tidy_spaces(text)
    text = drop_page_furniture(text)
    text = close_row_gaps(text)  # the gap a folio left between two rows of a table over two pages
    # runs of blank lines collapse before the join as well as after it: joining depends on the
    # gap, so a gap collapsed only afterwards is joined on a second pass (not idempotent)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    text = flattened_tables_to_tabs(text)  # after the folios went: a page break may cut the table
    text = join_broken_lines(text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip("\n ") + "\n" if text.strip() else ""
