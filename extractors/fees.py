"""Premium standards (缴费标准): the individual premium and the fiscal subsidy per person.

Notices state the fee in a handful of shapes: "个人缴费标准为350元", "个人参保缴费标准为每人350元",
"同步提高个人缴费标准30元，达到每人每年350元", "个人缴费提高至400元", "个人缴费标准由350元提高到380元",
and the fiscal side "人均财政补助标准新增30元，达到每人每年不低于610元". Amounts in tier lines
("个人缴费40元") or incentive clauses ("奖励1元", "扣350元") carry no 标准/rise verb and are not fees.
The individual fee is stored on the context: tiers derive shares from it.
"""
from __future__ import annotations

import bisect

import regex as re

from noticeflow.extractors.context import Context
from noticeflow.extractors.numbers import NUM, parse_number
from noticeflow.extractors.spans import clause_span, evidence
from noticeflow.schemas import Fee
from noticeflow.schemas.errors import RESOURCE_ERRORS

# Named fragments shared by the patterns below.
_PER = r"(?:每人每年|每人每月|每人|人均|每年)?"            # 每人每年 350元
_RISE = r"(?:提高|上调|增加|新增|提升|调增)了?"             # the verbs of a stated rise
_REACH = r"(?:达到|提高到|提高至|增加到|增加至|上调到|上调至|调整为|调整到|调整至|提升到|提升至|到|至|为)"
_AT_LEAST = r"(?P<al>不低于|不少于|最低)?"                   # qualifier of the new amount
_INDIV = r"(?:城乡)?(?:居民)?个人(?:参保)?缴费"             # 个人缴费 / 个人参保缴费
_FISCAL = r"(?:各级)?(?:人均)?财政(?:人均)?补助"            # 人均财政补助 / 财政人均补助

_INDIVIDUAL_PATTERNS = (
    # 同步提高个人缴费标准30元，达到每人每年350元
    re.compile(rf"""
        {_RISE} {_INDIV} (?:标准)?                 # 提高个人缴费标准
        (?P<chg>{NUM}) \s* 元 [,，]? \s*            # 30元，
        (?:{_REACH}) {_PER} {_AT_LEAST}              # 达到每人每年
        (?P<amt>{NUM}) \s* 元                        # 350元
    """, re.X),
    # 个人缴费标准由350元提高到380元 / 个人缴费标准为380元/人 / 个人缴费标准提高至400元
    re.compile(rf"""
        {_INDIV} 标准                                # 个人缴费标准
        (?:由 {_PER} (?P<old>{NUM}) \s* 元)?        # 由350元
        (?:(?:{_RISE})? {_REACH} | 是 | :)? {_PER} {_AT_LEAST}  # 提高到 每人每年 (a rise needs its target)
        (?P<amt>{NUM}) \s* 元                        # 380元
        (?:[^。;\n]{{0,12}}? {_RISE} (?P<chg>{NUM}) \s* 元)?   # ，比上年提高30元
    """, re.X),
    # 个人缴费提高至400元 (a rise verb stands in for 标准)
    re.compile(rf"""
        {_INDIV} {_RISE} {_REACH} {_PER} {_AT_LEAST}  # 个人缴费提高至每人
        (?P<amt>{NUM}) \s* 元                         # 400元
    """, re.X),
)

_FISCAL_PATTERNS = (
    # 人均财政补助标准新增30元，达到每人每年不低于610元
    re.compile(rf"""
        {_FISCAL} (?:标准)? {_RISE}                  # 人均财政补助标准新增
        (?P<chg>{NUM}) \s* 元 [,，]? \s*            # 30元，
        {_REACH} {_PER} {_AT_LEAST}                  # 达到每人每年不低于
        (?P<amt>{NUM}) \s* 元                        # 610元
    """, re.X),
    # 财政补助标准为每人每年不低于640元 / 人均财政补助标准提高到670元 / 财政补助标准每人每年不低于640元
    re.compile(rf"""
        {_FISCAL} 标准 (?:(?:{_RISE})? {_REACH} | 是 | :)?          # 财政补助标准为 (a rise needs its target)
        {_PER} {_AT_LEAST}                                          # 每人每年不低于
        (?P<amt>{NUM}) \s* 元                                      # 640元
    """, re.X),
)

_YEAR = re.compile(r"(?P<y>20\d{2})\s*年")
_MAX_EVIDENCE = 90  # longer sentences are cut to the comma-bounded phrase around the match


def find_matches(text: str, patterns) -> list:
    """Every match of any pattern, in text order, overlapping ones dropped (earlier pattern wins)."""
    found, spans = [], []  # spans: those of `found`, disjoint, sorted by start
    for pat in patterns:
        for m in pat.finditer(text):
            # only the kept span starting last before m's end can overlap m (checking them all
            # is quadratic in a text holding thousands of statements)
            k = bisect.bisect_left(spans, (m.end(),))
            if not (k and spans[k - 1][1] > m.start()):
                found.append(m)
                bisect.insort(spans, m.span())
    return sorted(found, key=lambda m: m.start())


def parse_fee(text: str, m, kind: str) -> Fee | None:
    """One matched statement -> Fee (None when the amount is not a number)."""
    amount = parse_number(m.group("amt"))
    if amount is None or not 0 < amount <= 100_000:
        return None
    groups = m.groupdict()
    change = parse_number(groups.get("chg")) if groups.get("chg") else None
    if change is None and groups.get("old"):
        old = parse_number(groups["old"])
        change = amount - old if old is not None and amount > old else None
    return Fee(
        kind=kind, amount=amount, qualifier="at_least" if groups.get("al") else "exact",
        change=change, evidence=_evidence(text, m.start(), m.end()),
    )


def _evidence(text: str, start: int, end: int):
    """The clause holding the statement; the comma-bounded phrase when the clause runs long."""
    s, e = clause_span(text, start, end)
    if e - s > _MAX_EVIDENCE:
        s = max(s, max(text.rfind(c, s, start) for c in ",，") + 1)
        e = end
    return evidence(text, s, e)


def parse_year(text: str, m) -> int | None:
    """The year written in the clause of a statement (2024年度…个人缴费标准为380元)."""
    s, e = clause_span(text, m.start(), m.end())
    before = [int(y.group("y")) for y in _YEAR.finditer(text, s, m.start())]
    after = [int(y.group("y")) for y in _YEAR.finditer(text, m.start(), e)]
    return before[-1] if before else (after[0] if after else None)


def pick(text: str, matches: list, kind: str, policy_year: int | None) -> Fee | None:
    """First authoritative statement: the policy year's when years differ, else the first one."""
    fees = [(parse_fee(text, m, kind), parse_year(text, m)) for m in matches]
    fees = [(f, y) for f, y in fees if f is not None]
    if not fees:
        return None
    if policy_year:
        for f, y in fees:
            if y == policy_year:
                return f
        undated = [f for f, y in fees if y is None or y >= policy_year]
        if undated:
            return undated[0]
    return fees[0][0]


def extract(text: str, ctx: Context) -> dict:
    """Individual fee then fiscal subsidy; sets ctx.individual_fee."""
    try:
        out = []
        individual = pick(text, find_matches(text, _INDIVIDUAL_PATTERNS), "individual", ctx.policy_year)
        if individual:
            out.append(individual)
            ctx.individual_fee = individual.amount
        fiscal = pick(text, find_matches(text, _FISCAL_PATTERNS), "fiscal_subsidy", ctx.policy_year)
        if fiscal:
            out.append(fiscal)
        return dict(fees=out)
    except RESOURCE_ERRORS:
        raise  # out of memory or stack: the document is quarantined, not loaded empty
    except Exception:  # extraction must never raise on odd text
        return dict(fees=[])
