"""Subsidy tiers (困难群众参保资助): which groups get how much of the individual premium paid.

Notices write tiers as numbered lines, as one run-on paragraph split by ；, as a bracketed list of
what each group still pays ("(返贫致贫人口个人缴费35元,…)"), as a table with a column per figure,
or as a short list whose figures come later. Every clause is read the same way (tier_grammar.py):
a group at the start of a comma piece, then the terms in the pieces after it; "分别" pairs groups
with figures by position. Tiers naming the same groups merge, a restatement of part of one joins
it; funding, pay-first and floor sentences written apart ("上述人员均实行先缴后补", "除特困人员外…
先按400元标准足额缴纳") reach the tiers they speak for (tier_passes.py); the missing share is
derived from the fee (the tier's grade's when it names one). OCR spaces inside words are read
through the compact view (compact.py), evidence still on the canonical text.
Speed matters (hundreds of notices a second): brackets, category names and the words that pick
clauses are found once per text (tier_layout.py), only clauses naming a group or a subsidy word
are parsed, and patterns of plain words and characters use the stdlib `re`.
"""
from __future__ import annotations

import functools
import math

import regex as re

from noticeflow.extractors import structure, vocab
from noticeflow.extractors.compact import to_original, view
from noticeflow.extractors.context import Context
from noticeflow.extractors.spans import evidence
from noticeflow.extractors.tier_grammar import Draft, find_drafts, find_table_drafts
from noticeflow.extractors.tier_layout import find_layout
from noticeflow.extractors.tier_passes import (
    add_referred_tiers, apply_floor_clauses, apply_funding_clauses, apply_intro_sources, apply_pay_first_clauses,
    find_following)
from noticeflow.schemas import Flag, Tier
from noticeflow.schemas.errors import RESOURCE_ERRORS

_GRADE = re.compile(r"第?(?P<n>[一二三四五1-5])档")  # 按二档缴费标准: the tier names its grade


@functools.cache
def _superseded_re():
    t = vocab.terms("categories.yaml", "amendments")
    return re.compile(rf"""(?:{vocab.alternation(t["old_leads"])})\s*(?:为|是)?\s*
        (?:[“"「『](?P<old>[^”"」』\n]{{1,300}})[”"」』]           # 原"…" / 由"…"
         | (?<=[由从])(?P<bare>[^，,。；;\n“"「『]{{1,40}}?))          # 由每人280元 (one clause, unquoted)
        \s*[,，]?\s*(?:现)?(?:{vocab.alternation(t["verbs"])})""", re.X)


@functools.cache
def _canonical_names() -> frozenset:
    return frozenset(t.name for t in vocab.categories())


BLANK = "_"  # stands in for superseded terms in the text tiers are parsed from (same length: offsets hold)


def without_superseded(text: str) -> str:
    """The text with the old terms of an amendment blanked (原"…"，调整为"…" / 由…提高到…): they are
    no tier. Only the parsing text changes; evidence is still quoted from the text itself."""
    if "为" not in text and "至" not in text and "到" not in text:
        return text
    spans = [m.span("old") if m.group("old") is not None else m.span("bare") for m in _superseded_re().finditer(text)]
    for a, b in reversed(spans):
        text = text[:a] + BLANK * (b - a) + text[b:]
    return text


# ---------------------------------------------------------------- merging

def merge(drafts: list[Draft], fee: float | None = None) -> list[Draft]:
    """Tiers naming the same groups become one; a restatement of part of a tier (政策问答:
    监测对象每人资助304元 after the 80% tier of 监测对象(含…)) joins it when its figures agree;
    figure-less listings covered elsewhere go."""
    out: list[Draft] = []
    for d in drafts:
        # a table per fee grade holds one tier per grade for a group: 一档 and 二档 are no twins
        twin = next((o for o in out if d.categories and set(o.categories) == set(d.categories)
                     and (o.grade == d.grade or o.grade is None or d.grade is None)
                     and not _rest_of_other(d, o)), None)
        if twin is None:
            twin = next((o for o in out if d.categories and set(d.categories) < set(o.categories)
                         and restates(d, o, fee)), None)
        if twin is None:
            out.append(d)
            continue
        for name in ("subsidy", "individual", "percent", "floor", "funding"):
            if getattr(twin, name) is None:
                setattr(twin, name, getattr(d, name))
        twin.figures |= d.figures
        twin.pay_first = twin.pay_first or d.pay_first
        if twin.mode in (None, "fixed") and d.mode in ("full", "percent"):
            twin.mode = d.mode
    detailed = [d for d in out if d.figures or d.percent is not None or d.mode == "full"]
    covered = {c for d in detailed for c in d.categories}
    return [d for d in out if d in detailed or not d.categories or d.mode == "unchanged"
            or not set(d.categories) <= covered]


_REST_LABEL = re.compile(r"^(?:其他|其它|其余)")


def _rest_of_other(d: Draft, o: Draft) -> bool:
    """`年满60周岁的低保对象` and `其他低保对象`: a group split by a condition, its rest a tier of its own."""
    return d.label != o.label and bool(_REST_LABEL.match(d.label) or _REST_LABEL.match(o.label))


def restates(d: Draft, o: Draft, fee: float | None) -> bool:
    """Whether `d` (for part of `o`'s groups) says nothing that disagrees with `o`."""
    if not (o.figures or o.percent is not None or o.mode == "full"):
        return False  # a listing without figures (…等7类困难群体实行定额资助): the details follow
    if d.mode == "full" or o.mode == "full":
        return d.mode == o.mode
    if d.percent is not None and d.percent != o.percent:
        return False
    expected = o.subsidy
    if expected is None and o.percent is not None and fee:
        expected = max(o.floor or 0, fee * o.percent / 100)
    if d.subsidy is not None and (expected is None or abs(d.subsidy - expected) > 0.5):
        return False
    if d.individual is not None:
        if o.individual is not None:
            return d.individual == o.individual
        if not fee or expected is None or abs(fee - expected - d.individual) > 0.5:
            return False
    return d.subsidy is not None or d.individual is not None or d.percent is not None


# ---------------------------------------------------------------- derivation

def rounded(value: float, rule: tuple | None) -> float:
    """A computed share under the notice's rounding rule (以10元为单位，尾数四舍五入: 231 -> 230)."""
    if not rule:
        return value
    unit, how = rule
    steps = value / unit
    n = math.ceil(steps - 1e-9) if how == "up" else math.floor(steps + 1e-9) if how == "down" else math.floor(steps + 0.5 + 1e-9)
    return n * unit


def derive(text: str, d: Draft, fee: float | None, index: int, flags: list[Flag]) -> Tier:
    """Fill the unstated share from the fee; flag figures that do not add up."""
    subsidy, individual, derived = d.subsidy, d.individual, []
    if fee is not None and d.mode == "fixed" and subsidy is not None and individual == fee \
            and subsidy > 0:
        d.pay_first = True  # 个人缴费350元 plus a subsidy: pays in full, reimbursed later
    if d.pay_first and fee is not None and subsidy is not None and individual == fee:
        individual = None  # what is paid first is the whole fee, not the share kept
    if d.mode == "full":
        if subsidy is None and fee is not None:
            subsidy = fee
            derived.append("subsidy_amount")
        if individual is None:
            individual = 0
            derived.append("individual_amount")
    elif d.mode in ("fixed", "percent") and fee is not None:
        computed = None
        if d.mode == "percent" and d.percent is not None:
            computed = round(max(d.floor or 0, rounded(fee * d.percent / 100, d.rounding)), 2)
            if d.ceiling is not None:
                computed = min(computed, d.ceiling)  # 最高不超过240元: the cap binds
        if subsidy is None and individual is not None:
            subsidy = round(fee - individual, 2)
            derived.append("subsidy_amount")
        elif subsidy is None and computed is not None:
            subsidy = computed
            derived.append("subsidy_amount")
        if individual is None and subsidy is not None:
            individual = round(fee - subsidy, 2)
            derived.append("individual_amount")
        elif "subsidy_amount" not in derived and subsidy is not None and abs(subsidy + individual - fee) > 0.5:
            flags.append(_flag(index, f"资助{subsidy}元与个人缴费{individual}元之和不等于缴费标准{fee}元"))
        if computed is not None and subsidy is not None and abs(computed - subsidy) > 0.5 \
                and not (d.percent_at_least and subsidy > computed):  # 不低于80%…每人330元: above the minimum
            flags.append(_flag(index, f"按{d.percent}%计算资助应为{computed}元，与{subsidy}元不符"))
    if subsidy is not None and subsidy < 0 or individual is not None and individual < 0:
        flags.append(_flag(index, f"资助{subsidy}元超过缴费标准{fee}元"))
        subsidy, individual, derived = d.subsidy, d.individual, []
    return Tier(
        label=d.label, categories=d.categories, mode=d.mode, subsidy_amount=subsidy,
        subsidy_percent=d.percent if d.mode == "percent" else None, individual_amount=individual,
        floor_amount=d.floor if d.mode == "percent" else None, pay_first=d.pay_first,
        funding_source=d.funding, derived=derived, evidence=evidence(text, d.start, d.end),
    )


def grade_fee(text: str, d: Draft, ctx: Context, lead_grade: str | None = None) -> float | None:
    """The fee a tier's shares come from: the grade's when it names one (按二档缴费标准的50%),
    or the lead-in of its list does (困难人员按二档标准参保…资助：), and the notice states that
    grade's fee, else the first individual fee (contract)."""
    m = _GRADE.search(d.grade) if d.grade else _GRADE.search(text, d.start, d.end)
    n = m.group("n") if m else lead_grade
    if n:
        for f in ctx.fees:
            if f.kind == "individual" and f.applies_to and _GRADE.search(f.applies_to) \
                    and _GRADE.search(f.applies_to).group("n") == n:
                return f.amount
    group = group_fee(text, ctx, d.start, d.end)
    if group is None:
        group = base_group_fee(text, ctx)
    return group if group is not None else ctx.individual_fee


_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
# the shares are measured against one group's fee: `按成年居民个人缴费标准的80%` (a tier) /
# `资助标准统一按成年居民个人缴费标准测算` / `以成年居民个人缴费标准为基数` (the list's lead-in)
_GROUP_STANDARD = r"(?:的)?(?:个人)?(?:参保)?(?:缴费)?标准"
_BASE_VERBS = r"(?:为基数|为计算基数|为资助基数|为准|测算|计算|核定)"


def _group_fees(ctx: Context) -> list[tuple[str, float]]:
    """(group as written without its brackets, fee) for the individual fees that differ by group."""
    return [(g, f.amount) for f in ctx.fees if f.kind == "individual" and f.applies_to
            and not _GRADE.search(f.applies_to) and len(g := _BRACKETED.sub("", f.applies_to).strip()) >= 2]


def group_fee(text: str, ctx: Context, s: int, e: int) -> float | None:
    """The fee of the group a tier names as its base (按成年居民个人缴费标准的80%)."""
    for g, amount in _group_fees(ctx):
        if re.search(re.escape(g) + _GROUP_STANDARD, text[s:e]):
            return amount
    return None


def base_group_fee(text: str, ctx: Context) -> float | None:
    """The fee of the group a sentence names as the base of all tiers (统一按成年居民个人缴费标准测算)."""
    for g, amount in _group_fees(ctx):
        if re.search(rf"(?:按|以|按照)\s*{re.escape(g)}{_GROUP_STANDARD}\s*(?:\S{{0,4}}?){_BASE_VERBS}", text):
            return amount
    return None


_LEAD_IN_END = re.compile(r"[:：][ \t]*$", re.M)
MAX_GRADE_LEAD_INS = 50  # lead-in lines naming a grade read (the dev notices have at most 1)


def lead_in_grades(lay, drafts: list[Draft]) -> dict:
    """id(draft) -> the grade a lead-in line names for the list of tiers under it."""
    out = {}
    if "档" not in lay.text:
        return out
    seen = 0
    for colon in _LEAD_IN_END.finditer(lay.text):
        ls = lay.text.rfind("\n", 0, colon.start()) + 1
        m = _GRADE.search(lay.text, ls, colon.start())
        if m and seen >= MAX_GRADE_LEAD_INS:
            break  # bounded work on a pasted or generated text
        if m and not any(d.start <= colon.start() < d.end for d in drafts):
            seen += 1
            for d in find_following(lay, drafts, colon.end()):
                out.setdefault(id(d), m.group("n"))
    return out


def _flag(index: int, message: str) -> Flag:
    return Flag(code="tier_arithmetic", severity="warning", field=f"subsidy_tiers[{index}]",
                message=message)


def extract(text: str, ctx: Context) -> dict:
    """Tiers in text order; derived shares from ctx.individual_fee; flags on ctx.flags."""
    try:
        v = view(text)
        text = v.text
        lay = find_layout(without_superseded(text))
        table_drafts, table_lines = find_table_drafts(lay)
        # where a twin is restated elsewhere (政策问答), the figures in the 资助 sections stand
        drafts = sorted(table_drafts + find_drafts(lay, table_lines), key=lambda d: d.start)
        if lay.capped:
            ctx.note_capped("subsidy_tiers", lay.capped, "资助条款")
        named = [c for d in drafts for c in d.categories]
        if len(named) > len(set(named)):  # twins to merge: the 资助 sections' and tables' go first
            sections = structure.parse(v.original).about("subsidies")  # shared with other extractors
            from_tables = {id(d) for d in table_drafts}
            drafts.sort(key=lambda d: (0 if id(d) in from_tables or any(a <= v.pos(d.start) < b for a, b in sections)
                                       else 1, d.start))
        drafts = merge(drafts, ctx.individual_fee)
        drafts = add_referred_tiers(lay, sorted(drafts, key=lambda d: d.start))
        apply_funding_clauses(lay, drafts)
        apply_intro_sources(lay, drafts)
        apply_pay_first_clauses(lay, drafts)
        apply_floor_clauses(lay, drafts)
        tiers, grades = [], lead_in_grades(lay, drafts)
        for i, d in enumerate(drafts):
            tiers.append(derive(text, d, grade_fee(text, d, ctx, grades.get(id(d))), i, ctx.flags))
            unknown = [c for c in d.categories if c not in _canonical_names()] or ([] if d.categories else [d.label])
            for c in unknown:
                ctx.flags.append(Flag(code="unknown_category", severity="info",
                                      field=f"subsidy_tiers[{i}]",
                                      message=f"未识别的资助对象类别：{c}"))
        return to_original(v, dict(subsidy_tiers=tiers))
    except RESOURCE_ERRORS:  # a resource limit quarantines the document: never "nothing found"
        raise
    except Exception:  # extraction must never raise on odd text
        return dict(subsidy_tiers=[])
