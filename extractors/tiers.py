"""Subsidy tiers (困难群众参保资助): which groups get how much of the individual premium paid.

Notices write tiers as numbered lines ("3.低保对象按个人缴费标准80%的比例给予定额资助…"), as one
run-on paragraph split by ；, as a bracketed list of what each group still pays ("(返贫致贫人口个人
缴费35元,低保对象…个人缴纳70元)"), or as a short list whose figures come later. We read every
clause the same way: a group at the start of a comma piece, then the terms in the pieces that
follow it (mode, amounts, floor, who pays, pay-first). Tiers naming the same groups are merged,
a figure-less listing covered by detailed tiers is dropped, and the missing share is derived
from the individual fee (ctx.individual_fee) with `derived` naming what was computed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import regex as re

from extractors import vocab
from extractors.context import Context
from extractors.numbers import NUM, PERCENT, parse_number
from extractors.spans import evidence
from schemas import Flag, Tier

_OPEN, _CLOSE = "(（〔[【", ")）〕]】"
_CLAUSE_SEPS = "。;；\n"
_PIECE_SEPS = ",，\t"

# Numbering and lead words before a group: "- 3.", "①对", "(二)", "其中".
_LEAD = re.compile(r"""
    [\s\-*•·]*
    (?: \d{1,2}[.、．)] | [①-⑳] | \(\d{1,2}\) | \([一二三四五六七八九十]{1,3}\) | [一二三四五六七八九十]{1,3}、 )?
    \s* (?:对于|对|其中|凡是|凡)?
""", re.X)

# Where a group ends and its terms begin (searched outside brackets and category names).
_GROUP_END = re.compile(rf"""
    :                                           # 五保户(含孤儿):由…
  | 按照? | 实行 | 给予 | 予以 | 享受 | 执行 | 继续 | 采取 | 参照   # verbs opening the terms
  | 全额 | 定额 | 全部 | 分类 | 即 | 统一          # 全额资助 / 即资助342元
  | 个人 | 不再 | 无需 | 不需 | 不用 | 免缴 | 免于 | 免除 # 个人缴费35元 / 不再缴费
  | 由 | 参加 | 参保 | 所需 | 资助 | 补助 | 补贴 | 代缴  # 由医疗救助基金… / 参加城乡居民医保
  | 每人 | 人均 | {NUM}\s*元 | {PERCENT}            # 320元/人 / 80%
""", re.X)

# A piece whose "group" is a task, a generic population or a reference back is not a tier.
_NOT_A_GROUP = re.compile(r"""
    负责 | 认定 | 做好 | 落实 | 提供 | 核实 | 掌握 | 配合 | 确保 | 开展 | 组织 | 名单 | 信息
  | 标注 | 核验 | 要 | 应 | 其他 | 其它 | 其余 | 上述 | 以上 | 各类 | 同一 | 20\d\d\s*年
""", re.X)
_GENERAL_POPULATION = re.compile(r"居民|参保人|全体|普通|标准|政策|缴费")
_POPULATION_NOUN = re.compile(
    r"(?:人员|对象|人口|户|儿童|患者|家庭|群体|群众|老人|老年人|学生|军人|士兵|子女|残疾人|职工|人士|妇女|农民|大学生)(?:等)?$")

# Exclusions inside a group never add categories: (…,不含已纳入低保…) / 未纳入…的.
_EXCLUSION = re.compile(r"""
    (?:不含|不包括|不包含|但不含|除去)[^()（）]*      # to the closing bracket
  | 未纳入[^、,，()（）]*?的                         # 未纳入农村低收入人口监测范围的
  | 除[^、,，()（）]{1,30}?(?:以外|之外|外)          # 除特困人员外
""", re.X)

# Terms.
_UNCHANGED = re.compile(r"继续执行原|按原(?:有)?(?:的)?(?:资助)?(?:政策|标准)|执行原(?:有)?|维持原|保持不变|不变")
_FULL = re.compile(r"全额|全部资助|全免|免缴|免于缴费|免除个人缴费|不再缴费|不需缴费|无需缴费|不用缴费|不缴费")
_ZERO_INDIVIDUAL = re.compile(r"免缴|免于缴费|免除个人缴费|不再缴费|不需缴费|无需缴费|不用缴费|个人不缴费|个人缴费为0元")
_FIXED = re.compile(r"定额")
_SUBSIDY_WORD = re.compile(r"资助|补助|补贴|代缴|减免|免缴|缴费|缴纳|继续执行原")
_AMOUNT = re.compile(rf"(?P<amt>{NUM})\s*元")
_INDIVIDUAL = re.compile(rf"""
    个人 (?:只需|仅需|需|应|自付|实际)? (?:缴费|缴纳|负担|承担|支付|出资|缴)  # 个人只需缴纳
    (?:部分)? (?:为|:)? (?:每人每年|每人|每年)? (?P<amt>{NUM}) \s* 元        # 60元
""", re.X)
_FLOOR = re.compile(rf"""
    (?:低于|不足|少于) (?P<a>{NUM}) \s*元 (?:的|时)? (?:按|的按) (?P<amt>{NUM}) \s*元   # 低于280元按280元
  | 最低 (?:资助|补助)? (?:不低于|为)? (?P<amt>{NUM}) \s*元                          # 最低280元
""", re.X)
_AT_LEAST_AMOUNT = re.compile(rf"不低于 (?P<amt>{NUM}) \s*元", re.X)
_PERCENT_TERM = re.compile(rf"(?P<who>个人(?:承担|负担|自付|缴纳))?[^,，]{{0,3}}?{PERCENT}")
_NOT_SUBSIDY_PERCENT = re.compile(r"(?:率|达到|完成)\s*$")
_PAY_FIRST = re.compile(r"""
    先缴后补 | 先缴后返 | 先缴费后(?:补|资助|返|报) | 先(?:行)?(?:全额|足额)缴(?:纳|费) | 先行垫付
""", re.X)
_SOURCE = r"(?:(?:县|市|省|区|乡镇)级?财政(?:资金)?|财政|医疗救助(?:基金|资金)|(?:(?![由按其余])\p{Han}){0,8}?(?:救助|补助|专项)(?:基金|资金))"
_INLINE_SOURCE = re.compile(rf"""
    (?:由|(?<=^|[,，:]))                       # 由医疗救助基金 / ,县财政按…
    (?P<src>{_SOURCE})
    (?=按|给予|予以|定额|全额|资助|补助|负担|承担|支付|列支|安排|解决)
""", re.X)
_FUNDING_CLAUSE = re.compile(r"所需资金|资金来源|负担|承担|列支")
_FUNDING_PART = re.compile(rf"(?P<grp>[^;；]*?)由(?P<src>{_SOURCE})?[^;；]*?(?:负担|承担|列支|支付|资助|解决)")
_AMBIGUOUS_FUNDING = re.compile(r"不足部分|通过|共同|分担|按比例")
_REST = re.compile(r"其余|其他|其它|剩余")


@dataclass
class Draft:
    """A tier as read from the text, before merging and derivation."""
    label: str
    categories: list[str]
    start: int
    end: int
    mode: str | None = None
    subsidy: float | None = None
    individual: float | None = None
    percent: float | None = None
    floor: float | None = None
    pay_first: bool = False
    funding: str | None = None
    figures: set = field(default_factory=set)  # which of subsidy/individual were written


# ---------------------------------------------------------------- splitting

def split_depth0(text: str, s: int, e: int, seps: str) -> list[tuple[int, int]]:
    """Spans of text[s:e] between separators that are not inside brackets."""
    out, depth, start = [], 0, s
    for i in range(s, e):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, e))
    return [(a, b) for a, b in out if text[a:b].strip()]


def bracket_spans(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Outermost bracketed spans (including the brackets) in text[s:e]."""
    out, depth, start = [], 0, None
    for i in range(s, e):
        if text[i] in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif text[i] in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1))
    return out


@functools.cache
def _category_pattern():
    """One alternation of every alias, longest first, so 城乡低保对象 wins over 低保对象."""
    terms = vocab.categories()
    names = {t.alias: t.name for t in terms}
    return re.compile("|".join(re.escape(t.alias) for t in terms)), names


def find_category_spans(text: str, s: int, e: int) -> list[tuple[int, int, str]]:
    """Non-overlapping category names in text[s:e], scanned left to right: (start, end, canonical)."""
    pattern, names = _category_pattern()
    return [(m.start(), m.end(), names[m.group()]) for m in pattern.finditer(text, s, e)]


def find_clauses(text: str) -> list[list[tuple[int, int]]]:
    """Every clause as its comma pieces; a bracket listing groups with figures is its own clause."""
    out = []
    for cs, ce in split_depth0(text, 0, len(text), _CLAUSE_SEPS):
        pieces = []
        for ps, pe in split_depth0(text, cs, ce, _PIECE_SEPS):
            for bs, be in bracket_spans(text, ps, pe):
                inner = text[bs + 1:be - 1]
                if find_category_spans(text, bs + 1, be - 1) and _AMOUNT.search(inner) \
                        and _SUBSIDY_WORD.search(inner):
                    out.append(split_depth0(text, bs + 1, be - 1, _PIECE_SEPS + ";；"))
                    pe = bs  # the outer piece stops where its bracketed list starts
                    break
            if pe > ps:
                pieces.append((ps, pe))
        out.append(pieces)
    return out


# ---------------------------------------------------------------- groups

def parse_categories(text: str, s: int, e: int) -> list[str]:
    """Canonical categories named in a group, exclusions left out, in order of mention."""
    excluded = [(m.start() + s, m.end() + s) for m in _EXCLUSION.finditer(text[s:e])]
    out = []
    for a, b, name in find_category_spans(text, s, e):
        if any(x <= a and b <= y for x, y in excluded):
            continue
        if name not in out:
            out.append(name)
    return out


def is_group(label: str, cats: list[str]) -> bool | None:
    """True for a population group, None for a task/back-reference (ends a tier), False otherwise."""
    if not label or len(label) > 120:
        return False
    bare = re.sub(r"[(（][^()（）]*[)）]", "", label)
    names_people = bool(cats or _POPULATION_NOUN.search(bare))
    if _NOT_A_GROUP.search(label):
        return None if names_people else False  # 其他困难群体… ends a tier; 其余由…资助 continues it
    if cats:
        return True
    return names_people and not _GENERAL_POPULATION.search(bare)


def find_group_end(text: str, s: int, e: int) -> int:
    """First position in text[s:e] where the terms start (never inside brackets or a category name)."""
    blocked = bracket_spans(text, s, e) + [(a, b) for a, b, _ in find_category_spans(text, s, e)]
    for m in _GROUP_END.finditer(text, s, e):
        if not any(a <= m.start() < b for a, b in blocked):
            return m.start()
    return e


def parse_group(text: str, s: int, e: int):
    """(group start, group end, is_group) for a piece, skipping a lead-in before a colon."""
    lead = _LEAD.match(text, s, e)
    gs = lead.end() if lead else s
    brackets = bracket_spans(text, gs, e)
    colon = next((i for i in range(gs, e) if text[i] in ":："
                  and not any(a <= i < b for a, b in brackets)), None)
    if colon is not None:
        label = text[gs:colon].strip()
        verdict = is_group(label, parse_categories(text, gs, colon))
        if verdict:
            return gs, colon, True
        lead = _LEAD.match(text, colon + 1, e)  # 资助标准:城乡特困人员… — the lead-in is no group
        gs = lead.end() if lead else colon + 1
    ge = find_group_end(text, gs, e)
    label = text[gs:ge].strip()
    if not label:
        return gs, gs, False
    return gs, ge, is_group(label, parse_categories(text, gs, ge))


# ---------------------------------------------------------------- terms

def parse_terms(draft: Draft, terms: str) -> None:
    """Fill a draft from its terms text (everything after the group)."""
    taken: list[tuple[int, int]] = []

    def free(m) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    for m in _FLOOR.finditer(terms):
        draft.floor = parse_number(m.group("amt"))
        taken.append(m.span())
    for m in _INDIVIDUAL.finditer(terms):
        if free(m) and draft.individual is None:
            draft.individual = parse_number(m.group("amt"))
            draft.figures.add("individual")
        taken.append(m.span())
    if _ZERO_INDIVIDUAL.search(terms) and draft.individual is None:
        draft.individual = 0
        draft.figures.add("individual")
    for m in _PERCENT_TERM.finditer(terms):
        if _NOT_SUBSIDY_PERCENT.search(terms[:m.start() + (len(m.group("who") or ""))]):
            continue
        p = parse_number(m.group("pnum") or m.group("pcn"))
        if p is not None and 0 < p <= 100:
            draft.percent = 100 - p if m.group("who") else p
            taken.append(m.span())
            break
    for m in _AMOUNT.finditer(terms):
        if free(m) and draft.subsidy is None:
            value = parse_number(m.group("amt"))
            if value is not None:
                draft.subsidy = value
                draft.figures.add("subsidy")
    if draft.percent is not None and draft.floor is None:
        at_least = _AT_LEAST_AMOUNT.search(terms)  # 按80%资助,不低于280元
        if at_least and draft.subsidy == parse_number(at_least.group("amt")):
            draft.floor, draft.subsidy = draft.subsidy, None
            draft.figures.discard("subsidy")
    draft.pay_first = draft.pay_first or bool(_PAY_FIRST.search(terms))
    source = _INLINE_SOURCE.search(terms)
    if source and not re.search(r"个人|缴费", source.group("src")):
        draft.funding = source.group("src")
    draft.mode = parse_mode(terms, draft)


def parse_mode(terms: str, d: Draft) -> str | None:
    """Declared order: unchanged, percent, full, fixed (a figure or 定额)."""
    if _UNCHANGED.search(terms) and d.subsidy is None and d.individual is None:
        return "unchanged"
    if d.percent is not None:
        return "percent"
    if _FULL.search(terms) or (d.individual == 0 and "individual" in d.figures):
        return "full"
    if d.subsidy is not None or d.individual is not None or _FIXED.search(terms):
        return "fixed"
    return None


def find_drafts(text: str) -> list[Draft]:
    """Group pieces open a tier; the pieces after them, up to the next group, hold its terms."""
    drafts = []
    for pieces in find_clauses(text):
        line_s = text.rfind("\n", 0, pieces[0][0]) + 1 if pieces else 0
        line_e = text.find("\n", pieces[-1][1]) if pieces else 0
        line = text[line_s:line_e if line_e != -1 else len(text)]
        current, spans = None, []
        for ps, pe in pieces:
            gs, ge, verdict = parse_group(text, ps, pe)
            if verdict or verdict is None:
                drafts += close(text, current, spans, line)
                current, spans = None, []
            if verdict:
                label = text[gs:ge].strip()
                current = Draft(label=label, categories=parse_categories(text, gs, ge),
                                start=gs, end=pe)
                spans = [(ge, pe)]
            elif current is not None and verdict is False:
                current.end = pe
                spans.append((ps, pe))
        drafts += close(text, current, spans, line)
    return drafts


def close(text: str, draft: Draft | None, spans: list, line: str) -> list[Draft]:
    """Parse the collected terms; a group with no mode (or no subsidy context) is no tier."""
    if draft is None:
        return []
    terms = ",".join(text[a:b] for a, b in spans)
    if not _SUBSIDY_WORD.search(terms) and not re.search(r"资助|补助|补贴", line):
        return []
    parse_terms(draft, terms)
    return [draft] if draft.mode else []


# ---------------------------------------------------------------- whole-notice passes

def merge(drafts: list[Draft]) -> list[Draft]:
    """Tiers naming the same groups become one; figure-less listings covered elsewhere go."""
    out: list[Draft] = []
    for d in drafts:
        twin = next((o for o in out if d.categories and set(o.categories) == set(d.categories)), None)
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


def apply_funding_clauses(text: str, drafts: list[Draft]) -> None:
    """"重度残疾人由县财政负担;其余人员由医疗救助基金负担": sources stated apart from the tiers."""
    inside = [(d.start, d.end) for d in drafts]
    for s, e in split_depth0(text, 0, len(text), "。\n"):
        if not _FUNDING_CLAUSE.search(text[s:e]) or any(a < e and s < b for a, b in inside):
            continue
        named: set[str] = set()
        for ps, pe in split_depth0(text, s, e, ";；"):
            m = _FUNDING_PART.search(text, ps, pe)
            if not m:
                continue
            part = text[ps:pe]
            src = None if _AMBIGUOUS_FUNDING.search(part) else m.group("src")
            cats = set(parse_categories(text, m.start("grp"), m.end("grp")))
            if cats:
                named |= cats
                for d in drafts:
                    if d.funding is None and cats & set(d.categories):
                        d.funding = src
            elif _REST.search(m.group("grp")) and src:
                for d in drafts:
                    if d.funding is None and d.mode in ("fixed", "percent") \
                            and not named & set(d.categories):
                        d.funding = src


def apply_pay_first_clauses(text: str, drafts: list[Draft]) -> None:
    """A 先缴后补 sentence elsewhere applies to the tiers whose groups it names."""
    for m in _PAY_FIRST.finditer(text):
        if any(d.start <= m.start() < d.end for d in drafts):
            continue
        s, e = next(((a, b) for a, b in split_depth0(text, 0, len(text), "。\n") if a <= m.start() < b),
                    (m.start(), m.end()))
        cats = set(parse_categories(text, s, e))
        for d in drafts:
            if cats & set(d.categories):
                d.pay_first = True


# ---------------------------------------------------------------- derivation

def derive(text: str, d: Draft, fee: float | None, index: int, flags: list[Flag]) -> Tier:
    """Fill the unstated share from the fee; flag figures that do not add up."""
    subsidy, individual, derived = d.subsidy, d.individual, []
    if fee is not None and d.mode == "fixed" and subsidy is not None and individual == fee \
            and subsidy > 0:
        d.pay_first = True  # 个人缴费350元 plus a subsidy: pays in full, reimbursed later
    if d.pay_first and fee is not None and subsidy is not None and individual is not None:
        individual = None
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
            computed = _round(max(d.floor or 0, fee * d.percent / 100))
        if subsidy is None and individual is not None:
            subsidy = _round(fee - individual)
            derived.append("subsidy_amount")
        elif subsidy is None and computed is not None:
            subsidy = computed
            derived.append("subsidy_amount")
        if individual is None and subsidy is not None:
            individual = _round(fee - subsidy)
            derived.append("individual_amount")
        elif "subsidy_amount" not in derived and subsidy is not None and subsidy + individual != fee:
            flags.append(_flag(index, f"资助{subsidy}元与个人缴费{individual}元之和不等于缴费标准{fee}元"))
        if computed is not None and subsidy is not None and abs(computed - subsidy) > 0.5:
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


def _round(v: float) -> float:
    return round(v, 2)


def _flag(index: int, message: str) -> Flag:
    return Flag(code="tier_arithmetic", severity="warning", field=f"subsidy_tiers[{index}]",
                message=message)


def extract(text: str, ctx: Context) -> dict:
    """Tiers in text order; derived shares from ctx.individual_fee; flags on ctx.flags."""
    try:
        drafts = merge(find_drafts(text))
        apply_funding_clauses(text, drafts)
        apply_pay_first_clauses(text, drafts)
        tiers = []
        for i, d in enumerate(drafts):
            tiers.append(derive(text, d, ctx.individual_fee, i, ctx.flags))
            if not d.categories:
                ctx.flags.append(Flag(code="unknown_category", severity="info",
                                      field=f"subsidy_tiers[{i}]",
                                      message=f"未识别的资助对象类别：{d.label}"))
        return dict(subsidy_tiers=tiers)
    except Exception:  # extraction must never raise on odd text
        return dict(subsidy_tiers=[])
