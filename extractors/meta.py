"""Document metadata: title, 文号, issuer, policy year, 落款 and 印发 dates, cited documents.

The header of a scanned notice is where OCR does its worst (崞岚县 for 岢岚县), so the issuer is
read from the signature (落款) first and from the header only when there is none. The 文号 is the
one standing on its own line near the top; numbers inside parentheses after a 《title》 are
citations, collected separately from sentences that name their basis (根据/按照/依据…).
"""
from __future__ import annotations

import bisect

import regex as re

from noticeflow.extractors.context import Context
from noticeflow.extractors.dates import DAY, MONTH, YEAR, parse_date, parse_full_date_line, parse_int
from noticeflow.extractors.spans import evidence, first_from, keyword_windows, last_before, line_start
from noticeflow.schemas import CitedDocument, Day, Text, Year

# ---- 文号 ------------------------------------------------------------------------------------
OPEN = r"[〔\[(（【［﹝{｛]"
CLOSE = r"[〕\])）】］﹞}｝]"
DOC_NUMBER = rf"""
    (?P<prefix>\p{{Han}}{{1,12}})\s*          # 阳政办发 / 晋市医保发
    {OPEN}\s*(?P<year>\d{{4}})\s*{CLOSE}\s*    # 〔2023〕 [2023] (2023) 【2023】
    (?P<seq>\d{{1,4}})\s*号                    # 71号
"""
DOC_NUMBER_RE = re.compile(DOC_NUMBER, re.X)
PREFIX_CUT_RE = re.compile(r".*(?:办公室|人民政府|委员会|局|厅|文件|公开|发布)")  # office name glued to a 文号
HEADER_NUMBER_RE = re.compile(rf"^[ \t]*{DOC_NUMBER}", re.X | re.M)
# The bracketed year and sequence of a 文号: found first (cheap), the office prefix read back from it.
NUMBER_TAIL_RE = re.compile(rf"{OPEN}\s*\d{{4}}\s*{CLOSE}\s*\d{{1,4}}\s*号")
# The same read backwards (?r) from a 号, so only the few 号 of a notice are tried: its parts
# (bracket, blanks, digits) are disjoint classes, so each 号 ends at most one tail.
NUMBER_TAIL_BACK_RE = re.compile(rf"(?r){NUMBER_TAIL_RE.pattern}")
NUMBER_END = "号"
# The office prefix standing right before it, matched backwards from the bracket: the same
# leftmost start as searching r"\p{Han}{1,12}\s*$" forwards, without trying every position.
PREFIX_TAIL_RE = re.compile(r"(?r)\p{Han}{1,12}\s*")
SPACES_RE = re.compile(r"\s+")

# ---- title -----------------------------------------------------------------------------------
TITLE_RE = re.compile(
    r"""
    (?<!《[^》\n]{0,60})                     # not a cited title
    关于(?:[^\n。；;:：》]|《[^》\n]*》){2,90}?   # 关于做好…(may quote a 《document》)
    (?:\n[ \t]*\n?[ \t]*(?:[^\n。；;:：]){1,60}?){0,3}?   # continued on up to 3 more lines
    的?(?:通知|决定|意见|实施方案|工作方案|方案|办法|通告|公告)(?=\s*$|\s*\n)
    """,
    re.X | re.M,
)

# ---- issuer ----------------------------------------------------------------------------------
ORG = r"\p{Han}[\p{Han}()]{1,40}?(?:办公室|人民政府|政府办|委员会|医疗保障局|局|厅|办事处|管委会|中心|领导小组)"
ORG_LINE_RE = re.compile(rf"^[ \t]*(?P<org>{ORG}(?:[ \t]+{ORG})*)[ \t]*(?:文件)?[ \t]*$")
ORG_PREFIX_RE = re.compile(rf"(?P<org>{ORG})[ \t]*(?=关于)")
# 落款 written on one line: '县医疗保障局 2023年9月1日'
INLINE_SIGNATURE_RE = re.compile(rf"^[ \t]*(?P<org>{ORG}(?:[ \t]+{ORG})*)[ \t]*(?P<date>[\d〇○零一二三四五六七八九][^ \t\n]*日)[ \t]*$")
SEAL_RE = re.compile(r"[(（]?(?:盖章|印章|章)[)）]?\s*$")  # '(盖章)' under the office name

# ---- dates under the signature / 印发 ---------------------------------------------------------
PRINT_RE = re.compile(rf"(?P<date>{YEAR}\s*年\s*{MONTH}\s*月\s*{DAY}\s*日)\s*(?:印发|印制)", re.M)
PRINT_WORDS, PRINT_BEFORE = ("印发", "印制"), 24
SIGNATURE_WINDOW = 4
DATE_END = "日"  # a 落款 line ends on its date's 日
HEADER_LINES = 5  # the issuing office is named in the first few lines (after 索引号/公开方式 lines)  # non-blank lines looked at above the date for the signing office

# ---- policy year -----------------------------------------------------------------------------
POLICY_YEAR_RE = re.compile(rf"(?P<year>{YEAR})\s*年度")
# The same matched backwards from a 年度 (a year is 4 digits or 4 numerals right before it,
# so this finds exactly the forward matches, one per 年度, without scanning each window).
POLICY_YEAR_BACK_RE = re.compile(rf"(?r){POLICY_YEAR_RE.pattern}")
TITLE_YEAR_RE = re.compile(rf"(?P<year>{YEAR})\s*年(?:城乡|居民|全县|全市|基本|医疗|医保)")
YEAR_WORD, YEAR_BEFORE = "年度", 12  # a policy year is written right before 年度

# ---- citations -------------------------------------------------------------------------------
BASIS_WORDS = ("根据", "按照", "依据", "依照", "遵照", "贯彻落实", "贯彻", "落实")  # earlier wins at one place
CITED_TITLE_RE = re.compile(
    rf"""
      《(?P<title>[^《》\n]{{1,200}})》\s*          # 《关于…的通知》
      (?:{OPEN}\s*(?P<num1>{DOC_NUMBER})\s*{CLOSE})?   # (晋医保发〔2023〕13号)
    """,
    re.X,
)
# a bare number is DOC_NUMBER_RE: 晋医保发〔2023〕13号文件
# Where a basis phrase ends: its closing word, a sentence end, or text that is no longer a citation.
BASIS_END_RE = re.compile(r"精神|规定|要求|部署|安排|等文件|文件|[。；;:\n]")
BASIS_END_LONGEST = 3
BASIS_MAX = 700
OPEN_TITLE_RE = re.compile("《")


def normalize_doc_number(s: str) -> str | None:
    """'晋市医保发[2023] 10号' -> '晋市医保发〔2023〕10号'."""
    m = DOC_NUMBER_RE.search(s or "")
    if not m:
        return None
    prefix = SPACES_RE.sub("", m.group("prefix"))
    return f"{prefix}〔{m.group('year')}〕{int(m.group('seq'))}号"


def squeeze(s: str) -> str:
    return SPACES_RE.sub("", s)


def tidy_org(s: str) -> str:
    """Offices of a joint notice stay apart by one space: '县医疗保障局 县财政局'."""
    return SPACES_RE.sub(" ", s.strip())


# ---- find_* ----------------------------------------------------------------------------------
def find_title(text: str):
    """The first 关于…的通知 heading that is not inside a 《citation》; (value, start, end) or None."""
    m = TITLE_RE.search(text)
    return (squeeze(m.group()), m.start(), m.end()) if m else None


def find_doc_number(text: str, title_start: int | None, title_end: int | None):
    """The 文号 starting a line of the header (above the title or just under it); failing that,
    the first number before the title that is not in parentheses, cut after the office's name
    (a long header line can get joined to the number: '…税务局新医保〔2023〕9号')."""
    limit = (title_end + 200) if title_end is not None else max(400, len(text) // 4)
    m = HEADER_NUMBER_RE.search(text, 0, min(limit, len(text)))
    if m:
        return normalize_doc_number(m.group()), m.start(), m.end()
    for m in DOC_NUMBER_RE.finditer(text, 0, title_start or 0):
        if text[max(0, m.start() - 1):m.start()] in ("(", "（", "《"):
            continue
        cut = PREFIX_CUT_RE.match(m.group("prefix"))
        start = m.start() + (cut.end() if cut else 0)
        if start < m.start("year") - 1:
            return normalize_doc_number(text[start:m.end()]), start, m.end()
    return None


def _lines_holding(text: str, char: str):
    """(start, line) of every line holding `char`, in order: found from its few occurrences
    instead of walking every line of the notice."""
    i = text.find(char)
    while i != -1:
        start = text.rfind("\n", 0, i) + 1
        end = text.find("\n", i)
        if end == -1:
            end = len(text)
        yield start, text[start:end]
        i = text.find(char, end)


def _lines_above(text: str, start: int, n: int) -> list[tuple[int, str]]:
    """(start, line) of the `n` lines above the line starting at `start`, top to bottom."""
    out = []
    end = start - 1
    while end >= 0 and len(out) < n:
        s = text.rfind("\n", 0, end) + 1
        out.append((s, text[s:end]))
        end = s - 1
    return out[::-1]


def _lines_from_top(text: str):
    """(start, line) of each line from the top, read lazily: the header is a few lines."""
    pos = 0
    while True:
        end = text.find("\n", pos)
        if end == -1:
            yield pos, text[pos:]
            return
        yield pos, text[pos:end]
        pos = end + 1


def find_signature(text: str):
    """The 落款: a full-date line (not …印发) under an office name. -> (issuer span, date span) parts."""
    for pos, line in _lines_holding(text, DATE_END):
        if not line.rstrip().endswith(DATE_END):  # both shapes end on the date's 日
            continue
        date = parse_full_date_line(line)
        if not date:
            inline = INLINE_SIGNATURE_RE.match(line)
            if inline and parse_full_date_line(inline.group("date")):
                o, d = inline.span("org"), inline.span("date")
                return (tidy_org(inline.group("org")), pos + o[0], pos + o[1]), (parse_full_date_line(inline.group("date")), pos + d[0], pos + d[1])
            continue
        above = [(p, ln) for p, ln in _lines_above(text, pos, SIGNATURE_WINDOW) if ln.strip()]
        if not above:
            continue
        p, ln = above[-1]
        m = ORG_LINE_RE.match(ln)
        if not m and SEAL_RE.search(ln) and len(above) > 1:
            p, ln = above[-2]
            m = ORG_LINE_RE.match(ln)
        if not m:
            continue
        s, e = m.span("org")
        d0 = pos + len(line) - len(line.lstrip())
        return (tidy_org(m.group("org")), p + s, p + e), (date, d0, pos + len(line.rstrip()))
    return None


def find_header_issuer(text: str, title_span):
    """The office named at the top (first line, 'XX文件' stripped), else the prefix of the title line."""
    limit = title_span[1] if title_span else len(text) // 4
    seen = 0
    for pos, line in _lines_from_top(text):
        if pos >= limit or seen >= HEADER_LINES:
            break
        if not line.strip():
            continue
        seen += 1
        m = ORG_LINE_RE.match(line)
        if m:
            s, e = m.span("org")
            return tidy_org(m.group("org")), pos + s, pos + e
    if title_span:
        start = text.rfind("\n", 0, title_span[1]) + 1
        m = ORG_PREFIX_RE.match(text, start)
        if m:
            return tidy_org(m.group("org")), m.start("org"), m.end("org")
    return None


def find_print_date(text: str, default_year: int | None):
    """The '…年…月…日印发' line; (iso, start, end) or None."""
    for lo, hi in keyword_windows(text, PRINT_WORDS, PRINT_BEFORE, 0):
        for m in PRINT_RE.finditer(text, lo, hi):
            value = parse_date(m.group("date"), default_year)
            if value:
                return value, m.start(), m.end()
    return None


def _bracketed(text: str, pos: int) -> bool:
    """Whether `pos` is inside a 《title》 or a (parenthesis) on one line, where years are
    those of cited documents, not of this notice. (Searches stop at the nearest bound: the
    last 》 for 《, the line for parentheses.)"""
    # the bounds come from indexes of the characters (spans.positions): searching the text for
    # them from every year is quadratic in a long line
    closed = last_before(text, "》", pos)
    if first_from(text, "《", closed + 1, pos) != -1 and first_from(text, "》", pos) != -1:
        return True
    start = line_start(text, pos)
    opened = last_before(text, "(", pos, start - 1)
    if opened != -1 and first_from(text, ")", opened, pos) == -1:
        eol = first_from(text, "\n", pos)
        return first_from(text, ")", pos, len(text) if eol == -1 else eol) != -1
    return False


def find_policy_year(text: str, title):
    """The 年度 most often stated (title counts double), ignoring years inside 《》 and (…)."""
    counts: dict[int, int] = {}
    first: dict[int, tuple[int, int]] = {}
    for lo, hi in keyword_windows(text, (YEAR_WORD,), YEAR_BEFORE, 0):
        i = text.find(YEAR_WORD, lo, hi)
        while i != -1:  # each 年度 of the window, its year read backwards from it
            m = POLICY_YEAR_BACK_RE.match(text, lo, i + len(YEAR_WORD))
            i = text.find(YEAR_WORD, i + 1, hi)
            if not m:
                continue
            y = parse_int(m.group("year"))
            if not y or not 1990 <= y <= 2100 or _bracketed(text, m.start()):
                continue
            counts[y] = counts.get(y, 0) + 1
            first.setdefault(y, m.span())
    if title:
        for m in POLICY_YEAR_RE.finditer(text, title[1], title[2]):
            y = parse_int(m.group("year"))
            if y and 1990 <= y <= 2100:
                counts[y] = counts.get(y, 0) + 2
                first[y] = m.span()
    if counts:
        year = max(counts, key=lambda y: (counts[y], y))
        return year, *first[year]
    if title:  # no 年度 anywhere: 关于做好2024年城乡居民… in the title
        m = TITLE_YEAR_RE.search(text, title[1], title[2])
        if m:
            return parse_int(m.group("year")), m.start(), m.end()
    return None


def find_number_tails(text: str) -> list[int]:
    """Where each 〔year〕seq号 of the text starts (the NUMBER_TAIL_RE matches), in order."""
    out = []
    i = text.find(NUMBER_END)
    while i != -1:
        m = NUMBER_TAIL_BACK_RE.match(text, 0, i + 1)
        if m:
            out.append(m.start())
        i = text.find(NUMBER_END, i + 1)
    return out


def find_basis_ends(text: str) -> list[int]:
    """Where each basis word (根据, 按照…) ends, left to right, not overlapping: 贯彻落实 is one
    word, not 贯彻 then 落实."""
    found = []
    for rank, w in enumerate(BASIS_WORDS):
        i = text.find(w)
        while i != -1:
            found.append((i, rank, i + len(w)))
            i = text.find(w, i + 1)
    found.sort()
    out, end = [], 0
    for i, _, e in found:
        if i >= end:
            out.append(e)
            end = e
    return out


def _next_number(text: str, tails: list, pos: int, stop: int):
    """The first bare 文号 starting at or after `pos` and ending by `stop`, read back from the
    bracketed tails found once for the whole text; a match or None."""
    for i in range(bisect.bisect_left(tails, pos + 1), len(tails)):
        bracket = tails[i]
        if bracket >= stop:
            return None
        prefix = PREFIX_TAIL_RE.match(text, max(pos, bracket - 40), bracket)
        m = DOC_NUMBER_RE.match(text, prefix.start(), stop) if prefix else None
        if m:
            return m
    return None


def _next_title(text: str, opens: list, pos: int, stop: int):
    """The first 《title》(number) starting at or after `pos` and ending by `stop`, or None."""
    for i in range(bisect.bisect_left(opens, pos), len(opens)):
        if opens[i] >= stop:
            return None
        m = CITED_TITLE_RE.match(text, opens[i], stop)
        if m:
            return m
    return None


def find_citations(text: str) -> list[CitedDocument]:
    """Documents named as the basis: 根据/按照…《title》(number)[、《title》(number)…]精神/规定.
    The 《 and 〔year〕…号 positions are found once; each basis phrase walks them in order."""
    out: list[CitedDocument] = []
    seen: set = set()
    opens = [m.start() for m in OPEN_TITLE_RE.finditer(text)]
    tails = find_number_tails(text)
    if not opens and not tails:
        return out
    for trig_end in find_basis_ends(text):
        pos, stop = trig_end, min(len(text), trig_end + BASIS_MAX)
        while pos < stop:
            found = [m for m in (_next_title(text, opens, pos, stop), _next_number(text, tails, pos, stop)) if m]
            if not found:
                break
            tok = min(found, key=lambda m: m.start())
            end_m = BASIS_END_RE.search(text, pos, min(stop, tok.start() + BASIS_END_LONGEST))
            if end_m and end_m.start() < tok.start():
                break
            if tok.re is CITED_TITLE_RE:
                number, title = tok.group("num1"), tok.group("title")
            else:
                number, title = tok.group(), None
            normalized = normalize_doc_number(number) if number else None
            key = normalized if number else title
            if key not in seen:
                seen.add(key)
                out.append(CitedDocument(
                    doc_number=normalized,
                    title=title.strip() if title else None,
                    evidence=evidence(text, tok.start(), tok.end()),
                ))
            pos = tok.end()
    return out


# ---- extract ---------------------------------------------------------------------------------
def _text(value, start, end, text) -> Text | None:
    return Text(value=value, evidence=evidence(text, start, end)) if value else None


def extract(text: str, ctx: Context) -> dict:
    """Metadata of one notice; sets ctx.policy_year and ctx.issue_year for the date extractors."""
    text = text or ""
    title = find_title(text)
    number = find_doc_number(text, title[1] if title else None, title[2] if title else None)
    signature = find_signature(text)
    issuer = (signature[0] if signature else None) or find_header_issuer(text, title)
    year = find_policy_year(text, title)
    policy_year = Year(value=year[0], evidence=evidence(text, year[1], year[2])) if year else None
    if policy_year:
        ctx.policy_year = policy_year.value
    issue = signature[1] if signature and signature[1][0] else None
    default_year = (policy_year.value - 1) if policy_year else None
    printed = find_print_date(text, default_year)
    issue_date = Day(value=issue[0], evidence=evidence(text, issue[1], issue[2])) if issue else None
    print_date = Day(value=printed[0], evidence=evidence(text, printed[1], printed[2])) if printed else None
    dated = issue_date or print_date
    if dated:
        ctx.issue_year = int(dated.value[:4])
    return dict(
        title=_text(*title, text) if title else None,
        doc_number=_text(*number, text) if number and number[0] else None,
        issuer=_text(*issuer, text) if issuer else None,
        policy_year=policy_year,
        issue_date=issue_date,
        print_date=print_date,
        cited_documents=find_citations(text),
    )
