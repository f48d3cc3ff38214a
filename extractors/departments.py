"""Department duties (职责分工): which department the notice asks to do what, wherever it says so.

A department gets a duty in one of these shapes (all of them seen in county notices):
- a subject at a clause start followed by a heading mark: `县医保局：负责…`, `县医保局职责：…`,
  `县X局——负责…`, `（一）县医疗保障局。负责…`, `1.县卫生健康局职责` with the duty on the next line;
- a subject followed by a task word: `县政府督查室要…`, `县民政局、县农业农村局要…` (several
  departments before one verb), `；`-joined clauses `县医保局要…；县税务局要…`;
- the agent after 由: `由县教体局督促…`;
- a responsibility label after a measure: `（责任单位：县医保局、县公安局；配合单位：各乡镇人民政府）`;
- a duty table: a 责任单位 / 配合单位 column next to a 工作任务 column.
A department only listed as a group member (成员由…组成), an addressee (各乡镇人民政府，县直有关单位：)
or a recipient (报送县医保局) is given nothing.

Known departments are found by the spaCy PhraseMatcher (`extractors.nlp`) and masked to
placeholder characters so the grammar around them is a plain regex; unknown ones are written
县…局 / 旗…中心 and keep their name without the administrative prefix. The text is read through
`extractors.squeeze` (OCR spaces inside names removed), and only in the parts of the notice
that can give tasks (`extractors.structure`: not the header, the 落款 or the 版记).
"""
from __future__ import annotations

import bisect
import functools
import re as sre  # stdlib: plain words (same meaning as in regex)
from dataclasses import dataclass

import regex as re

from noticeflow.extractors import structure, vocab
from noticeflow.extractors.context import Context
from noticeflow.extractors.nlp import find_mentions as nlp_mentions
from noticeflow.extractors.spans import evidence, stop_after, stop_before
from noticeflow.extractors.squeeze import close_cell_gaps, squeeze
from noticeflow.extractors.structure import merge_spans
from noticeflow.schemas import Duty, Flag
from noticeflow.schemas.errors import RESOURCE_ERRORS

HEAD, BODY, VOID = "\ue000", "\ue001", "\ue002"  # a masked mention: HEAD then BODY; VOID: not read
TOWN_HEAD = "\ue003"  # HEAD of a township-level mention, which a town's own name may precede (集州街道办事处)
DUTY_SEP = "；"
REQUEST = "请"  # a 医保局 notice asks its peers: 请县税务局…，请县卫生健康局…
REQUEST_REACH = 16  # a list number and spaces before 请
BULLETS = "●○◆◇■□▲△★☆▶►•·"  # list bullets before a department (never a heading's number)
DASHES = "—-"  # the heading marks (duty_terms.yaml), also written as bullets: ——县医保局要…
MAX_LEAD = 24  # a subject's first name starts this close to its clause start: (十)国家税务总局…自治县税务局
AGENT_AFTER = "经"  # 经X认定 / 经X审核后: a clause opened so names its agent, as 由 does
LAST_BREAK = re.compile(r"(?r)[\n。;,:由%]")  # searched backwards from a name; % too: OCR drops the 。 after 95%
CLAUSE_END = re.compile(r"[;。\n]")
TASK_TEXT = re.compile(r"\p{Han}.*\p{Han}")  # a duty says something: two Han characters at least
UNKNOWN_MAX = 12  # 区政务服务和数据管理局: an unknown office's name between its prefix and its suffix
TOWNSHIP = re.compile(r"镇|乡(?!村)|街道|苏木")  # level of an unknown department (乡村振兴 is no 乡)
# Every new duty of a department is compared with the ones kept: bounded so a notice pasted
# many times stays linear (real notices give a department at most ~5).
MAX_DUTIES = 50  # different duties kept per department
# Clause starts tried as a subject: the longest dev notice has 96 (a bound for pasted or generated texts).
MAX_CLAUSE_STARTS = 5000


def terms() -> dict:
    return vocab.terms("duty_terms.yaml", "duties")


_alt = vocab.alternation


@functools.cache
def grammar() -> dict:
    """The regexes over the masked view, compiled once from duty_terms.yaml."""
    t = terms()
    # 阳城县 / 威宁彝族回族苗族自治县 before an office; never 县 + 市 of 县市场监督管理局
    place = r"(?![由向对经交将请县市区旗])\p{Han}{1,12}?[县市区旗]"
    tax = rf"国家(?:税务|{HEAD}{BODY})总局{place}"  # 税务 inside 国家税务总局 is masked too
    # 人民 alone: 县人民 + 政府督查室, where the known form itself begins with 政府
    prefix = rf"(?:{tax}|{place}(?:人民政府|政府|人民)?|{_alt(t['prefixes'])})?"
    stem_ext = rf"(?:\p{{Han}}{{1,5}}?(?:{_alt(t['stem_suffixes'])}))??"  # 县教育 + 体育局: the same department
    known = rf"(?:{prefix}{HEAD}|(?:{prefix}|\p{{Han}}{{2,4}}?){TOWN_HEAD}){BODY}*{stem_ext}"
    heading_words = _alt(t["heading_words"])
    cue = rf"(?!{_alt(t['not_cues'])})(?:{_alt(t['cues'])})"
    # an unknown office ends where the grammar goes on: a mark, or the first character of a
    # separator, a tail, a heading word or a task word (a class, not the words: kept small)
    follow = {w[0] for key in ("separators", "tails", "heading_words", "cues") for w in t[key]}
    ends = rf"(?=[^\p{{Han}}]|$|[{''.join(sorted(follow))}])"
    unknown = (rf"(?:{_alt(t['unknown_prefixes'])})(?!{_alt(t['generic'])})"
               rf"\p{{Han}}{{1,{UNKNOWN_MAX}}}?(?:{_alt(t['org_suffixes'])}){ends}")
    item = rf"(?:{known}|{unknown})"
    township = rf"(?:各|县)?\p{{Han}}{{0,6}}?(?:{_alt(t['township_bodies'])})"
    filler = rf"(?:{_alt(t['fillers'])}|各\p{{Han}}{{0,6}}?(?:{_alt(t['filler_kinds'])})|{township})"
    sep = rf"(?:{_alt(t['separators'])})"
    # 县农业农村局(县乡村振兴局): the same office by its other name, an office name in brackets
    other_name = rf"(?:\((?:[^()\n]{{1,14}}?(?:局|办|委|中心|联合会|会|室|部)|[^()\n]{{0,6}}?{HEAD}{BODY}*)\))?"
    member = rf"(?:{township}|(?:{item}){other_name}|{filler})"  # 经济开发区管委会: no 开发区 + 管委
    group = rf"(?P<group>{member}(?:{sep}{member})*)(?P<tail>{_alt(t['tails'])})?"
    marker = (r"(?P<marker>[一二三四五六七八九十]+是|[(][一二三四五六七八九十\d]{1,3}[)]|[一二三四五六七八九十]{1,3}、"
              rf"|\d{{1,2}}(?:[、]|\.(?!\d))|[①-⑳]|[{BULLETS}]"  # ▲县医保局: a bullet
              rf"|(?:{_alt(t['heading_marks'])})(?!\d))")  # ——县医保局要…: a dash opening a duty line
    endings = rf"""(?: [ \t]*(?:{heading_words})?[ \t]*(?P<colon>:)
          | [ \t]*(?P<dash>{_alt(t['heading_marks'])})(?!\d)
          | (?P<stop>。)
          | [ \t]*(?P<hw>{heading_words})?[ \t]*(?P<eol>$)
          | (?:作为[^,;。\n]{{1,10}}?(?:单位|部门))?,?(?P<cue>{cue})     # 县医保局作为牵头单位,负责…
        )"""
    subject = re.compile(rf"""[ \t]*{marker}?[ \t]*{group}{endings}""", re.X | re.M)
    # 【县医保局】牵头…: the office in 【】 heads its paragraph (tried only where a 【 is near)
    subject_open = re.compile(rf"""[ \t]*{marker}?[ \t]*(?P<open>【)?{group}
        (?(open)[ \t]*】[ \t]*(?P<closed>)|{endings})""", re.X | re.M)
    agent = re.compile(rf"{group}(?P<cue>\p{{Han}})")
    funds = re.compile(_alt(t["funding_verbs"]))
    modal = re.compile(_alt(t["modal_cues"]))
    paying = re.compile(rf"(?:{_alt(t['funding_leads'])}|按(?:每人每年|每人)?[\d.]+元(?:的标准)?)?(?:给予)?(?:{_alt(t['funding_verbs'])})")
    request = re.compile(rf"[ \t]*{marker}?[ \t]*{REQUEST}")
    unit_label = re.compile(rf"(?:{_alt(t['unit_labels'])})[ \t]*:[ \t]*")
    # `农业农村局：负责…` among `医保局：…` lines: an office without its prefix heading a duty line
    heading_tail = rf"[ \t]*(?:{heading_words})?[ \t]*:[ \t]*"
    bare_line = re.compile(rf"""^[ \t]*{marker}?[ \t]*(?P<name>(?!{_alt(t['generic'])})(?!{_alt(t['unknown_prefixes'])})
        \p{{Han}}{{1,{UNKNOWN_MAX}}}?(?:{_alt(t['bare_heading_suffixes'])})){heading_tail}(?=\S)""", re.X | re.M)
    known_line = re.compile(rf"[ \t]*{marker}?[ \t]*{known}{heading_tail}(?=\S)", re.X)
    # a unit cell's piece written without its prefix (农业农村局, 宣传部): an office name alone
    bare_name = re.compile(rf"(?!{_alt(t['generic'])})(?!{_alt(t['unknown_prefixes'])})\p{{Han}}{{1,{UNKNOWN_MAX}}}?(?:{_alt(t['bare_heading_suffixes'])})")
    # （县医保局牵头，县公安局、各乡镇配合）: a part of a bracket after a measure
    bracket_part = re.compile(rf"[ \t]*{group}(?:{_alt(t['bracket_leads'])})?(?:{_alt(t['bracket_roles'])})[ \t]*$")
    return dict(subject=subject, subject_open=subject_open, agent=agent, paying=paying, funds=funds, modal=modal, request=request, item=re.compile(item),
                bare_line=bare_line, known_line=known_line, bare_name=bare_name, bracket_part=bracket_part,
                unit_label=unit_label, filler=re.compile(rf"(?:{filler})$"), township=re.compile(township),
                unit_header=re.compile(_alt(t["unit_labels"])), task_header=re.compile(_alt(t["task_headers"])),
                admin_prefix=re.compile(rf"^(?:各)?(?:{tax}|{place}|[县市区旗州盟]委(?=\p{{Han}}{{2,}}(?:部|办|委))|[县市区旗州盟])(?!委)"))


@dataclass
class Found:
    name: str
    as_written: str
    level: str
    duty: str
    start: int  # evidence span in the text
    end: int
    known: bool


# ---- the masked view -------------------------------------------------------------------------------

class Masked:
    """The squeezed text with known mentions masked and the parts that give no tasks voided."""

    def __init__(self, text: str):
        self.capped = 0  # the clause-start cap find_subject_duties stopped at (0: read all)
        self.sq = squeeze(text)
        view = self.view = self.sq.view
        self.mentions = find_mentions(view)  # view offset -> (end, name, level)
        marks = [(a, b, VOID) for a, b in merge_spans(voided_spans(text, view, self.sq))]
        marks += [(start, end, TOWN_HEAD if level == "township" and view[start] in "街镇乡苏" else HEAD)
                  for start, (end, _, level) in self.mentions.items()]
        pieces, pos = [], 0
        for a, b, kind in sorted(marks):
            if a < pos:  # a mention inside a voided span stays void
                a = pos
                if a >= b:
                    continue
                kind = VOID
            pieces.append(view[pos:a])
            pieces.append(VOID * (b - a) if kind == VOID else kind + BODY * (b - a - 1))
            pos = b
        pieces.append(view[pos:])
        self.masked = "".join(pieces)

    def text_span(self, a: int, b: int) -> tuple[int, int]:
        return self.sq.span(a, b)

    def written(self, a: int, b: int) -> str:
        s, e = self.sq.span(a, b)
        return self.sq.text[s:e]


def find_mentions(view: str) -> dict[int, tuple[int, str, str]]:
    """Known department forms (`nlp.find_mentions`), adjacent forms of one department merged
    (各镇 + 乡人民政府 in 各镇乡人民政府): view offset -> (end, name, level)."""
    out: dict[int, tuple[int, str, str]] = {}
    last = None
    for m in nlp_mentions(view):
        if last is not None and out[last][0] == m.start and out[last][1] == m.name:
            out[last] = (m.end, m.name, m.level)
            continue
        out[m.start] = (m.end, m.name, m.level)
        last = m.start
    starts = sorted(out)
    for start in [s for s in starts if _continues_office(view, s, starts)]:
        del out[start]  # 县农业农村和乡村振兴局: a merged office (unknown), not 乡村振兴局
    return out


HAN = re.compile(r"\p{Han}")
MERGED_JOINER = "和"  # 县农业农村和乡村振兴局, 县文化和旅游局: one office named after two
MERGED_REACH = 10  # characters of the first half back to its 县/市/区/旗


def _continues_office(view: str, start: int, starts: list[int]) -> bool:
    """Whether the known mention at `start` is the second half of a merged office's name: right
    after 和, whose first half is a run of Han opening with an administrative prefix and ending
    in no office suffix (县农业农村 + 和; never 县民政局 + 和, two offices)."""
    if start < 2 or view[start - 1] != MERGED_JOINER:
        return False
    i = start - 1
    lo = max(0, i - MERGED_REACH)
    while i > lo and HAN.match(view[i - 1]):
        i -= 1
    first = view[i:start - 1]
    t = terms()
    k = bisect.bisect_left(starts, i)
    if len(first) < 3 or (k < len(starts) and starts[k] < start - 1):
        return False  # a known office before 和 (县民政局和乡村振兴局): two offices
    if first[0] not in "".join(p for p in t["unknown_prefixes"] if len(p) == 1):
        return False
    return not first.endswith(tuple(t["org_suffixes"]))


def voided_spans(text: str, view: str, sq) -> list[tuple[int, int]]:
    """View spans where no duty is given: the header, the 落款 and the 版记, the addressee line,
    contact and copy-to lines, sentences listing a group's members, quoted slogans. Found from
    the few places their words occur (str.find), not by scanning the text with a pattern."""
    t = terms()
    s = structure.parse(text)
    out = [(sq.to_view(p.start), sq.to_view(p.end)) for p in s.parts if p.kind in ("header", "signature", "footer")]
    body = s.parts_of("body")
    if body:
        b0 = sq.to_view(body[0].start)
        while b0 < len(view) and view[b0] in " \t\n":
            b0 += 1
        e0 = _line_end(view, b0)
        first = view[b0:e0].strip()
        if first.endswith(":") and "。" not in first:  # 主送: 各乡镇人民政府,县直有关单位:
            out.append((b0, e0))
    for word in t["skip_line_starts"]:  # 联系人:… / 抄送:… lines
        for i in _occurrences(view, word):
            line_start = view.rfind("\n", max(0, i - MAX_LEAD), i) + 1
            if (line_start > 0 or i <= MAX_LEAD) and not view[line_start:i].strip(" \t"):
                out.append((line_start, _line_end(view, i)))
    for word in t["member_markers"]:  # the sentence listing a group's members
        for i in _occurrences(view, word):
            a = stop_before(view, i, "。\n") + 1
            b = stop_after(view, i, "。\n")
            out.append((a, len(view) if b == -1 else b))
    for open_q, close_q in (("“", "”"), ('"', '"')):  # quoted slogans: “政府主导、医保牵头…”
        i = view.find(open_q)
        while i != -1:
            j = view.find(close_q, i + 1, i + QUOTE_MAX)
            if j == -1 or "\n" in view[i:j]:
                i = view.find(open_q, i + 1)
                continue
            out.append((i, j + 1))
            i = view.find(open_q, j + 1)
    return out


QUOTE_MAX = 82  # a quoted slogan is short


def _occurrences(s: str, word: str):
    i = s.find(word)
    while i != -1:
        yield i
        i = s.find(word, i + len(word))


def _line_end(s: str, i: int) -> int:
    e = s.find("\n", i)
    return len(s) if e == -1 else e


# ---- finding duties --------------------------------------------------------------------------------

def clause_starts(mv: Masked) -> list[int]:
    """Clause starts (after a line break, 。 ; , : 由 or a tab) that have a department's first
    character (a masked mention or the 县/市/区/旗 of an unknown one) within MAX_LEAD."""
    masked = mv.masked
    heads = set(mv.mentions)
    for c in terms()["unknown_prefixes"]:  # where an unknown office (县…局) may start
        heads.update(_occurrences(masked, c))
    heads = sorted(heads)
    out, last = [], -1
    for h in heads:
        lo = max(0, h - MAX_LEAD)
        cut = LAST_BREAK.search(masked, lo, h)
        start = cut.end() if cut else (0 if lo == 0 else -1)
        if start >= 0 and masked.startswith(AGENT_AFTER, start) and start + len(AGENT_AFTER) <= h:
            start += len(AGENT_AFTER)  # 经民政、残联等部门认定的…: 经 opening a clause names the agent, as 由
        if start >= 0 and start != last:
            out.append(start)
            last = start
    return out


def find_subject_duties(mv: Masked) -> list[Found]:
    """Subjects at clause starts followed by a heading mark, a task word or (after 由) any verb."""
    g = grammar()
    masked = mv.masked
    found: list[Found] = []
    starts = clause_starts(mv)
    if len(starts) > MAX_CLAUSE_STARTS:
        mv.capped, starts = MAX_CLAUSE_STARTS, starts[:MAX_CLAUSE_STARTS]
    for pos in starts:
        req = masked.find(REQUEST, pos, pos + REQUEST_REACH) != -1 and g["request"].match(
            masked, pos, pos + REQUEST_REACH)  # bounded: the regex would seek 请 to the end
        if req:  # 请县税务局保持…: a request opening its clause names the agent
            pos = req.end()
            agent = True
        else:
            agent = pos > 0 and (masked[pos - 1] == "由" or masked.startswith(AGENT_AFTER, pos - len(AGENT_AFTER))
                                 and LAST_BREAK.match(masked, pos - len(AGENT_AFTER) - 1) is not None)
        rx = g["agent"] if agent else g["subject_open"] if masked.find("【", pos, pos + MAX_LEAD) != -1 else g["subject"]
        m = rx.match(masked, pos)
        if not m:
            continue
        line_start = masked.rfind("\n", max(0, pos - MAX_LEAD), pos) + 1  # a subject opens its line within MAX_LEAD
        at_line_start = (line_start > 0 or pos <= MAX_LEAD) and not masked[line_start:m.start("group")].strip(" \t") \
            or bool(m.groupdict().get("marker"))
        if agent and not req and g["paying"].match(masked, m.start("cue")):
            continue  # 由县财政全额资助: who pays, not who does
        if m["cue"] and not g["modal"].match(masked, m.start("cue")) \
                and mv.view[m.start("group"):m.end("group")].strip(" \t").startswith(tuple(terms()["funding_levels"])) \
                and g["funds"].search(masked, m.start("cue"), _clause_end(masked, m.start("cue"))):
            continue  # 各级财政同步加大补助力度 / 各级财政按…的标准给予补助: the fiscal share stated, no office's task
        if agent or m["cue"]:
            duty_start = m.start("cue")
            stop = CLAUSE_END.search(masked, duty_start, duty_start + DUTY_MAX)
            duty_end = stop.start() if stop else min(len(masked), duty_start + DUTY_MAX)
        elif m["eol"] is not None and not (m["hw"] or m["marker"] and m["marker"].strip(BULLETS + DASHES)):
            continue  # a name alone on its line is no heading unless numbered or 职责 (a bullet lists names)
        elif m["stop"] and not at_line_start:
            continue
        else:
            duty_start, duty_end = next_text(masked, m.end())
        found += parse_group(mv, m, duty_start, duty_end)
        found += timed_members(mv, m, duty_start, duty_end)
        co_at = m.groupdict().get("cue") and _co_cue(masked, m.start("cue"), m.end("cue"))
        if co_at:
            found += co_agents(mv, co_at, duty_start, duty_end)
    return found


# 请县民政局于9月15日前、县农业农村局于9月20日前将…提供: each department with its own date before
# the one verb they share; the next department after the date's 、 does the task too.
TIMED_MEMBER = re.compile(r"(?:于|在)[^、,;。\n]{1,24}?(?:前|之前|以前)、")
MAX_TIMED_MEMBERS = 8
TIMED_MEMBER_REACH = 32  # 于…前、: the date clause is short (and the regex module scans to the end without an end)


def timed_members(mv: Masked, m, duty_start: int, duty_end: int) -> list[Found]:
    """The departments after the first one of `A于D1前、B于D2前…`, sharing its task."""
    found: list[Found] = []
    at = m.start("cue") if m.groupdict().get("cue") else None
    for _ in range(MAX_TIMED_MEMBERS):
        t = TIMED_MEMBER.match(mv.masked, at, at + TIMED_MEMBER_REACH) if at is not None else None
        nxt = t and grammar()["agent"].match(mv.masked, t.end())
        if not nxt:
            break
        found += parse_group(mv, nxt, duty_start, duty_end)
        at = nxt.start("cue")
    return found
def _clause_end(masked: str, at: int) -> int:
    stop = CLAUSE_END.search(masked, at, at + DUTY_MAX)
    return stop.start() if stop else min(len(masked), at + DUTY_MAX)


def _co_cue(masked: str, cue_start: int, cue_end: int) -> int | None:
    """Where the department a co-cue joins starts: 会同 as the cue itself (县医保局会同县税务局…)
    or right after a modal one (县医保局要会同县税务局…); None without one."""
    for at in (cue_start, cue_end):
        w = next((w for w in terms()["co_cues"] if masked.startswith(w, at)), None)
        if w:
            return at + len(w)
    return None


def co_agents(mv: Masked, pos: int, duty_start: int, duty_end: int) -> list[Found]:
    """`县医保局会同县税务局按原渠道退还`: the departments the co-cue joins to the subject share its task."""
    m = grammar()["agent"].match(mv.masked, pos)
    if not m:
        return []
    found = parse_group(mv, m, duty_start, duty_end)
    # an unknown name right after 会同 may be a place (会同县 is a county); one further down a list
    # that names a known office is an office of that list (会同县民政局、县农业农村局、县残联)
    anchored = any(f.known for f in found)
    return [f for i, f in enumerate(found) if f.known or (anchored and i > 0)]


def next_text(masked: str, pos: int) -> tuple[int, int]:
    """The rest of the line after a heading mark, or the next non-blank line when it is empty
    (a line read at most DUTY_MAX characters far: a text without line breaks is not one duty)."""
    end = _duty_line_end(masked, pos)
    if masked[pos:end].strip(" \t" + VOID):
        return pos, end
    nxt = end + 1
    while nxt < len(masked) and nxt - pos < DUTY_MAX:
        e = _duty_line_end(masked, nxt)
        if masked[nxt:e].strip(" \t"):
            return nxt, e
        nxt = e + 1
    return pos, pos


DUTY_MAX = 800  # characters: the longest duty paragraph is far shorter


def _duty_line_end(masked: str, pos: int) -> int:
    """The end of the line from pos, or past DUTY_MAX its last sentence end (。) before that."""
    limit = min(len(masked), pos + DUTY_MAX)
    end = masked.find("\n", pos, limit)
    if end != -1 or limit == len(masked):
        return end if end != -1 else limit
    stop = masked.rfind("。", pos, limit)
    return stop if stop > pos else limit


def parse_group(mv: Masked, m, duty_start: int, duty_end: int) -> list[Found]:
    """One matched subject -> a Found per department in it, all with the duty that follows."""
    duty = mv.written(duty_start, duty_end).strip().rstrip("。;；")
    if not TASK_TEXT.search(duty):  # `县医疗保障服务中心:0930-7721592` is a phone list, not a task
        return []
    g0, g1 = m.span("group")
    ev = mv.text_span(g0, duty_end)
    return [f for f in items_in(mv, g0, g1, duty, ev)]


def items_in(mv: Masked, g0: int, g1: int, duty: str, ev: tuple[int, int]):
    """The departments of a group of names in view[g0:g1] (fillers such as 各有关部门 skipped)."""
    g = grammar()
    depth_open = [i for i in range(g0, g1) if mv.masked[i] == "("] if "(" in mv.masked[g0:g1] else []
    bodies = [b.span() for b in g["township"].finditer(mv.view, g0, g1)]  # 经济开发区管委会: no 区管委
    if bodies:
        found = list(_items(mv, g0, g1, duty, ev, bodies, depth_open))
        if not any(f.level == "township" for f in found):
            # no township beside it: the body is the one given the task (kept as written)
            found += [Found(unknown_name(w), w, "township", duty, ev[0], ev[1], False)
                      for w in (mv.written(b0, b1) for b0, b1 in bodies)]
        yield from found
        return
    yield from _items(mv, g0, g1, duty, ev, bodies, depth_open)


def _items(mv: Masked, g0: int, g1: int, duty: str, ev: tuple[int, int], bodies, depth_open):
    g = grammar()
    for im in g["item"].finditer(mv.masked, g0, g1):
        i0, i1 = im.span()
        if any(b0 <= i0 < b1 for b0, b1 in bodies):
            continue
        if depth_open and _in_bracket(mv.masked, g0, i0):
            continue  # 县农业农村局(县乡村振兴局): the bracket renames the office before it
        written = mv.written(i0, i1)
        head = min((i for i in (mv.masked.find(HEAD, i0, i1), mv.masked.find(TOWN_HEAD, i0, i1)) if i != -1), default=-1)
        if head in mv.mentions:
            _, name, level = mv.mentions[head]
            yield Found(name, written, level, duty, ev[0], ev[1], True)
        elif not g["filler"].match(mv.view, i0, i1):
            level = "township" if TOWNSHIP.search(written) else "county"
            yield Found(unknown_name(written), written, level, duty, ev[0], ev[1], False)


def _in_bracket(s: str, lo: int, pos: int) -> bool:
    """Whether pos is inside a bracket opened after lo (and not closed before pos)."""
    return s.rfind("(", lo, pos) > s.rfind(")", lo, pos)


def unknown_name(written: str) -> str:
    """`县农业农村局` -> `农业农村局`, `旗农牧局` -> `农牧局` (contract v1.1): the name without the
    administrative prefix; OCR spaces inside it removed."""
    s = re.sub(r"\s+", "", written)
    m = grammar()["admin_prefix"].match(s)
    return s[m.end():] if m and len(s) - m.end() >= 2 else s


def find_label_duties(mv: Masked) -> list[Found]:
    """`（责任单位：县医保局、县公安局；配合单位：各乡镇人民政府）` after a measure: every unit named is
    given the measure (the text of its line before the bracket, or the line above)."""
    g = grammar()
    masked = mv.masked
    found: list[Found] = []
    for lm in g["unit_label"].finditer(masked):
        g0 = lm.end() + 1 if masked[lm.end():lm.end() + 1] == "\n" else lm.end()  # names wrapped below
        stop = UNITS_END.search(masked, g0, g0 + DUTY_MAX)
        g1 = stop.start() if stop else min(len(masked), g0 + DUTY_MAX)
        line_start = max(masked.rfind("\n", max(0, lm.start() - DUTY_MAX), lm.start()) + 1,
                         lm.start() - DUTY_MAX)  # a measure is one line, never longer than a duty
        bracket = masked.rfind("(", line_start, lm.start())
        measure_end = bracket if bracket != -1 else lm.start()
        measure = masked[line_start:measure_end]
        if not measure.strip(" \t" + VOID):  # the label on its own line: the measure is above
            prev_end = line_start - 1
            while prev_end > 0 and not masked[masked.rfind("\n", 0, prev_end) + 1:prev_end].strip():
                prev_end = masked.rfind("\n", 0, prev_end)
            line_start, measure_end = masked.rfind("\n", 0, max(prev_end, 0)) + 1, max(prev_end, 0)
        duty = strip_marker(mv.written(line_start, measure_end)).rstrip("。;；")
        if not duty:
            continue
        line_end = masked.find("\n", g0, g0 + DUTY_MAX)
        close = masked.find(")", g0, min(len(masked), g0 + DUTY_MAX) if line_end == -1 else line_end)
        ev = mv.text_span(line_start, close + 1 if close != -1 else g1)  # the measure and its whole bracket
        found += items_in(mv, g0, g1, duty, ev)
    return found


UNITS_END = re.compile(r"[;)。\n]")  # the names after a unit label end here
MARKER_RE = re.compile(r"^\s*(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、])\s*")


def strip_marker(s: str) -> str:
    return MARKER_RE.sub("", s).strip()


PUNCT_GAP = re.compile(r"[\s\p{P}]+")


@functools.cache
def _unit_words():
    """The unit labels and bare unit headers as one stdlib alternation: one scan of the view, not
    one `in` per word over the view and the text (a word without a space that is in the text is
    in the view too: only spaces between Han characters are taken out)."""
    words = sorted({*terms()["unit_labels"], *terms()["bare_unit_headers"]}, key=len, reverse=True)
    return sre.compile("|".join(sre.escape(w) for w in words))


def find_table_duties(mv: Masked, text: str) -> list[Found]:
    """Duty tables: each department in a 责任单位 / 配合单位 column is given the row's task."""
    g = grammar()
    found: list[Found] = []
    sq = mv.sq
    bare = set(terms()["bare_unit_headers"])
    if not _unit_words().search(mv.view) and not any(" " in w and w in text for w in (*terms()["unit_labels"], *bare)):
        return found  # no 责任单位 column anywhere: the tables are not read
    for table in structure.parse(text).tables:
        header = [close_cell_gaps(c.text) for c in table.rows[0].cells]  # `责任 单位`: an OCR space
        units = [k for k, h in enumerate(header) if g["unit_header"].search(h)]
        tasks = [k for k, h in enumerate(header) if k not in units and g["task_header"].search(h)]
        if not units:   # `单位 | 工作职责`: a bare 单位 header beside a column headed wholly as tasks
            whole = set(terms()["task_headers"])
            tasks = [k for k, h in enumerate(header) if PUNCT_GAP.sub("", h) in whole]
            units = [k for k, h in enumerate(header) if k not in tasks and PUNCT_GAP.sub("", h) in bare] if tasks else []
        if not units:
            continue
        for row in table.rows[1:]:
            cells = row.cells
            task = cells[tasks[0]].text if tasks and tasks[0] < len(cells) else ""
            if not task:
                continue
            ev = (row.start, row.end)
            for k in units:
                if k < len(cells) and cells[k].text:
                    a, b = sq.to_view(cells[k].start), sq.to_view(cells[k].end)
                    cell = list(items_in(mv, a, b, task, ev))
                    found += cell + bare_cell_items(mv, a, b, task, ev, cell)
    return found


CELL_SEP = re.compile(r"[^、,，;；\s]+")


def bare_cell_items(mv: Masked, a: int, b: int, task: str, ev: tuple[int, int], cell: list[Found]) -> list[Found]:
    """The pieces of a unit cell that name an office without its prefix (`农业农村局、残联`,
    `宣传部、融媒体中心`: 172), kept as unknown departments; pieces read already are skipped."""
    g = grammar()
    read = [re.sub(r"\s+", "", f.as_written) for f in cell]
    out = []
    for pm in CELL_SEP.finditer(mv.view, a, b):
        piece = pm.group()
        if any(w in piece or piece in w for w in read) or not g["bare_name"].fullmatch(piece):
            continue
        if g["filler"].match(mv.view, pm.start(), pm.end()) or HEAD in mv.masked[pm.start():pm.end()]:
            continue
        level = "township" if TOWNSHIP.search(piece) else "county"
        out.append(Found(unknown_name(piece), piece, level, task, ev[0], ev[1], False))
    return out


BRACKET_AT_END = re.compile(r"\(([^()\n]{2,160})\)[。.]?[ \t]*$", re.M)
BRACKET_PART_SEP = re.compile(r"[,;]")


def find_bracket_duties(mv: Masked) -> tuple[list[Found], list[tuple[int, int]]]:
    """`…建立工作台账。（县医保局牵头，县公安局、各乡镇人民政府配合）`: a bracket closing a measure's
    line whose every part is a group and a role word (duty_terms.yaml `bracket_roles`); each
    department in it is given the measure. -> (duties, the brackets' view spans)."""
    g = grammar()
    masked = mv.masked
    found: list[Found] = []
    spans = []
    for bm in BRACKET_AT_END.finditer(masked):
        b0, b1 = bm.span(1)
        parts, pos = [], b0
        for sep in list(BRACKET_PART_SEP.finditer(masked, b0, b1)) + [None]:
            end = sep.start() if sep else b1
            parts.append((pos, end))
            pos = sep.end() if sep else b1
        matches = [g["bracket_part"].match(masked, p0, p1) for p0, p1 in parts]
        if not all(matches):
            continue
        line_start = masked.rfind("\n", max(0, bm.start() - DUTY_MAX), bm.start()) + 1
        duty = strip_marker(mv.written(line_start, bm.start())).rstrip("。;；")
        if not TASK_TEXT.search(duty):
            continue
        ev = mv.text_span(line_start, bm.end())
        for m in matches:
            found += items_in(mv, m.start("group"), m.end("group"), duty, ev)
        spans.append((bm.start(), bm.end()))
    return found, spans


# ---- merging -------------------------------------------------------------------------------------

def merge(text: str, found: list[Found]) -> tuple[list[Duty], list[str]]:
    """One Duty per department, duties joined in order; evidence from the first place it is asked."""
    by_name: dict[str, Found] = {}
    texts: dict[str, list[str]] = {}
    for f in found:
        if f.name not in by_name:
            by_name[f.name] = f
            texts[f.name] = []
        if len(texts[f.name]) < MAX_DUTIES and not any(f.duty in t for t in texts[f.name]):
            texts[f.name].append(f.duty)
    duties = [
        Duty(name=f.name, as_written=f.as_written, level=f.level,
             duties=DUTY_SEP.join(texts[f.name]), evidence=evidence(text, f.start, f.end))
        for f in sorted(by_name.values(), key=lambda f: f.start)
    ]
    unknown = [f.as_written for f in by_name.values() if not f.known]
    return duties, unknown


def _neighbour_lines(masked: str, line_start: int):
    """The starts of the nearest non-blank lines above and below the line at `line_start`."""
    above = line_start - 1
    while above > 0:
        a = masked.rfind("\n", 0, above) + 1
        if masked[a:above].strip():
            yield a
            break
        above = a - 1
    below = masked.find("\n", line_start)
    while below != -1 and below + 1 < len(masked):
        e = _line_end(masked, below + 1)
        if masked[below + 1:e].strip():
            yield below + 1
            break
        below = masked.find("\n", below + 1)


def find_bare_heading_duties(mv: Masked) -> list[Found]:
    """`农业农村局：负责提供…名单` in a list of `医保局：…` / `县财政局：…` lines: an office written
    without its 县/区 prefix heads its line; kept only when a neighbouring line is headed by a
    known department in the same way (a duty list, not any `…局：` line)."""
    g = grammar()
    masked = mv.masked
    found: list[Found] = []
    if ":" not in masked:
        return found
    for m in _bare_lines(g["bare_line"], masked):
        if not any(g["known_line"].match(masked, s, _line_end(masked, s)) for s in _neighbour_lines(masked, m.start())):
            continue
        n0, n1 = m.span("name")
        duty_start, duty_end = m.end(), _duty_line_end(masked, m.end())
        duty = mv.written(duty_start, duty_end).strip().rstrip("。;；")
        if not TASK_TEXT.search(duty):
            continue
        written = mv.written(n0, n1)
        if g["filler"].match(mv.view, n0, n1):
            continue
        ev = mv.text_span(n0, duty_end)
        level = "township" if TOWNSHIP.search(written) else "county"
        found.append(Found(unknown_name(written), written, level, duty, ev[0], ev[1], False))
    return found


def _bare_lines(pattern, masked: str):
    """The matches `pattern.finditer(masked)` gives, tried only at the starts of lines holding a
    colon: a bare heading lies in one line and ends in a colon (heading_tail), and a scan of the
    whole text tries the line-start anchor at every character."""
    colon = masked.find(":")
    while colon != -1:
        start = masked.rfind("\n", 0, colon) + 1
        m = pattern.match(masked, start)
        if m:
            yield m
        end = masked.find("\n", colon)
        if end == -1:
            return
        colon = masked.find(":", end)


def find_duties(text: str) -> tuple[list[Found], int]:
    """The duties found, and the cap the subjects stopped at (0: every clause start was tried)."""
    mv = Masked(text)
    bracketed, spans = find_bracket_duties(mv) if ")" in mv.masked else ([], [])
    spans = [mv.text_span(a, b) for a, b in spans]
    # a subject inside such a bracket (`县公安局、…配合`) has the measure as its duty, not its role word
    subjects = [f for f in find_subject_duties(mv) if not any(a <= f.start < b for a, b in spans)]
    return (subjects + find_label_duties(mv) + find_table_duties(mv, text)
            + find_bare_heading_duties(mv) + bracketed), mv.capped


def extract(text: str, ctx: Context) -> dict:
    try:
        found, capped = find_duties(text)
        duties, unknown = merge(text, found)
    except RESOURCE_ERRORS:  # a resource limit quarantines the document: never "nothing found"
        raise
    except Exception:  # extraction never raises on any text
        return dict(departments=[])
    if capped:
        ctx.note_capped("departments", capped, "部门分句")
    for name in unknown:
        ctx.flags.append(Flag(code="unknown_department", severity="info", field="departments",
                              message=f"部门不在词表中，按原文保留：{name}"))
    return dict(departments=duties)
