"""Region: the county that issued the notice, resolved against the offline division table.

Names are matched exactly, never fuzzily: OCR turns 岢岚县 into 崞岚县, and the nearest real
name (岚县) is a different county. Mentions are gathered from the header (文头), the signature
(落款, weighted highest because OCR garbles headers) and the body; the best-supported county
wins and any header/signature variant that disagrees becomes a `region_conflict` flag.
"""
from __future__ import annotations

import bisect
import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from noticeflow.schemas import Flag, Region

from noticeflow.extractors import vocab
from noticeflow.extractors.context import Context
from noticeflow.extractors.spans import evidence
from noticeflow.extractors.squeeze import squeeze
from noticeflow.extractors.vocab import Division, departments, divisions
from noticeflow.schemas.errors import RESOURCE_ERRORS

HAN = r"\u4e00-\u9fff"
SUFFIXES = "县区市旗岛域"  # last character of every county-level name in the table

# Where a mention sits decides how much it counts (signature > header > print line > body).
WEIGHTS = {"signature": 4, "header": 3, "print": 2, "body": 1}
BODY_CAP = 3  # body mentions can confirm, never outvote a signature
HEADER_LINES = 8  # non-empty lines before the 主送 line that may hold the 文头
SIGNATURE_MAX = 40  # a 落款 line is short
GARBLE_MAX = 5  # an unknown issuer name longer than a county name is a phrase, not a garble

_DATE_LINE = re.compile(
    rf"""^[ \t]*
    (?:\d{{4}}|[〇○零一二三四五六七八九]{{4}})[ \t]*年    # year, Arabic or Chinese digits
    [ \t]*(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})[ \t]*月
    [ \t]*(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})[ \t]*日
    [ \t]*(?P<printed>印发)?[ \t]*$                     # 印发 marks the print line, not the 落款
    """,
    re.X,
)

_DATE_LINES = re.compile(_DATE_LINE.pattern, re.X | re.M)  # the same, matched at a line's offset
# The 印发 line written on one line, the printing office before its date (`瑞金市人民政府办公室
# 2025年9月8日印发`, 171; canonical text may remove the gap): the office part is read as a print line too.
_PRINT_INLINE = re.compile(
    r"""^[ \t]*(?P<office>[^\s。,;:、\d][^\n。,;:、\d]{1,38}?)[ \t]*  # canonical text may join the two
    (?:\d{4}|[〇○零一二三四五六七八九]{4})[ \t]*年[ \t]*(?:\d{1,2}|[一二三四五六七八九十]{1,3})[ \t]*月
    [ \t]*(?:\d{1,2}|[一二三四五六七八九十]{1,3})[ \t]*日[ \t]*印发[ \t]*$""",
    re.X | re.M)

# The 主送 line ("各乡(镇)人民政府,县直有关单位:") ends the header.
_ADDRESSEE = re.compile(r"[:：]\s*$")

# An issuer token in a header/signature line: a place name right before an organ's name.
_ISSUER = re.compile(
    rf"""(?:^|(?<=[\s#]))                    # starts a line or follows a blank
    (?P<name>[{HAN}]{{1,14}}?[县区市旗盟州])   # place name, shortest that ends in a level suffix
    (?=人民政府|政府|人大|政协|[县区市旗]?委|办公室|[{HAN}]{{0,6}}局)  # followed by an organ
    """,
    re.X | re.M,
)
_NOT_A_NAME = "我本全该各县市区省"  # 我县人民政府 is no place name

# Right contexts after a name that make a mention official rather than part of a word.
_STRONG_RIGHT = re.compile(
    r"""(?:人民政府|政府|人大|政协|[县区市旗]?委|党委   # the county's own organs
    |政办|府办                                          # doc-number prefixes (随县政办函)
    |\d{4}|[〇○零一二三四五六七八九]{4}                  # a year (临猗县2023年度…)
    )""",
    re.X,
)
# A following 镇/乡/街道 etc. means the name is part of a town's name (随县's 唐县镇).
_NEGATIVE_RIGHT = re.compile(r"(?:镇|乡(?!村振兴)|街道|办事处|村|社区|场|域|级)")
_HAN_CHAR = re.compile(f"[{HAN}]")
_LEFT_OK = "省市州盟"  # 忻州市岢岚县: a higher level may precede the name directly

EVIDENCE_LINE = 24  # an issuer line this short is quoted whole
_ORGAN = re.compile(r"人民政府(?:办公室)?|[县区市旗]?委(?:办公室)?")  # quoted with the name when present
_NOT_SIGNATURE = re.compile(r"[。,;:、\t\d]")  # sentences, table rows and dates are no 落款


@dataclass(frozen=True)
class Mention:
    name: str  # as written (a table name, or an unknown issuer name such as 崞岚县)
    start: int
    end: int
    place: str  # signature | header | print | body
    known: bool = True


# ---------------------------------------------------------------- tables (built once)

def terms() -> dict:
    return vocab.terms("region_terms.yaml", "region")


@functools.cache
def _index() -> dict[str, tuple[Division, ...]]:
    """Table names, and the short forms of autonomous counties (积石山县 for 积石山保安族东乡族
    撒拉族自治县) where no real county has that name, -> their rows."""
    index: dict[str, list[Division]] = defaultdict(list)
    for d in divisions():
        index[d.county].append(d)
    for short, full in _short_forms().items():
        if short not in index:
            index[short] = list(index[full])
    return {k: tuple(v) for k, v in index.items()}


@functools.cache
def _short_forms() -> dict[str, str]:
    """Short form -> table name, for 自治县/自治旗 names: the place before the ethnic groups + 县/旗
    or 自治县/自治旗 (威宁彝族回族苗族自治县 -> 威宁县, 威宁自治县)."""
    groups = "|".join(sorted(map(re.escape, terms()["ethnic_groups"]), key=len, reverse=True))
    tail = re.compile(rf"^(?P<base>\w{{2,}}?)(?:(?:{groups})族?)+自治(?P<level>[县旗])$")
    out = {}
    for d in divisions():
        m = tail.match(d.county)
        if m:
            out.setdefault(m["base"] + m["level"], d.county)
            out.setdefault(m["base"] + "自治" + m["level"], d.county)
    return out


@functools.cache
def _aliases() -> dict[str, str]:
    """Short form -> table name, for the short forms no real county is called."""
    real = {d.county for d in divisions()}
    return {short: full for short, full in _short_forms().items() if short not in real}


def canonical(name: str) -> str:
    """The table name of a written county name (a short form maps to its full name)."""
    return _aliases().get(name, name)


def known_place(name: str) -> bool:
    """Whether `name` is a real division (county, short form, prefecture or province)."""
    return name in _index() or name in _higher_levels()


@functools.cache
def _lengths() -> tuple[int, ...]:
    return tuple(sorted({len(n) for n in _index()}, reverse=True))


@functools.cache
def _tails() -> tuple[frozenset[str], ...]:
    """_tails()[k]: the last k characters of every table name (a backward scan stops at a miss)."""
    longest = _lengths()[0]
    return tuple(frozenset(n[-k:] for n in _index() if len(n) >= k) for k in range(longest + 1))


@functools.cache
def _higher_levels() -> frozenset[str]:
    """Province and prefecture names: a token made of these is not a garbled county."""
    return frozenset({d.province for d in divisions()} | {d.city for d in divisions() if d.city})


@functools.cache
def _weak_right() -> re.Pattern:
    """Department names and common collocations after a county name (唐河县农信社, 临猗县城乡…)."""
    aliases = {t.alias.lstrip("县市区旗") for t in departments()} | {t.name for t in departments()}
    aliases = sorted((a for a in aliases if len(a) >= 2), key=len, reverse=True)
    extra = ["的", "城乡", "人民", "委员会", "领导小组", "境内", "辖区", "户籍", "全县", "各"]
    return re.compile("|".join(map(re.escape, aliases + extra)))


def _short(name: str) -> str:
    """湖北省 -> 湖北, 忻州市 -> 忻州, 广西壮族自治区 -> 广西: the forms text uses for areas."""
    short = re.sub(r"(?:(?:壮族|回族|维吾尔)?自治区|省|市|地区|盟)$", "", name)
    if name.endswith("自治州"):
        short = name[:2]
    return short if len(short) >= 2 else name


# ---------------------------------------------------------------- finding

def find_header_lines(text: str) -> list[tuple[int, int]]:
    """The 文头: first non-empty lines up to the 主送 line (read line by line, never past it)."""
    spans, start = [], 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start:end]
        if line.strip():
            if _ADDRESSEE.search(line) or "。" in line or len(spans) >= HEADER_LINES:
                break
            spans.append((start, end))
        start = end + 1
    return spans


def find_signature_lines(text: str) -> list[tuple[int, int, str]]:
    """Short lines just above a bare date line: the 落款 ('signature') or the 印发 line ('print').
    Only lines holding a 日 can be date lines; only the three non-empty lines above each are read."""
    out = []
    i = text.find("日")
    while i != -1:
        start = text.rfind("\n", 0, i) + 1
        end = text.find("\n", i)
        end = len(text) if end == -1 else end
        i = text.find("日", end)  # one look per line
        m = _DATE_LINES.match(text, start, end)
        if not m:
            continue
        kind = "print" if m.group("printed") else "signature"
        above, e = [], start - 1  # text[e] is the newline ending the line above
        while e >= 0 and len(above) < 3:
            s = text.rfind("\n", 0, e) + 1
            if text[s:e].strip():
                above.append((s, e))
            e = s - 1
        for s, e in above:  # nearest first
            line = text[s:e]
            if len(line.strip()) > SIGNATURE_MAX or _NOT_SIGNATURE.search(line):
                break
            out.append((s, e, kind))
    i = text.find("印发")
    while i != -1:  # bounded: only the lines holding 印发
        start = text.rfind("\n", 0, i) + 1
        m = _PRINT_INLINE.match(text, start, _line_end(text, i))
        if m:
            out.append((m.start("office"), m.end("office"), "print"))
        i = text.find("印发", i + 2)
    return out


def _line_end(text: str, i: int) -> int:
    e = text.find("\n", i)
    return len(text) if e == -1 else e


def find_issuer_tokens(text: str, start: int, end: int, place: str) -> list[Mention]:
    """Place names written before an organ (崞岚县人民政府办公室) in a header/signature line."""
    out = []
    for m in _ISSUER.finditer(text, start, end):
        mention = parse_issuer(m.group("name"), m.start("name"), place)
        if mention:
            out.append(mention)
    return out


def parse_issuer(token: str, pos: int, place: str) -> Mention | None:
    """A county, a higher level (运城市: a city-level issuer), or an unknown name (a garble to flag)."""
    index = _index()
    if token in index:
        return Mention(canonical(token), pos, pos + len(token), place)
    if token in _higher_levels():
        return Mention(token, pos, pos + len(token), place, known=False)
    for n in _lengths():
        if n < len(token) and token[-n:] in index:
            rest = token[:-n]
            if rest in _higher_levels() or rest[-1] in "省市州盟局共":
                return Mention(canonical(token[-n:]), pos + len(rest), pos + len(token), place)
            break
    if len(token) > GARBLE_MAX or token[-1] not in "县区旗" or token[0] in _NOT_A_NAME:
        return None
    return Mention(token, pos, pos + len(token), place, known=False)


def find_candidates(text: str) -> tuple[list[int], list[list[int]]]:
    """Every table name in the whole text, scanned once: for each suffix character (its position),
    the starts of the names ending there, longest first. Zones then only pick from this list."""
    index, tails = _index(), _tails()
    top = len(tails) - 1
    hits = []
    for c in SUFFIXES:  # str.find is far cheaper than a character-class scan
        i = text.find(c, 1)
        while i != -1:
            if text[i - 1:i + 1] in tails[2]:  # most 县 follow no name's second-last character
                hits.append(i)
            i = text.find(c, i + 1)
    hits.sort()
    positions, starts = [], []
    for p in hits:
        stop = p + 1
        k = 2  # grow the tail while it is the end of some name
        while k < top and stop - k > 0 and text[stop - k - 1:stop] in tails[k + 1]:
            k += 1
        found = [stop - n for n in range(k, 1, -1) if text[stop - n:stop] in index]
        if found:
            positions.append(p)
            starts.append(found)
    return positions, starts


def find_mentions(text: str, start: int, end: int, place: str, skip: list[Mention] = (),
                  candidates=None) -> list[Mention]:
    """County names from the table in text[start:end], longest match ending at each suffix char."""
    positions, starts = candidates or find_candidates(text)
    out = []
    for k in range(bisect.bisect_left(positions, start), bisect.bisect_left(positions, end)):
        stop = positions[k] + 1
        for s in starts[k]:
            if s < start:
                continue
            if any(m.start <= s < m.end or m.start < stop <= m.end for m in skip):
                break
            if is_official(text, s, stop):
                out.append(Mention(canonical(text[s:stop]), s, stop, place))
            break
    return out


def is_official(text: str, start: int, end: int) -> bool:
    """Whether a table name at text[start:end] names the county rather than sits inside a word."""
    name, right = text[start:end], text[end:end + 8]
    if _NEGATIVE_RIGHT.match(right):
        return False
    left = text[start - 1] if start else "\n"
    left_ok = not _HAN_CHAR.match(left) or left in _LEFT_OK
    strong = bool(_STRONG_RIGHT.match(right))
    weak = strong or bool(_weak_right().match(right))
    if len(name) <= 2 or len(_index()[name]) > 2:  # 随县, 城区, 郊区: too short or too generic
        return left_ok and weak
    return left_ok or weak


def find_all(text: str) -> list[Mention]:
    """Every mention, header and signature lines first (their issuer tokens shadow the scan)."""
    mentions: list[Mention] = []
    candidates = find_candidates(text)
    covered: list[tuple[int, int]] = []
    zones = [(s, e, "header") for s, e in find_header_lines(text)]
    zones += [(s, e, k) for s, e, k in find_signature_lines(text) if not any(s < he and hs < e for hs, he, _ in zones)]
    for s, e, place in zones:
        tokens = find_issuer_tokens(text, s, e, place)
        mentions += tokens + find_mentions(text, s, e, place, tokens, candidates)
        covered.append((s, e))
    pos = 0
    for s, e in sorted(covered) + [(len(text), len(text))]:
        if s > pos:
            mentions += find_mentions(text, pos, s, "body", (), candidates)
        pos = max(pos, e)
    return mentions


# ---------------------------------------------------------------- resolving

NUMBER_PREFIX = re.compile(rf"(?P<prefix>[{HAN}]{{1,10}})\s*[〔\[(（【［]\s*\d{{4}}\s*[〕\])）】］]\s*\d{{1,4}}\s*号")


def find_number_prefix(text: str) -> str | None:
    """The office prefix of the header's 文号 (南府办发 of 南府办发〔2021〕64号), or None."""
    for s, e in find_header_lines(text):
        m = NUMBER_PREFIX.search(text, s, e)
        if m and text[m.start() - 1:m.start()] not in ("(", "（", "《"):
            return m.group("prefix")
    return None


def abbreviates(prefix: str, county: str) -> bool:
    """Whether a 文号 prefix starts with the county's abbreviation: its first character, or two
    characters of its name in order (右中 for 科尔沁右翼中旗, 琼中 for 琼中黎族苗族自治县)."""
    if not prefix:
        return False
    if prefix[0] == county[0]:
        return True
    i = county.find(prefix[0])
    return i != -1 and len(prefix) > 1 and county.find(prefix[1], i + 1) != -1


def parse_support(mentions: list[Mention], prefix: str | None = None) -> dict[str, int]:
    """Weighted support per known county name: each place once, body mentions capped; the county
    the header's 文号 abbreviates gets the number's weight (a neighbour's 落款 template loses)."""
    support: dict[str, int] = defaultdict(int)
    body: dict[str, int] = defaultdict(int)
    for name, place in {(m.name, m.place) for m in mentions if m.known}:
        if place != "body":
            support[name] += WEIGHTS[place]  # once per place: a repeated header is one header
    for m in mentions:
        if m.known and m.place == "body":
            body[m.name] += 1
    for name, n in body.items():
        support[name] += min(n, BODY_CAP) * WEIGHTS["body"]
    if prefix:
        for name in list(support):
            if abbreviates(prefix, name):
                support[name] += terms()["number_weight"]
    return support


def pick_division(name: str, text: str) -> tuple[Division, ...]:
    """The table rows for `name`, narrowed by the provinces/cities the text mentions."""
    rows = _index()[name]
    if len(rows) == 1:
        return rows

    def score(d: Division) -> int:
        city = 2 * max(text.count(d.city), text.count(_short(d.city))) if d.city else 0
        return city + max(text.count(d.province), text.count(_short(d.province)))

    scores = [score(d) for d in rows]
    best = max(scores)
    return tuple(d for d, s in zip(rows, scores) if s == best and best > 0) or rows


def find_winner(mentions: list[Mention], prefix: str | None = None) -> str | None:
    support = parse_support(mentions, prefix)
    if not support:
        return None
    ranked = sorted(support.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        # A tie is settled by the signature; otherwise it is no answer.
        signed = {m.name for m in mentions if m.place == "signature" and m.known}
        tied = [n for n, s in ranked if s == ranked[0][1] and n in signed]
        return tied[0] if len(tied) == 1 else None
    return ranked[0][0]


_PLACE_CN = {"signature": "落款", "header": "文头", "print": "印发栏", "body": "正文"}


def garbles_of(winner: str | None, mentions: list[Mention], text: str = "") -> dict[str, str]:
    """Unknown header/signature names one character off the chosen county (勋西县 beside 郧西县 in
    an OCR'd 文头): the same county misread, not a second one, so the issuer and 文号 that write it
    take the county's name (still flagged region_conflict). The chosen county, supported by the
    notice's other mentions, is the cross-check that makes the repair safe."""
    if winner is None:
        return {}
    # a real county's name in the 文头 alone, written once and one character off the chosen county
    # (镇坪县 over a notice whose 文号, title, body and 落款 say 镇平县) is the county misread too
    return {m.name: winner for m in mentions
            if m.place != "body" and m.name != winner and winner in _one_off(m.name)
            and (not m.known or m.place == "header" and text.count(m.name) == 1)}


def names_own_subject(text: str, m: Mention) -> bool:
    """Whether a body mention names the county as the notice's own subject: right after a lead-in
    (现就做好 / 为做好…), outside 《》, a collection word soon after (`现就做好海原县2026年度城乡
    居民基本医疗保险…`). Addressees (各县区), comparisons and cited titles do not."""
    own = terms()["own_subject"]
    before = text[max(0, m.start - max(map(len, own["leads"]))):m.start]
    if not before.endswith(tuple(own["leads"])):
        return opens_title_line(text, m) or on_contact_line(text, m)
    line_start = text.rfind("\n", 0, m.start) + 1
    if text.rfind("《", line_start, m.start) > text.rfind("》", line_start, m.start):
        return False  # inside a cited title
    after = text[m.end:m.end + own["reach"]]
    return any(w in after for w in own["follows"])


_YEAR_AFTER = re.compile(r"\s*\d{4}\s*年")


@functools.cache
def _title_label() -> re.Pattern:
    labels = "|".join(map(re.escape, terms()["own_subject"]["title_labels"]))
    return re.compile(rf"[ \t]*(?:(?:{labels})[ \t]*\d{{0,2}}[ \t]*[:：]?[ \t]*)?")


@functools.cache
def _heading_marker() -> re.Pattern:
    return re.compile(rf"[ \t]*(?:{'|'.join(terms()['own_subject']['heading_markers'])})[ \t]*")


def opens_title_line(text: str, m: Mention) -> bool:
    """Whether a body mention opens a title line with a year and a collection word after it
    (`怀柔区2026年度城乡居民医保参保任务分解表`, `附件：…`), or a heading right after its outline
    marker with a collection word after it (`六、茶陵县城乡居民医保经办服务网点`): the county is the
    title's or the section's own subject."""
    line_start = text.rfind("\n", 0, m.start) + 1
    if _heading_marker().fullmatch(text, line_start, m.start):
        year = _YEAR_AFTER.match(text, m.end)
        start = year.end() if year else m.end
    else:
        if not _title_label().fullmatch(text, line_start, m.start):
            return False
        year = _YEAR_AFTER.match(text, m.end)
        if not year:
            return False
        start = year.end()
    after = text[start:start + terms()["own_subject"]["reach"]]
    return any(w in after for w in terms()["own_subject"]["follows"])


@functools.cache
def _contact_label() -> re.Pattern:
    labels = "|".join(map(re.escape, terms()["own_subject"]["contact_labels"]))
    return re.compile(rf"[ \t]*[(（]?[ \t]*(?:{labels})[ \t]*[:：]")


def on_contact_line(text: str, m: Mention) -> bool:
    """Whether a body mention is an office on the notice's contact line, close after its label
    (`联系人：武宁县医疗保障局待遇保障股　徐　丽`): the contact a neighbour's template left in."""
    line_start = text.rfind("\n", 0, m.start) + 1
    label = _contact_label().match(text, line_start, m.start)
    return bool(label) and m.start - label.end() <= terms()["own_subject"]["contact_reach"]


def parse_conflict(winner: str | None, mentions: list[Mention], text: str = "") -> Flag | None:
    """Header/signature names that disagree with the chosen county (garbled or a different county:
    the contract flags both, a misread 文头 included), and a body naming another known county as
    the notice's own subject (names_own_subject)."""
    variants: dict[str, list[str]] = defaultdict(list)
    for m in mentions:
        if m.name == winner or m.name in _higher_levels():
            continue
        if m.place == "body" and not (m.known and text and names_own_subject(text, m)):
            continue
        if _PLACE_CN[m.place] not in variants[m.name]:
            variants[m.name].append(_PLACE_CN[m.place])
    if not variants or winner is None:
        return None
    listed = "，".join(f"{'/'.join(places)}「{name}」" for name, places in variants.items())
    return Flag(code="region_conflict", severity="warning", field="region",
                message=f"县名不一致：{listed}；采用支持最多的「{winner}」")


def pick_evidence(winner: str, mentions: list[Mention], text: str):
    """The mention used, signature first; a short issuer line is quoted whole."""
    used = [m for m in mentions if m.name == winner]
    m = min(used, key=lambda m: (-WEIGHTS[m.place], m.start))
    s = text.rfind("\n", 0, m.start) + 1
    e = text.find("\n", m.end)
    e = len(text) if e == -1 else e
    if m.place != "body" and e - s <= EVIDENCE_LINE:
        return evidence(text, s, e)
    organ = _ORGAN.match(text, m.end)
    return evidence(text, m.start, organ.end() if organ else m.end)


def parse_city_level(mentions: list[Mention], text: str) -> Region | None:
    """A notice issued by a prefecture (运城市人民政府办公室): the region stops at the city."""
    issuers = [m for m in mentions if m.place != "body" and m.name in _higher_levels()]
    if not issuers:
        return None
    m = min(issuers, key=lambda m: (-WEIGHTS[m.place], m.start))
    for d in divisions():
        if d.city == m.name:
            return Region(province=d.province, city=d.city, adcode=d.adcode[:4] + "00",
                          evidence=pick_evidence(m.name, [m], text))
        if d.province == m.name:
            return Region(province=d.province, adcode=d.adcode[:2] + "0000",
                          evidence=pick_evidence(m.name, [m], text))
    return None


def _short_level(name: str) -> str:
    """湖北省 -> 湖北, 十堰市 -> 十堰, 湘西土家族苗族自治州 -> 湘西 (as notices also write them)."""
    for suffix in ("土家族苗族自治州", "自治州", "自治区", "地区", "省", "市", "州", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def ocr_repairs(token: str, text: str) -> list[str]:
    """Counties one character away from an unknown issuer name (OCR read 郧西县 as 勋西县), whose
    province or city the notice names too. Written by hand: the garbles are single characters
    (an edit distance of one at a fixed length), and the cross-check is what makes it safe (cpca's
    fuzzy match maps 崞岚县 to the wrong 岚县, which the same rule, lacking the context, would)."""
    index, out = _index(), []
    for name in _one_off(token):
        rows = index[name]
        # an empty level (重庆 and 海南 counties have no city) must not count: '' is in every text
        if any(_short_level(level) in text for d in rows for level in (d.city, d.province) if level):
            out.append(name)
    return out


def _one_off(token: str) -> list[str]:
    """Table names of token's length and last character that differ from it in exactly one
    other character, looked up by each position blanked (a scan of the ~3,000 names took 7 ms)."""
    near = _blanked_index()
    return sorted({name for i in range(len(token) - 1) for name in near.get(token[:i] + "\0" + token[i + 1:], ())
                   if name != token})


@functools.cache
def _blanked_index() -> dict[str, tuple[str, ...]]:
    """Each table name with one character before its last blanked -> the names written so."""
    out: dict[str, list[str]] = defaultdict(list)
    for name in _index():
        for i in range(len(name) - 1):
            out[name[:i] + "\0" + name[i + 1:]].append(name)
    return {k: tuple(v) for k, v in out.items()}


def repaired(m: Mention, text: str) -> Mention:
    """An unknown issuer name in the header or signature, read as the one county it can be."""
    if m.known or m.place == "body" or m.name[-1:] not in "县区旗" or m.name in _higher_levels():
        return m
    fixes = ocr_repairs(m.name, text)
    return Mention(canonical(fixes[0]), m.start, m.end, m.place) if len(fixes) == 1 else m


def extract(text: str, ctx: Context) -> dict:
    """Read on the squeezed view (OCR spaces inside 岢 岚县 removed); evidence mapped back to `text`."""
    sq = squeeze(text or "")
    region = find_region(sq.view, ctx)
    if region is not None and region.evidence is not None:
        a, b = sq.span(region.evidence.start, region.evidence.end)
        region.evidence = evidence(text, a, b)
    return dict(region=region)


def find_region(text: str, ctx: Context) -> Region | None:
    try:
        mentions = find_all(text)
    except RESOURCE_ERRORS:
        raise  # out of memory or stack: the document is quarantined, not loaded empty
    except Exception:  # never raise on any text
        return None
    written = mentions
    if not any(m.known and m.place != "body" for m in mentions):
        # no real county in the header or signature: an OCR garble there may be one (勋西县);
        # beside a real one it is repaired only when it is one character off the chosen county
        mentions = [repaired(m, text) for m in mentions]
    if not any(m.known and m.place != "body" for m in mentions):
        city = parse_city_level(mentions, text)
        if city:  # a prefecture's notice: the counties in its body are its addressees
            return city
    winner = find_winner(mentions, find_number_prefix(text))
    ctx.garbles = garbles_of(winner, written, text)
    conflict = parse_conflict(winner, mentions, text)
    if conflict:
        ctx.flags.append(conflict)
    if winner is None:
        names = sorted({m.name for m in mentions if m.place != "body" or m.known})
        if names:
            ctx.flags.append(Flag(code="region_unresolved", severity="info", field="region",
                                  message=f"无法确定发文县：{'、'.join(names)}"))
        return None
    ctx.county = winner
    rows = pick_division(winner, text)
    if len(rows) > 1:
        places = "、".join(f"{d.province}{d.city}{d.county}" for d in rows)
        ctx.flags.append(Flag(code="region_unresolved", severity="info", field="region",
                              message=f"「{winner}」有多个同名区县（{places}），正文未提及所属省市"))
        return None
    d = rows[0]
    return Region(province=d.province, city=d.city or None, county=d.county,
                  adcode=d.adcode, evidence=pick_evidence(winner, mentions, text))
