"""Targets: the coverage and completion rates a notice sets (参保率达到90%, 100%参保, 任务的96%).

Three sentence shapes, tried in order on every clause:
  1. a rate and a figure:   "户籍人口参保率达到90%", "录入准确率、及时办结率达到100%"
  2. a figure and 参保:      "确保属地户籍人口100%参保", "力争辖区居民百分之百参保缴费"
  3. a stage's share:       "集中征缴阶段要完成目标任务的96%"
The population is the group written before the rate; a group that means everyone (辖区居民,
全县城乡居民) is no population at all, so restating the overall goal in other words dedupes.
"""
from __future__ import annotations

from functools import lru_cache

import regex as re

from noticeflow.extractors.context import Context
from noticeflow.extractors.numbers import CN_DIGITS, PERCENT, parse_number
from noticeflow.extractors.spans import evidence, stop_after, stop_before
from noticeflow.schemas import Target

CLAUSE_STOPS = "。；;,，:：\n"
# Every shape holds a percentage, so only clauses holding one of these are looked at.
PERCENT_WORDS = ("%", "％", "百分之")

# ---- shape 1: METRIC(、METRIC) VERB PERCENT --------------------------------------------------
VERB = r"""
    (?:均|都|也|要|须|必须|应|应当|力争|确保|争取|努力|稳定|保持|继续|全部)?\s*
    (?:达到|达|提高到|提高至|提升到|提升至|保持在|稳定在|不低于|不少于|超过|在)?\s*
"""
RATE_RE = re.compile(
    rf"""(?P<body>[\p{{Han}}、()（）]{{1,60}}?率)   # 户籍人口参保率 / 甲率、乙率
         {VERB}
         {PERCENT}\s*(?:以上|左右)?""",
    re.X,
)
# What must follow the 率 ending a rate's body (run only right after each 率 of a clause).
RATE_TAIL_RE = re.compile(rf"{VERB}{PERCENT}", re.X)
# ---- shape 2: POPULATION PERCENT 参保 ---------------------------------------------------------
SHARE_RE = re.compile(
    rf"""(?P<body>[\p{{Han}}、()（）]{{2,40}}?)\s*
         {PERCENT}\s*(?=参保|参加|缴费|覆盖)""",
    re.X,
)
# ---- shape 3: STAGE …完成…任务的 PERCENT / STAGE 未完成 PERCENT 目标任务 ------------------------
STAGE = r"(?P<body>[\p{Han}]{2,20}?(?:阶段|期间))"
STAGE_RE = re.compile(
    rf"""{STAGE}[^。；;,，\n]{{0,12}}?完成[^。；;,，\n%]{{0,10}}?任务(?:数)?的?\s*{PERCENT}
       | {STAGE}[^。；;,，\n]{{0,6}}?完成\s*{PERCENT}\s*的?(?:目标)?任务""",
    re.X,
)

# Words that end the lead-in of a clause: the population starts after the last of them.
LEAD_VERB_RE = re.compile(r".*(?:确保|力争|争取|实现|保证|做到|推动|务必|努力|要求|使得|对于|其中|并且)|^(?:要|对|使|并|且)")
# Qualifiers of place that do not change who is meant (属地户籍人口 = 户籍人口).
PLACE_RE = re.compile(r"^(?:全县|全市|全区|全省|全乡|全镇|我县|我市|本县|本市|属地|本辖区|辖区内?|县域内?|各乡镇|各地|全体|所有)+")
EVERYONE_RE = re.compile(r"^(?:城乡|全体|所有)?(?:居民|群众|人民群众|参保人|人口|人员)?$")
# The group nouns a population ends with, before the rate it is measured by.
POP_NOUN_RE = re.compile(r"(?:人口|群众|居民|对象|人员|学生|儿童|户|职工|农民|家庭|群体)")
METRIC_PREFIX_RE = re.compile(r"^(?:城乡居民基本医疗保险|城乡居民医保|基本医疗保险|基本医保|居民医保|医疗保险|医保)(?=\p{Han}{2,}率$)")
NOT_TARGET_RE = re.compile(r"报销|支付|补偿|增长|比例|利率|费率|税率")
ITEM_SPLIT_RE = re.compile(r"、|和|以及")
PAREN_RE = re.compile(r"[()（][^)）]*[)）]")

# Words each shape cannot match without (cheap `in` tests that skip a clause before its regex):
RATE_WORD = "率"
SHARE_WORDS = ("参保", "参加", "缴费", "覆盖")  # SHARE_RE's lookahead
# ...and the end of a figure right before that word (matched backwards from it, as the regex would).
SHARE_FIGURE_END_RE = re.compile(rf"(?r)[%％\d{CN_DIGITS}]\s*")
STAGE_WORDS, STAGE_DONE = ("阶段", "期间"), ("完成", "任务")
# Chinese numerals go through cn2an, slow enough to matter; the same few figures recur.
_number = lru_cache(maxsize=256)(parse_number)


def _pct(m) -> float | int | None:
    """The figure of a PERCENT match; 百分之百 is 100 (cn2an reads a bare 百 as nothing)."""
    cn = m.group("pcn")
    if cn and cn.startswith("百"):
        cn = "一" + cn
    return _number(m.group("pnum") or cn)


def parse_population(s: str) -> str | None:
    """'确保属地户籍人口' -> '户籍人口'; '辖区居民' -> None (everyone)."""
    s = PAREN_RE.sub("", s or "")
    lead = LEAD_VERB_RE.match(s)
    if lead:
        s = s[lead.end():]
    s = PLACE_RE.sub("", s).strip()
    return None if EVERYONE_RE.match(s) else s


def parse_rate_body(body: str) -> list[tuple[str, str | None]]:
    """'户籍人口和常住人口参保率' -> [(参保率, 户籍人口), (参保率, 常住人口)]; metrics split on 、."""
    lead = LEAD_VERB_RE.match(body)
    if lead:
        body = body[lead.end():]
    out, pending = [], []
    for item in ITEM_SPLIT_RE.split(body):
        item = PLACE_RE.sub("", item.strip())
        if not item:
            continue
        if not item.endswith("率"):
            pending.append(item)  # a population sharing the next item's rate
            continue
        pop, metric = None, item
        for m in POP_NOUN_RE.finditer(item):
            rest = item[m.end():]
            if len(rest) >= 2 and rest.endswith("率"):
                pop, metric = item[:m.end()], rest
        metric = METRIC_PREFIX_RE.sub("", metric)
        if NOT_TARGET_RE.search(metric):
            pending = []
            continue
        for p in pending + [pop]:
            out.append((metric, parse_population(p) if p else None))
        pending = []
    return out


def find_percent_clauses(text: str) -> list[tuple[int, int]]:
    """The clauses holding a percentage, in order, each once (found from the % signs, not by
    cutting the whole text into clauses)."""
    out: set[tuple[int, int]] = set()
    for word in PERCENT_WORDS:
        i = text.find(word)
        while i != -1:
            start = stop_before(text, i, CLAUSE_STOPS) + 1
            end = stop_after(text, i, CLAUSE_STOPS)
            if end == -1:
                end = len(text)
            out.add((start, end))
            i = text.find(word, end)
    return sorted(out)


def _rate_then_figure(text: str, s: int, e: int) -> bool:
    """Whether some 率 in [s, e) is followed by (a verb and) a figure, without which RATE_RE
    cannot match; a cheap test that spares the clauses holding no rate target."""
    i = text.find(RATE_WORD, s, e)
    while i != -1:
        if RATE_TAIL_RE.match(text, i + 1, e):
            return True
        i = text.find(RATE_WORD, i + 1, e)
    return False


def find_rate_targets(text: str, s: int, e: int) -> list[Target]:
    out = []
    if not _rate_then_figure(text, s, e):
        return out
    for m in RATE_RE.finditer(text, s, e):
        pct = _pct(m)
        if pct is None or not 0 < pct <= 100:
            continue
        for metric, pop in parse_rate_body(m.group("body")):
            out.append(Target(metric=metric, population=pop, percent=pct, evidence=evidence(text, s, m.end())))
    return out


def _figure_then_share_word(text: str, s: int, e: int) -> bool:
    """Whether [s, e) has a figure followed by 参保/参加/缴费/覆盖, without which SHARE_RE
    cannot match (most % clauses read '参保率达到90%,': the word is there, not after the %)."""
    for w in SHARE_WORDS:
        i = text.find(w, s, e)
        while i != -1:
            if SHARE_FIGURE_END_RE.match(text, s, i):
                return True
            i = text.find(w, i + 1, e)
    return False


def find_share_targets(text: str, s: int, e: int) -> list[Target]:
    out = []
    if not _figure_then_share_word(text, s, e):
        return out
    for m in SHARE_RE.finditer(text, s, e):
        pct = _pct(m)
        if pct is None or not 0 < pct <= 100:
            continue
        out.append(Target(metric="参保率", population=parse_population(m.group("body")), percent=pct,
                          evidence=evidence(text, s, e)))
    return out


def find_stage_targets(text: str, s: int, e: int) -> list[Target]:
    out = []
    if (all(text.find(w, s, e) == -1 for w in STAGE_WORDS)
            or any(text.find(w, s, e) == -1 for w in STAGE_DONE)):
        return out
    for m in STAGE_RE.finditer(text, s, e):
        pct = _pct(m)
        if pct is None or not 0 < pct <= 100:
            continue
        stage = parse_population(m.group("body")) or m.group("body")
        out.append(Target(metric="任务完成率", population=stage, percent=pct, evidence=evidence(text, s, m.end())))
    return out


def extract(text: str, ctx: Context) -> dict:
    """Every distinct target (metric, population, percent) in the order first written."""
    text = text or ""
    seen, out = set(), []
    for s, e in find_percent_clauses(text):
        for finder in (find_rate_targets, find_share_targets, find_stage_targets):
            try:
                found = finder(text, s, e)
            except ValueError:
                continue
            for t in found:
                key = (t.metric, t.population, float(t.percent))
                if key not in seen:
                    seen.add(key)
                    out.append(t)
    return dict(targets=out)
