"""Document metadata: title, 文号, issuer and co-issuers, policy year, 落款 and 印发 dates, cited documents.

The issuer is the lead office: the first one named at the top (文头, or the office before 关于 in
the title line), whose 文号 the notice carries; the other offices of a joint notice (联合发文) are
`co_issuers`. The 落款 is the fallback, and the correction when OCR garbled the place in the header
(崞岚县 for the 岢岚县 of the signature: the header's place is no real division). Everything is read
through `extractors.squeeze` (OCR and letter-spacing spaces between Han removed: `关 于 做 好…`,
`琼医 保〔2020〕`) and mapped back, so evidence indexes the canonical text. The 文号 is the one
standing on its own line near the top (or glued after a web page's 发布时间 line); numbers inside
parentheses after a 《title》 are citations, collected from sentences that name their basis.
"""
from __future__ import annotations

import bisect
import functools

import regex as re

from noticeflow.extractors import vocab
from noticeflow.extractors.context import Context
from noticeflow.extractors.dates import DAY, MONTH, YEAR, parse_date, parse_full_date_line, parse_int
from noticeflow.extractors.nlp import form_names
from noticeflow.extractors.region import known_place
from noticeflow.extractors.spans import evidence, keyword_windows
from noticeflow.extractors.squeeze import squeeze as squeezed_view
from noticeflow.schemas import CitedDocument, Day, Text, Year

# ---- 文号 ------------------------------------------------------------------------------------
OPEN = r"[〔\[(（【［﹝{｛]"
CLOSE = r"[〕\])）】］﹞}｝]"
SPECK = r"[:：.·]"  # a speck OCR reads between the bracket and the number: [2025]：28号
DOC_NUMBER = rf"""
    (?P<prefix>\p{{Han}}{{1,12}})\s*          # 阳政办发 / 晋市医保发
    (?:{OPEN}{{0,2}}\s*(?P<year>\d{{4}})\s*{CLOSE}{SPECK}?\s*  # 〔2023〕 [2023] 【2023】; OCR: 〔 lost or read twice (〔[), a speck after 〕
      |{OPEN}(?P<year>(?:19|20)\d{{2}})(?=\d{{1,4}}号))     # OCR: 〕 lost (〔202435号): the year is the first four figures
    (?P<di>第)?\s*(?P<seq>\d{{1,4}})\s*号      # 71号 / 第12号
"""
DOC_NUMBER_RE = re.compile(DOC_NUMBER, re.X)
PREFIX_CUT_RE = re.compile(r".*(?:办公室|人民政府|委员会|局|厅|文件|公开|发布)")  # office name glued to a 文号
HEADER_NUMBER_RE = re.compile(rf"^[ \t]*{DOC_NUMBER}", re.X | re.M)
# A 通告/公告 numbered by its serial in the year, alone on a header line, no office prefix and no
# year bracket (`2025年第2号`, a tax office's 通告; `（2025年第2号）` in brackets): kept as written,
# spaces and the brackets dropped.
SERIAL_NUMBER_RE = re.compile(r"^[ \t]*[(（]?[ \t]*(?P<n>\d{4}[ \t]*年[ \t]*第[ \t]*\d{1,4}[ \t]*号)[ \t]*[)）]?[ \t]*$", re.M)
# The bracketed year and sequence of a 文号: found first (cheap), the office prefix read back from it.
NUMBER_TAIL_RE = re.compile(rf"(?:{OPEN}{{0,2}}\s*\d{{4}}\s*{CLOSE}{SPECK}?\s*|{OPEN}(?:19|20)\d{{2}}(?=\d{{1,4}}号))(?:第\s*)?\d{{1,4}}\s*号")
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
    的?(?:通知|决定|意见|实施方案|工作方案|方案|办法|通告|公告|{reports})(?=\s*$|\s*\n)
    """.replace("{reports}", vocab.alternation(vocab.terms("notice_terms.yaml", "notice")["report_endings"])),
    re.X | re.M,
)

# ---- issuer ----------------------------------------------------------------------------------
ORG = r"\p{Han}[\p{Han}()]{1,40}?(?:办公室|人民政府|政府办|委员会|医疗保障局|局|厅|办事处|管委会|中心|领导小组|联合会)"
ORG_LINE_RE = re.compile(rf"^[ \t]*(?P<org>{ORG}(?:[ \t]*{ORG})*)[ \t]*(?:文件)?[ \t]*$")
# Where the next office of a joint notice starts inside one line: 国家税务总局…, or the place
# the first office starts with (郧西县医疗保障局郧西县财政局 / 北京市怀柔区…北京市怀柔区…).
TAX_HEAD = "国家税务总局"
PLACE_HEAD_RE = re.compile(r"(?:国家税务总局)?(?P<place>\p{Han}{1,14}?[省市县区旗州盟])")
GREEDY_PLACE_RE = re.compile(r"\p{Han}{1,14}[县市区旗](?=\p{Han}{2})")
OFFICE_END_RE = re.compile(r"(?:办公室|人民政府|政府办|委员会|局|厅|办事处|管委会|中心|领导小组|联合会)$")
ORG_PREFIX_RE = re.compile(rf"(?P<org>{ORG})[ \t]*(?=关于)")
# 落款 written on one line: '县医疗保障局 2023年9月1日'
# A bulletin's issuing line names the compiling office and the date (`某市医疗保障局编  2025年11月20日`).
_COMPILED = vocab.alternation(vocab.terms("notice_terms.yaml", "meta")["compiler_words"])
INLINE_SIGNATURE_RE = re.compile(rf"^[ \t]*(?P<org>{ORG}(?:[ \t]+{ORG})*)[ \t]*(?:(?:{_COMPILED})[ \t]*)?(?P<date>[\d〇○零一二三四五六七八九][^ \t\n]*日)[ \t]*$")
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
BASIS_WORDS = ("根据", "按照", "依据", "依照", "遵照", "贯彻落实", "贯彻", "落实", "现将")  # earlier wins at one place
# 现将《…》转发给你们: a forwarded document is the basis; 现将《…方案》印发给你们 is the notice's own plan.
FORWARD_LEAD, FORWARD_VERB = "现将", "转发"
CITED_TITLE_RE = re.compile(
    rf"""
      《(?P<title>[^《》]{{1,200}})》{SPECK}?\s*    # 《关于…的通知》 (a wrap may break it; OCR: a speck after 》)
      (?:{OPEN}\s*(?P<num1>{DOC_NUMBER})\s*(?:[,，;；]\s*(?:以下|下称|简称)[^()（）《》\n]{{0,4}}《[^《》\n]{{1,20}}》)?\s*{CLOSE})?
                                                    # (晋医保发〔2023〕13号) / (…14号，以下简称《通知》)
    """,
    re.X,
)
# A notice amending another names it right after 对 and then says what changes (现对《…》(…19号)中
# …调整如下): the amended document is the basis of the amendment.
AMENDED_RE = re.compile(rf"""对\s*(?=《)(?P<cite>{CITED_TITLE_RE.pattern})[^。；;\n]{{0,80}}?
                           (?:(?:调整|修改|修订|补充|变更)(?:如下|为)|作(?:出)?如下(?:调整|修改|修订|补充|变更))""", re.X)
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
    return f"{prefix}〔{m.group('year')}〕{m.group('di') or ''}{int(m.group('seq'))}号"  # 第 kept as written


def squeeze(s: str) -> str:
    return SPACES_RE.sub("", s)


def tidy_org(s: str) -> str:
    """Offices of a joint notice stay apart by one space: '县医疗保障局 县财政局'."""
    return SPACES_RE.sub(" ", s.strip())


# ---- find_* ----------------------------------------------------------------------------------
def find_title(text: str):
    """The first 关于…的通知 heading that is not inside a 《citation》; (value, start, end) or None."""
    m = TITLE_RE.search(text)
    if not m:
        return None
    # `关于印发…工作方案` / `的通知`: a title wrapped before its last words ends on the next line
    # (a document type inside it, 方案, ends the first line as well)
    tail = TITLE_TAIL_RE.match(text, m.end())
    end = tail.end("tail") if tail else m.end()
    return squeeze(text[m.start():end]), m.start(), end


@functools.cache
def _page_terms() -> dict:
    return vocab.terms("notice_terms.yaml", "meta")


@functools.cache
def _interpretation_re():
    """`《…的通知》政策解读`, `关于《…》的解读`: the notice's title in 《》 and an ending of
    notice_terms.yaml's `interpretation_endings` (the words that make a page no notice)."""
    words = vocab.alternation(vocab.terms("notice_terms.yaml", "notice")["interpretation_endings"])
    # a page's 发布时间/来源 line may be joined to its heading in canonical text
    return re.compile(rf"^[ \t]*(?P<t>(?:关于)?《[^《》\n]{{4,150}}》[ \t]*(?:的)?(?:政策)?(?:{words}))"
                      rf"(?=[ \t]*(?:$|发布时间|发布日期|来源|信息来源))", re.M)


@functools.cache
def _labelled_issuer_re():
    labels = vocab.alternation(_page_terms()["issuer_labels"])
    return re.compile(rf"(?<!\p{{Han}})(?:{labels})[ \t]*[:：][ \t]*(?P<org>{ORG})(?=[ \t　【]|$)", re.M)


def find_page_title(text: str):
    """`《…的通知》政策解读`: the heading of a page explaining a notice; (value, start, end) or None."""
    m = _interpretation_re().search(text) if "》" in text else None
    return (squeeze(m["t"]), m.start("t"), m.end("t")) if m else None


def find_labelled_issuer(text: str):
    """`来源：五指山市医疗保障局` / `解读机关：…`: the office a page names as its source, or None."""
    m = _labelled_issuer_re().search(text)
    return (m["org"], m.start("org"), m.end("org")) if m else None


@functools.cache
def _public_title_re():
    t = vocab.terms("notice_terms.yaml", "notice")
    # a report's or a speech's heading is its title too (`某市医疗保障工作简报`, `在…推进会上的讲话`)
    words = vocab.alternation([*t["public_title_endings"], *t["report_endings"]])
    # the first line of the text, a title's length, no sentence inside it (nor a breadcrumb's >)
    return re.compile(rf"\A\s*(?P<t>[^\n。，,；;：:>›»|]{{4,60}}?(?:{words}))[ \t]*(?:\n|$)")


@functools.cache
def _headline_re():
    """An article's headline: the first line, a byline under it (`原创 <account>`, or the account and
    the post's date with its clock time, `2025年09月01日 08:30`)."""
    marks = vocab.alternation(_page_terms()["byline_marks"])
    # (a breadcrumb, `首页 > 通知公告`, is no headline)
    return re.compile(rf"\A\s*(?P<t>[^\n。，,；;：:>›»|]{{4,60}}?)[ \t]*\n(?:[ \t]*\n)*[ \t]*"
                      rf"(?:(?:{marks})[ \t]|[^\n]{{0,40}}?\d{{4}}年\d{{1,2}}月\d{{1,2}}日[ \t]*\d{{1,2}}:\d{{2}})")


def find_heading_title(text: str):
    """`辰溪县2027年度…政策问答`, `致全县城乡居民朋友的一封信`, `…缴费指南`: a document for residents
    titled without 关于…的通知, its title its first line; an article's headline over its byline
    (`速看！…缴费开始啦！` / `原创 某县医保 2025年09月01日 08:30`); (value, start, end) or None."""
    m = _public_title_re().match(text) or _headline_re().match(text)
    return (squeeze(m["t"]), m.start("t"), m.end("t")) if m else None


TITLE_TAIL_RE = re.compile(r"[ \t]*\n[ \t]*(?P<tail>的?(?:通知|决定|意见))[ \t]*(?=\n|$)")


def find_doc_number(text: str, title_start: int | None, title_end: int | None):
    """The 文号 starting a line of the header (above the title or just under it); failing that,
    the first number before the addressee or the first sentence that is not in parentheses, cut
    after the office's name (a long header line can get joined to the number: '…税务局新医保〔2023〕
    9号', a web page's '发布时间:… 【字体:大 中 小】紫府办函〔2024〕63号')."""
    limit = (title_end + 200) if title_end is not None else max(400, len(text) // 4)
    m = HEADER_NUMBER_RE.search(text, 0, min(limit, len(text)))
    if m:
        return normalize_doc_number(m.group()), m.start(), m.end()
    m = SERIAL_NUMBER_RE.search(text, 0, min(limit, len(text)))
    if m:
        return squeeze(m["n"]), m.start("n"), m.end("n")
    for m in DOC_NUMBER_RE.finditer(text, 0, header_end(text, title_end)):
        if text[max(0, m.start() - 1):m.start()] in ("(", "（", "《"):
            continue
        cut = PREFIX_CUT_RE.match(m.group("prefix"))
        start = m.start() + (cut.end() if cut else 0)
        if start < m.start("year") - 1:
            return normalize_doc_number(text[start:m.end()]), start, m.end()
    return None


ADDRESSEE_RE = re.compile(r"^[^\n。]{2,120}[:：][ \t]*$|。", re.M)


def header_end(text: str, title_end: int | None) -> int:
    """Where the header stops: the addressee line (主送…：) or the first sentence after the title."""
    if title_end is None:
        return 0
    m = ADDRESSEE_RE.search(text, title_end, min(len(text), title_end + 400))
    return text.rfind("\n", 0, m.start()) + 1 if m else title_end


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


def split_offices(line: str, start: int) -> list[tuple[str, int, int]]:
    """The offices named on one line (squeezed): `A局 B局 国家税务总局C税务局` or the same glued
    together; -> (name, start, end) each. A line that does not split cleanly stays one office."""
    line_start = start + len(line) - len(line.lstrip())
    body = line.strip()
    if body.endswith("文件"):
        body = body[:-2].rstrip()
    head = PLACE_HEAD_RE.match(body)
    cuts = {0}
    for word in filter(None, (TAX_HEAD, head.group("place") if head else None)):
        i = body.find(word, 1)
        while i != -1:
            if not (word != TAX_HEAD and body[max(0, i - len(TAX_HEAD)):i] == TAX_HEAD):
                cuts.add(i)
            i = body.find(word, i + 1)
    bounds = sorted(cuts) + [len(body)]
    pieces = [(body[a:b].strip(), a) for a, b in zip(bounds, bounds[1:])]
    if len(pieces) > 1 and all(OFFICE_END_RE.search(p) for p, _ in pieces):
        return [(p, line_start + a + (len(body[a:]) - len(body[a:].lstrip())), line_start + a + len(p))
                for p, a in pieces]
    return [(squeeze_org(body), line_start, line_start + len(body))]


def squeeze_org(s: str) -> str:
    return SPACES_RE.sub("", s)


def find_signature(text: str):
    """The 落款: a full-date line (not …印发) under office lines (stacked, a joint notice's several
    on one or more lines). -> ([(office, start, end)], (iso, start, end)) or None."""
    for pos, line in _lines_holding(text, DATE_END):
        if not line.rstrip().endswith(DATE_END):  # both shapes end on the date's 日
            continue
        date = parse_full_date_line(line)
        if not date:
            inline = INLINE_SIGNATURE_RE.match(line)
            if inline and parse_full_date_line(inline.group("date")):
                o, d = inline.span("org"), inline.span("date")
                offices = split_offices(inline.group("org"), pos + o[0])
                return offices, (parse_full_date_line(inline.group("date")), pos + d[0], pos + d[1])
            continue
        above = [(p, ln) for p, ln in _lines_above(text, pos, SIGNATURE_WINDOW) if ln.strip()]
        if above and SEAL_RE.search(above[-1][1]) and not ORG_LINE_RE.match(above[-1][1]):
            above = above[:-1]
        office_lines = []
        for p, ln in reversed(above):  # nearest first, while they are office lines
            m = ORG_LINE_RE.match(ln)
            if not m:
                break
            office_lines.insert(0, (p + m.start("org"), m.group("org")))
        if not office_lines:
            continue
        offices = [o for p, ln in office_lines for o in split_offices(ln, p)]
        d0 = pos + len(line) - len(line.lstrip())
        return offices, (date, d0, pos + len(line.rstrip()))
    return None


def find_header_offices(text: str, title_span) -> list[tuple[str, int, int]]:
    """The offices named at the top (stacked lines or one line, 'XX文件' stripped), else the
    office before 关于 on the title line."""
    limit = title_span[2] if title_span else len(text) // 4
    seen, found = 0, []
    for pos, line in _lines_from_top(text):
        if pos >= limit or seen >= HEADER_LINES:
            break
        if not line.strip():
            continue
        seen += 1
        m = ORG_LINE_RE.match(line)
        if m and (not title_span or pos + len(line) <= title_span[1]):
            found += split_offices(m.group("org"), pos + m.start("org"))
        elif found:
            break
    if found:
        return found
    if title_span:
        start = text.rfind("\n", 0, title_span[2]) + 1
        m = ORG_PREFIX_RE.match(text, start)
        if m:
            return split_offices(m.group("org"), m.start("org"))
    return []


def organ(office: str) -> str:
    """The office without its places: 南江县人民政府办公室 -> 人民政府办公室, 北京市怀柔区医疗保障局
    -> 医疗保障局 (known division names stripped, longest first; else up to a 县/区/市/旗)."""
    rest = office[len(TAX_HEAD):] if office.startswith(TAX_HEAD) else office
    while True:
        cut = next((n for n in range(min(len(rest) - 1, 15), 1, -1) if known_place(rest[:n])), 0)
        if not cut:
            break
        rest = rest[cut:]
    if rest is office or rest == office[len(TAX_HEAD):]:
        m = GREEDY_PLACE_RE.match(rest)
        rest = rest[m.end():] if m else rest
    return rest


def place_is_known(office: str) -> bool:
    m = PLACE_HEAD_RE.match(office)
    return bool(m) and known_place(m.group("place"))


def _same_organ(a: str, b: str) -> bool:
    """The same office, or two written forms of one department (医保局 and 医疗保障局)."""
    names, _ = form_names()
    return a == b or (a in names and names.get(a) == names.get(b))


def _spelled_out(short: str, full: str) -> bool:
    """The 落款 names the header's office in full (`镇宁自治县人民政府办公室` in the title,
    `镇宁布依族苗族自治县人民政府办公室` signing): the same place start and office, the short name's
    characters all in the full one in order (`沧源县医保局` / `沧源佤族自治县医疗保障局`: an office's short
    form counts as the same office). The full name is the office's."""
    short, full = squeeze_org(short).replace(" ", ""), squeeze_org(full).replace(" ", "")
    if len(full) <= len(short) or short[:1] != full[:1] or not _same_organ(organ(short), organ(full)):
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


def pick_issuers(header: list, signature: list) -> tuple:
    """(lead office, other offices): the header's, unless its place is no real division while the
    signature's is (OCR garbled the 文头); co-issuers from the signature when the header names one."""
    if header and not place_is_known(header[0][0]) and signature and place_is_known(signature[0][0]):
        header = []
    if not header:
        return (signature[0] if signature else None), list(signature[1:])
    lead = header[0]
    if signature and _spelled_out(lead[0], signature[0][0]):
        lead = (signature[0][0], signature[0][1], signature[0][2])
    if len(header) > 1:
        return lead, header[1:]
    return lead, [o for o in signature if organ(o[0]) != organ(lead[0]) and o[0] != lead[0]]


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
    lo, hi = max(0, pos - BRACKET_REACH), min(len(text), pos + BRACKET_REACH)  # a title is never longer
    closed = max(text.rfind("》", lo, pos), lo - 1)
    if text.find("《", closed + 1, pos) != -1 and text.find("》", pos, hi) != -1:
        return True
    line_start = text.rfind("\n", lo, pos) + 1
    opened = text.rfind("(", max(line_start, lo), pos)
    if opened != -1 and text.find(")", opened, pos) == -1:
        eol = text.find("\n", pos, hi)
        return text.find(")", pos, hi if eol == -1 else eol) != -1
    return False


BRACKET_REACH = 400  # characters: how far a 《title》 or a (parenthesis) around a year may reach


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
            if w != FORWARD_LEAD or _forwards(text, i):
                found.append((i, rank, i + len(w)))
            i = text.find(w, i + 1)
    found.sort()
    out, end = [], 0
    for i, _, e in found:
        if i >= end:
            out.append(e)
            end = e
    return out


def _forwards(text: str, i: int) -> bool:
    """Whether the sentence opened by 现将 at i forwards (转发) what it names."""
    end = text.find("。", i, i + BASIS_MAX)
    return text.find(FORWARD_VERB, i, end if end != -1 else i + BASIS_MAX) != -1


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
    return out + find_amended(text, seen)


def find_amended(text: str, seen: set) -> list[CitedDocument]:
    """`现对《…》（门医保发〔2024〕19号）中…调整如下`: the document an amendment changes."""
    out = []
    if "对《" not in text.replace(" ", ""):
        return out
    for m in AMENDED_RE.finditer(text):
        number = normalize_doc_number(m.group("num1")) if m.group("num1") else None
        if number and number not in seen:
            seen.add(number)
            out.append(CitedDocument(doc_number=number, title=m.group("title").strip(),
                                     evidence=evidence(text, m.start("cite"), m.end("cite"))))
    return out


# ---- extract ---------------------------------------------------------------------------------
def _text(value, start, end, text) -> Text | None:
    return Text(value=value, evidence=evidence(text, start, end)) if value else None


def extract(text: str, ctx: Context) -> dict:
    """Metadata of one notice; sets ctx.policy_year and ctx.issue_year for the date extractors.
    Read on the squeezed view; every span is mapped back to `text`."""
    text = text or ""
    sq = squeezed_view(text)
    view = sq.view

    def on_text(value, start, end):
        a, b = sq.span(start, end)
        return _text(value, a, b, text)

    title = find_title(view) or find_page_title(view) or find_heading_title(view)
    number = find_doc_number(view, title[1] if title else None, title[2] if title else None)
    signature = find_signature(view)
    lead, co = pick_issuers(find_header_offices(view, title), signature[0] if signature else [])
    if not lead:
        # `来源：A局 国家税务总局A县税务局`: the offices a page names as its source, the first the lead
        labelled = find_labelled_issuer(view)
        offices = split_offices(labelled[0], labelled[1]) if labelled else []
        lead, co = (offices[0], co or offices[1:]) if offices else (None, co)
    year = find_policy_year(view, title)
    policy_year = Year(value=year[0], evidence=evidence(text, *sq.span(year[1], year[2]))) if year else None
    if policy_year:
        ctx.policy_year = policy_year.value
    issue = signature[1] if signature and signature[1][0] else None
    default_year = (policy_year.value - 1) if policy_year else None
    printed = find_print_date(view, default_year)
    issue_date = Day(value=issue[0], evidence=evidence(text, *sq.span(issue[1], issue[2]))) if issue else None
    print_date = Day(value=printed[0], evidence=evidence(text, *sq.span(printed[1], printed[2]))) if printed else None
    dated = issue_date or print_date
    if dated:
        ctx.issue_year = int(dated.value[:4])
    cited = find_citations(view)
    for c in cited:
        c.evidence = evidence(text, *sq.span(c.evidence.start, c.evidence.end))
    return dict(
        title=on_text(*title) if title else None,
        doc_number=on_text(*number) if number and number[0] else None,
        issuer=on_text(squeeze_org(lead[0]), lead[1], lead[2]) if lead else None,
        co_issuers=[on_text(squeeze_org(o[0]), o[1], o[2]) for o in co],
        policy_year=policy_year,
        issue_date=issue_date,
        print_date=print_date,
        cited_documents=cited,
    )


def mend_garbled_county(parts: dict, garbles: dict[str, str]) -> None:
    """Issuers and 文号 that write the county as region found it misread (勋西县医疗保障局, 勋西医保
    联发 beside 郧西县): the values take the county's name; the evidence keeps the text as read.
    Called after region, which alone knows the county (meta runs first for the policy year)."""
    for garble, county in garbles.items():
        for t in [parts.get("issuer"), *parts.get("co_issuers", [])]:
            if t is not None and garble in t.value:
                t.value = t.value.replace(garble, county)
        number = parts.get("doc_number")
        short, fixed = garble[:-1], county[:-1]  # 勋西 -> 郧西: the 文号 writes the county without 县
        if number is not None and len(short) >= 2 and len(fixed) == len(short) and number.value.startswith(short):
            number.value = fixed + number.value[len(short):]
