"""Targets: the coverage and completion rates a notice sets (参保率达到90%, 100%参保, 任务的96%).

Three sentence shapes, tried in order on every clause:
  1. a rate and a figure:   "户籍人口参保率达到90%", "录入准确率、及时办结率达到100%"
  2. a figure and 参保:      "确保属地户籍人口100%参保", "力争辖区居民百分之百参保缴费"
  3. a stage's share:       "集中征缴阶段要完成目标任务的96%", "于11月30日前完成参保任务的90%"
The population is the group written before the rate, as written when several are joined
(特困人员、低保对象和监测对象参保率 is one target), the umbrella when a list ends 等困难群众; a
group that means everyone (辖区居民, 全县城乡居民) is no population at all, so restating the overall
goal in other words dedupes. A 任务完成率 names its stage as the population (集中缴费期结束时各乡镇
任务完成率98% -> 集中缴费期). Not targets: last year's figures (上年度参保率96.2%), scoring rules
(…达到90%以上的得10分) and whatever stands in a scoring table or a 考核办法.
"""
from __future__ import annotations

from functools import lru_cache

import regex as re

from noticeflow.extractors import structure
from noticeflow.extractors.compact import to_original, view
from noticeflow.extractors.context import Context
from noticeflow.extractors.numbers import CN_DIGITS, PERCENT, parse_number
from noticeflow.extractors.spans import MAX_REACH, evidence, stop_after, stop_before
from noticeflow.schemas import Target

CLAUSE_STOPS = "。；;,，:：\n"
# Every shape holds a percentage, so only clauses holding one of these are looked at.
# A share may be written in tenths (任务的九成, 九成五 = 95%).
TENTHS_DIGITS = "一二三四五六七八九"
TENTHS = rf"(?P<tenths>[{TENTHS_DIGITS}])成(?P<hundredths>[{TENTHS_DIGITS}])?(?![员为立效果绩本熟功])"
FIGURE = rf"(?:{PERCENT}|{TENTHS})"
PERCENT_WORDS = ("%", "％", "百分之", *(d + "成" for d in TENTHS_DIGITS))

# ---- shape 1: METRIC(、METRIC) VERB PERCENT --------------------------------------------------
VERB = r"""
    (?:(?:均|都|也|要|须|必须|应|应当|力争|确保|争取|努力|稳定|保持|继续|全部|巩固|持续)\s*){0,2}  # 持续保持100%
    (?:达到|达|提高到|提高至|提升到|提升至|保持在|稳定在|维持在|不低于|不少于|超过|在)?\s*
"""
# 参保率不低于上年水平，稳定在95%以上 / 参保率较上年提高1个百分点以上，力争达到97%: a comparison with
# last year in a clause of its own between the rate and its figure
PAST_COMPARISON = (r"(?:(?:不低于|不少于|高于)(?:上年|去年|上一年)度?(?:水平)?"
                   r"|(?:较|比)(?:上年|去年|上一年)度?(?:提高|提升|增长|增加)[^,，。；;:：\n%]{0,12}?)")
NOT_BELOW_PAST = rf"(?:{PAST_COMPARISON}\s*[,，]\s*)?"
PAST_FLOOR_END_RE = re.compile(rf"率{PAST_COMPARISON}\s*[,，]$")
PAST_FLOOR_REACH = 24  # characters back from a clause start to the 率 whose comparison ends there
# 参保率不低于上年水平（96.3%）: last year's level named, its figure in a bracket (the floor set)
PAST_LEVEL_BRACKET = r"(?:(?:上年|去年|上一年)度?(?:水平)?\s*[(（]\s*)?"
RATE_RE = re.compile(
    rf"""(?P<body>[\p{{Han}}、()（）]{{1,60}}?率)   # 户籍人口参保率 / 甲率、乙率
         {NOT_BELOW_PAST}{VERB}{PAST_LEVEL_BRACKET}
         {FIGURE}\s*(?:以上|左右)?""",
    re.X,
)
# What must follow the 率 ending a rate's body (run only right after each 率 of a clause).
RATE_TAIL_RE = re.compile(rf"{NOT_BELOW_PAST}{VERB}{PAST_LEVEL_BRACKET}{FIGURE}", re.X)
# ---- shape 2: POPULATION PERCENT 参保 ---------------------------------------------------------
SHARE_RE = re.compile(
    rf"""(?P<body>[\p{{Han}}、()（）]{{2,40}}?)\s*
         {PERCENT}\s*(?=参保|参加|缴费|覆盖)""",
    re.X,
)
# ---- shape 3: STAGE …完成…任务的 PERCENT / STAGE 未完成 PERCENT 目标任务 ------------------------
STAGE = r"(?P<body>[\p{Han}]{2,20}?(?:阶段|期间|期(?=内|结束[时前])))(?:内|结束[时前])?"  # 集中缴费期内 / 集中缴费期结束前: the stage is 集中缴费期
MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"  # a month or day, in digits or in Chinese numerals (十一月三十日前)
STAGE_RE = re.compile(
    rf"""{STAGE}\s*[,，]?[^。；;,，\n]{{0,12}}?完成[^。；;,，\n%]{{0,10}}?任务(?:数)?的?\s*{FIGURE}  # 集中缴费期结束前，各乡（镇）要完成…
       | {STAGE}[^。；;,，\n]{{0,6}}?完成\s*{FIGURE}\s*的?(?:目标)?任务
       | (?:于|在)?\s*(?P<by>{MD}月(?:{MD}[日曰]|底|末)(?:前|之前|以前))\s*(?:[,，]\s*[^。；;,，\n%\d]{{0,12}}?)?完成[^。；;,，\n%]{{0,10}}?(?:任务|目标)(?:数)?的\s*{FIGURE}
       | (?:于|在)?\s*(?P<by2>{MD}月(?:{MD}[日曰]|底|末)(?:前|之前|以前))\s*完成\s*{FIGURE}\s*(?:以上)?的?
         [^。；;,，\n%]{{0,8}}?任务   # 11月30日前完成80%的征缴任务
       | (?<=^|[,，])(?:于|在)?\s*(?P<by4>{MD}月(?:{MD}[日曰]|底|末)(?:前|之前|以前))\s*(?:要|须|应|务必)?\s*完成\s*{FIGURE}\s*(?:以上)?(?=\s*(?:[,，。；;\n]|$))  # …任务的60%，11月30日前完成85%: the task of the clause before
       | (?:(?:截至|截止到?|到)\s*(?:\d{{4}}年)?(?P<by3>{MD}月(?:{MD}[日曰]|底|末))|(?:\d{{4}}年)?(?P<by3>{MD}月(?:{MD}[日曰]|底|末)(?:前|之前|以前)))
         \s*[,，]\s*[^。；;,，\n%]{{0,12}}?进度
         \s*(?:要|须|应|需)?\s*达到[^。；;,，\n%]{{0,10}}?(?:任务|目标)(?:数)?的\s*{FIGURE}""",  # 截至11月30日，各镇参保进度须达到年度任务的90%
    re.X,
)
# 集中缴费期结束时各乡镇任务完成率: the stage before a task-completion rate is its population.
TASK_RATE_RE = re.compile(r"^(?P<pre>.*?)(?:参保缴费|参保|征缴)?(?:目标)?任务完成率$")
STAGE_IN_RE = re.compile(r"(?P<stage>\p{Han}{2,12}?(?:阶段|期间|期))(?:结束时|结束前|结束|末|内)?")
PREVIOUS_STAGE_RE = re.compile(r"(?P<stage>\p{Han}{2,12}?(?:阶段|期间|期))(?:结束时|结束前|结束|末|内)?[,，]\s*$")
# A list of groups closed by 等 + an umbrella (…、监测对象等困难群众) is that umbrella.
UMBRELLA_RE = re.compile(r"等(?P<umbrella>\p{Han}{2,12})$")
# Not targets: a figure of a past year, a scoring rule, a scoring table or rules document.
PAST_RE = re.compile(r"上年|去年|上一年|前一年|同期")
# ...or a figure in a sentence about what was done (2020年度全旗实际参保15.17万人，参保率95.1%)
# or opened by a year before the policy year's collection season ends.
DONE_RE = re.compile(r"实际参保|实际完成|已参保|已完成|共参保|累计参保")
SENTENCE_STOPS = "。；;\n"
YEAR_WRITTEN_RE = re.compile(r"(?P<y>20\d{2})\s*年(?!\d{1,2}月)")
SCORING_RULE_RE = re.compile(r"[^。；;\n]{0,12}?(?:的|者)?\s*[,，]?\s*(?:得|加|扣|计)\s*[\d.]+\s*分")
SCORING_HEADER_RE = re.compile(r"分值|得分|分数|评分|考核|计分|权重")
SCORING_TITLE_RE = re.compile(r"考核|评分|计分|考评|评价|奖惩")
# either pattern needs one of its words: a cheap test before either regex runs
SCORING_WORDS = tuple(dict.fromkeys(SCORING_HEADER_RE.pattern.split("|") + SCORING_TITLE_RE.pattern.split("|")))

# Words that end the lead-in of a clause: the population starts after the last of them.
LEAD_VERB_RE = re.compile(r".*(?:确保|力争|争取|实现|保证|做到|推动|务必|努力|要求|使得|对于|其中|并且)|^(?:要|对|使|并|且)")
# Qualifiers of place that do not change who is meant (属地户籍人口 = 户籍人口).
PLACE_RE = re.compile(r"^(?:今年度?|本年度?|当年度?|明年度?|年内|年度|年(?=[全本我各属辖县])|全县|全市|全区|全旗|全省|全乡|全镇|我县|我市|我区|我旗|本县|本市|本区|本旗|属地|本辖区|辖区内?|县域内?|各乡镇|各地|全体|所有)+")
EVERYONE_RE = re.compile(r"^(?:城乡|全体|所有)?(?:居民|群众|人民群众|参保人|人口|人员)?$")
# The group nouns a population ends with, before the rate it is measured by.
POP_NOUN_RE = re.compile(r"(?:人口|群众|居民|对象|人员|学生|儿童|户|职工|农民|家庭|群体)")
# the scheme's name, and 动态 (the rate kept as the rolls change: 困难群众动态参保率100%), are no part of the metric
METRIC_PREFIX_RE = re.compile(r"^(?:(?:城乡居民基本医疗保险|城乡居民医保|基本医疗保险|基本医保|居民医保|医疗保险|医保)(?:动态)?|动态)(?=\p{Han}{2,}率$)")
# ...and where it stands between a population and its rate, it parts them (户籍人口|居民医保|参保率:
# the 居民 of 居民医保 is no end of the population).
SCHEME_IN_RATE_RE = re.compile(r"(?:城乡居民基本医疗保险|城乡居民医保|居民基本医疗保险|基本医疗保险|基本医保|居民医保|医疗保险)(?:动态)?(?=\p{Han}{2,}率$)")
NOT_TARGET_RE = re.compile(r"报销|支付|补偿|增长|比例|利率|费率|税率")
ITEM_SPLIT_RE = re.compile(r"(、|和|以及)")  # captured: split() keeps the separators
PAREN_RE = re.compile(r"[()（][^)）]*[)）]")

# Words each shape cannot match without (cheap `in` tests that skip a clause before its regex):
RATE_WORD = "率"
SHARE_WORDS = ("参保", "参加", "缴费", "覆盖")  # SHARE_RE's lookahead
# ...and the end of a figure right before that word (matched backwards from it, as the regex would).
SHARE_FIGURE_END_RE = re.compile(rf"(?r)[%％\d{CN_DIGITS}]\s*")
STAGE_WORDS, STAGE_DONE = ("阶段", "期间", "期内", "结束", "截至", "截止", "到"), ("完成", "任务", "目标")  # 完成, then 任务 or 目标
# Chinese numerals go through cn2an, slow enough to matter; the same few figures recur.
_number = lru_cache(maxsize=256)(parse_number)


def _pct(m) -> float | int | None:
    """The figure of a PERCENT match; 百分之百 is 100 (cn2an reads a bare 百 as nothing)."""
    if m.groupdict().get("tenths"):  # 九成 -> 90, 九成五 -> 95
        tenths = TENTHS_DIGITS.index(m.group("tenths")) + 1
        rest = m.group("hundredths")
        return tenths * 10 + (TENTHS_DIGITS.index(rest) + 1 if rest else 0)
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
    """'户籍人口和常住人口参保率' -> [(参保率, 户籍人口和常住人口)]: groups joined before one rate
    are one population, as written; metrics joined by 、 are one target each
    ('录入准确率、及时办结率' -> two)."""
    lead = LEAD_VERB_RE.match(body)
    if lead:
        body = body[lead.end():]
    parts = ITEM_SPLIT_RE.split(body)  # items at even indexes, their separators at odd ones
    out, group = [], ""
    for k in range(0, len(parts), 2):
        item = parts[k].strip()
        sep = parts[k + 1] if k + 1 < len(parts) else ""
        if not item.endswith("率"):
            group += PLACE_RE.sub("", item) + sep  # a population sharing the next item's rate
            continue
        item = PLACE_RE.sub("", item)
        pop, metric = None, item
        scheme = SCHEME_IN_RATE_RE.search(item)
        if scheme and scheme.start() > 0:  # 户籍人口居民医保参保率: the scheme's name parts them
            pop, metric = item[:scheme.start()], item[scheme.end():]
        else:
            for m in POP_NOUN_RE.finditer(item):
                rest = item[m.end():]
                if len(rest) >= 2 and rest.endswith("率"):
                    pop, metric = item[:m.end()], rest
        metric = METRIC_PREFIX_RE.sub("", metric)
        if NOT_TARGET_RE.search(metric):
            group = ""
            continue
        joined = (group + (pop or "")).strip("、和以及 ") or None
        out.append((metric, parse_group(joined) if joined else None))
        group = ""
    return out


# Where the subject of a clause ends: at its first verb (困难群众|实现应保尽保).
SUBJECT_END_RE = re.compile(r"实现|做到|达到|确保|力争|要|均|全部|基本|应保尽保")


def parse_bracketed_rate(body: str) -> list[tuple[str, str | None]]:
    """'困难群众实现应保尽保(参保率' (…应保尽保（参保率100%）): a rate in an open bracket measures
    the clause's subject, written before the bracket; [] when the rate is not in a bracket."""
    i = max(body.rfind("("), body.rfind("（"))
    if i == -1 or ")" in body[i:] or "）" in body[i:]:
        return []
    pre, inner = body[:i], body[i + 1:]
    out = []
    for metric, pop in parse_rate_body(inner):
        if pop is None:
            cut = SUBJECT_END_RE.search(pre)
            pop = parse_population(pre[:cut.start()]) if cut and cut.start() > 0 else None
        out.append((metric, pop))
    return out


def parse_group(joined: str) -> str | None:
    """The population of a rate: a 、-list closed by 等 + an umbrella is the umbrella."""
    pop = parse_population(joined)
    if pop and "、" in pop:
        m = UMBRELLA_RE.search(pop)
        if m:
            return m.group("umbrella")
    return pop


def parse_task_rate(text: str, clause_start: int, metric: str, pop: str | None) -> tuple[str, str | None]:
    """'集中缴费期结束时各乡镇任务完成率' -> (任务完成率, 集中缴费期): a completion rate's population
    is the stage it is measured at, written in it or in the clause before ('集中缴费期结束时,…')."""
    m = TASK_RATE_RE.match((pop or "") + metric)
    if not m:
        return metric, pop
    stage = STAGE_IN_RE.search(m.group("pre"))
    if stage is None:
        stage = PREVIOUS_STAGE_RE.search(text, max(0, clause_start - 24), clause_start)
    return "任务完成率", (stage.group("stage") if stage else None)


def find_percent_clauses(text: str) -> list[tuple[int, int]]:
    """The clauses holding a percentage, in order, each once (found from the % signs, not by
    cutting the whole text into clauses)."""
    out: set[tuple[int, int]] = set()
    for word in PERCENT_WORDS:
        i = text.find(word)
        while i != -1:
            start = stop_before(text, i, CLAUSE_STOPS) + 1
            if start > 1 and PAST_FLOOR_END_RE.search(text, max(0, start - PAST_FLOOR_REACH), start):
                start = stop_before(text, start - 2, CLAUSE_STOPS) + 1  # the rate is in the clause before
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
        if pct is None or not 0 < pct <= 100 or PAST_RE.search(m.group("body")) \
                or SCORING_RULE_RE.match(text, m.end(), min(len(text), m.end() + 24)):
            continue
        for metric, pop in parse_bracketed_rate(m.group("body")) or parse_rate_body(m.group("body")):
            metric, pop = parse_task_rate(text, s, metric, pop)
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


# `2025年度全县参保率为96.12%，2026年度力争达到97%以上`: last year's rate, then a clause opened by
# this year holding only a verb and a figure: the rate of the clause before, carried over.
THIS_YEAR_FIGURE_RE = re.compile(
    rf"\s*(?P<y>20\d{{2}})\s*年度?\s*(?:全县|全市|全区|全旗|我县|我市|我区)?\s*{VERB}{FIGURE}\s*(?:以上|左右)?", re.X)
PAST_RATE_RE = re.compile(rf"(?P<body>[\p{{Han}}、()（）]{{1,60}}?率)\s*(?:为|是|达到|达|已达)?\s*{FIGURE}\s*$", re.X)
LEADING_YEAR_RE = re.compile(r"^\s*(?:20\d{2}\s*年度?|上一?年度?|去年度?)")
DONE_WORD_RE = re.compile(r"实际(?=\p{Han}*率$)")


def find_carried_rate_targets(text: str, s: int, e: int) -> list[Target]:
    """A figure set for a year in a clause without a rate, right after a clause stating that rate
    for an earlier year (or last year): the rate carries over to the figure."""
    m = THIS_YEAR_FIGURE_RE.match(text, s, e)
    if not m or s < 2 or text[s - 1] not in ",，" or text.find(RATE_WORD, s, m.end()) != -1:
        return []
    p0 = stop_before(text, s - 1, CLAUSE_STOPS) + 1
    past = PAST_RATE_RE.search(text, p0, s - 1)
    if not past:
        return []
    years = [int(y.group("y")) for y in YEAR_WRITTEN_RE.finditer(text, p0, s - 1)]
    if not (PAST_RE.search(text, p0, s - 1) or years and years[-1] < int(m.group("y"))):
        return []  # the clause before is no earlier year's figure
    pct = _pct(m)
    if pct is None or not 0 < pct <= 100:
        return []
    body = DONE_WORD_RE.sub("", LEADING_YEAR_RE.sub("", past.group("body")))  # 实际参保率: this year's is 参保率
    return [Target(metric=metric, population=pop, percent=pct, evidence=evidence(text, p0, m.end()))
            for metric, pop in parse_rate_body(body)]


# 完成参保任务的95% with no stage in its clause: the stage heads its line (a 时间安排 item
# `集中征缴阶段（…）：…，完成参保任务的95%`, a table row `集中征缴阶段\t…\t…，完成参保任务的95%`).
SHARE_ONLY_RE = re.compile(rf"完成[^。；;,，\n%]{{0,10}}?任务(?:数)?的\s*{FIGURE}", re.X)
LINE_STAGE_RE = re.compile(r"[\s(（一二三四五六七八九十\d、.)）]*(?P<stage>\p{Han}{2,12}?(?:阶段|期间))")


def line_stage(text: str, s: int) -> str | None:
    """The stage a line opens with (`集中征缴阶段…`), for a share written later on that line."""
    ls = text.rfind("\n", 0, s) + 1
    m = LINE_STAGE_RE.match(text, ls, s)
    return m.group("stage") if m else None


# …11月30日前， / 截至2024年11月30日，: a clause that is only the date a share is due by
DATE_CLAUSE_RE = re.compile(rf"(?:\d{{4}}年)?{MD}月(?:{MD}[日曰]|底|末)(?:前|之前|以前)$|(?:截至|截止到?|到)\s*(?:\d{{4}}年)?{MD}月(?:{MD}[日曰]|底|末)$")


# 集中缴费期结束前， : a clause that is only the stage a share is due by
STAGE_CLAUSE_RE = re.compile(r"\s*\p{Han}{2,12}?(?:阶段|期间|期)(?:内|结束[时前]|末)")


# `完成年度参保任务的60%，11月30日前完成85%`: a share with no task of its own after a clause whose
# share was of the task: the same task, elided.
TASK_SHARE_BEFORE_RE = re.compile(rf"完成[^。；;,，\n%]{{0,10}}?(?:任务|目标)(?:数)?的\s*{FIGURE}\s*(?:以上)?\s*[,，]\s*$")


def elided_task_before(text: str, at: int) -> bool:
    """The clause before `at` (in its sentence) is a share of the task."""
    s0 = stop_before(text, at, SENTENCE_STOPS) + 1
    return TASK_SHARE_BEFORE_RE.search(text, max(s0, at - 60), at) is not None


def find_stage_targets(text: str, s: int, e: int) -> list[Target]:
    out = []
    # `…任务的60%，11月30日前完成85%`: the clause borrows the task of the one before it
    if text.find("完成", s, e) != -1 and elided_task_before(text, s):
        for m in STAGE_RE.finditer(text, s, e):
            pct = _pct(m)
            if m.group("by4") and pct is not None and 0 < pct <= 100:
                out.append(Target(metric="任务完成率", population=m.group("by4"), percent=pct, evidence=evidence(text, s, m.end())))
        if out:
            return out
    # `2025年11月30日前，完成全年参保目标的85%`: a clause that is only its date belongs to the next
    if s >= 2 and text[s - 1] in ",，":
        p0 = stop_before(text, s - 1, CLAUSE_STOPS) + 1
        if DATE_CLAUSE_RE.fullmatch(text, p0, s - 1) or STAGE_CLAUSE_RE.fullmatch(text, p0, s - 1):
            s = p0
        elif (k := text.rfind("%", p0, s - 1)) != -1 and (
                DATE_CLAUSE_RE.fullmatch(text, k + 1, s - 1) or STAGE_CLAUSE_RE.fullmatch(text, k + 1, s - 1)):
            s = k + 1  # OCR lost the 。 after a percent: `…达到100%集中缴费期结束前，各乡（镇）要完成…`
    if (all(text.find(w, s, e) == -1 for w in (STAGE_DONE[0], "进度"))
            or all(text.find(w, s, e) == -1 for w in STAGE_DONE[1:])):
        return out
    if all(text.find(w, s, e) == -1 for w in STAGE_WORDS + ("前",)):
        return line_stage_target(text, s, e)
    for m in STAGE_RE.finditer(text, s, e):
        pct = _pct(m)
        if pct is None or not 0 < pct <= 100:
            continue
        if SCORING_RULE_RE.match(text, m.end(), min(len(text), m.end() + 24)):
            continue
        if m.group("by4") and not elided_task_before(text, m.start("by4")):
            continue
        stage = (m.group("by") or m.group("by2") or m.group("by3") or m.group("by4")
                 or parse_population(m.group("body")) or m.group("body"))
        out.append(Target(metric="任务完成率", population=stage, percent=pct, evidence=evidence(text, s, m.end())))
    return out or line_stage_target(text, s, e)


def line_stage_target(text: str, s: int, e: int) -> list[Target]:
    """`完成参保任务的95%` in a clause naming no stage, on a line a stage opens."""
    m = SHARE_ONLY_RE.search(text, s, e)
    stage = line_stage(text, m.start()) if m else None
    pct = _pct(m) if stage else None
    if pct is None or not 0 < pct <= 100:
        return []
    return [Target(metric="任务完成率", population=stage, percent=pct, evidence=evidence(text, s, m.end()))]


def is_past(text: str, s: int, e: int, policy_year: int | None) -> bool:
    """A figure of a past year: its sentence, up to the figure, says what was done (实际参保) or
    its last year written (2020年度…) is before the policy year."""
    s0 = max(stop_before(text, s, SENTENCE_STOPS) + 1, s - MAX_REACH)  # bounded: a text without 。 stays linear
    if DONE_RE.search(text, s0, e):
        return True
    years = [int(m.group("y")) for m in YEAR_WRITTEN_RE.finditer(text, s0, e)]
    return bool(policy_year and years and years[-1] < policy_year)


def find_excluded(text: str) -> list[tuple[int, int]]:
    """Where figures are scoring thresholds, not targets: scoring tables (a header naming
    分值/得分) and attachments or plans whose title is a 考核/评分 rules document."""
    st = structure.parse(text)
    out = [(p.start, p.end) for p in st.parts_of("attachment", "plan")
           if p.title and SCORING_TITLE_RE.search(p.title)]
    out += [(t.start, t.end) for t in st.tables
            if t.rows and SCORING_HEADER_RE.search("".join(t.rows[0].values))]
    return out


def extract(text: str, ctx: Context) -> dict:
    """Every distinct target (metric, population, percent) in the order first written."""
    v = view(text or "")
    text = v.text
    scoring = any(w in text for w in SCORING_WORDS) and any(w in text for w in PERCENT_WORDS)
    excluded = find_excluded(v.original) if scoring else []  # the structure other extractors share
    seen, out = set(), []
    for s, e in find_percent_clauses(text):
        if excluded and any(a <= v.pos(s) < b for a, b in excluded):
            continue
        for finder in (find_rate_targets, find_share_targets, find_stage_targets, find_carried_rate_targets):
            try:
                found = finder(text, s, e)
            except ValueError:
                continue
            for t in found:
                if finder is not find_carried_rate_targets \
                        and is_past(text, t.evidence.start, t.evidence.end, ctx.policy_year):
                    continue
                key = (t.metric, t.population, float(t.percent))
                if key not in seen:
                    seen.add(key)
                    out.append(t)
    return to_original(v, dict(targets=out))
