"""The grammar of a tier: clauses, groups, terms, the 分别 pairing and tier tables.

A group at the start of a comma piece, then the terms in the pieces after it: what the group
pays, gets, by which mode, from which fund, whether pay-first. Unknown groups are kept as written
(categories.yaml `population_nouns` tells a group from a task). Read by tiers.py, which merges the
drafts, applies the statements written apart from them (tier_passes.py) and derives the shares.
"""
from __future__ import annotations

import bisect
import functools
import re as sre  # stdlib: plain words and character classes only (same meaning as in regex)
from dataclasses import dataclass, field

import regex as re

from noticeflow.extractors import vocab
from noticeflow.extractors.numbers import CN_DIGITS, NUM, PERCENT, parse_number
from noticeflow.extractors.tier_layout import (
    Layout, bracket_spans, find_category_spans, find_layout, find_words, has_category, in_name, line_end, line_of,
    marked_spans, positions, split)

_CLAUSE_SEP = "。;；\n"         # clauses: a tier never runs past these
_PIECE_SEP = ",，\t"            # comma pieces inside a clause
_LIST_SEP = ",，\t;；"          # items of a bracketed list of groups
_COLON = ":："
_ITEM_SEP = "、,，和及与"       # groups listed in one label (outside category names)
_BRACKETED = sre.compile(r"[(（][^()（）]*[)）]")
_ITEM_SPLIT_HINT = sre.compile(r"[、,，和及与]")  # a group listing several items

# Numbering and lead words before a group: "- 3.", "①对", "(二)", "其中", an amendment's
# `调整为"` before the new terms (categories.yaml `amendments`).
_AMENDED = vocab.alternation(vocab.terms("categories.yaml", "amendments")["verbs"])
_LEAD = re.compile(rf"""
    [\s\-*•·●○◆◇■□▲△★☆▶►]*
    (?: \d{{1,2}}[.、．)] | [①-⑳] | \(\d{{1,2}}\) | \([一二三四五六七八九十]{{1,3}}\)
      | [一二三四五六七八九十]{{1,3}}、(?![一二三四五六七八九十]{{1,2}}级) )?     # 一、二级重度残疾人 is no item number
    \s* (?:(?:现)?(?:{_AMENDED})\s*[“"「『]?)? (?:对于|对|其中|凡是|凡|将(?=\p{{Han}}))?
""", re.X)

# Where a group ends and its terms begin (searched outside brackets and category names): a word or
# a figure. No word starts with a digit or a Chinese numeral, so at any position at most one of the
# two can match, and the words are scanned with the fast stdlib engine.
_TERM_WORD = sre.compile(r"""
    :                                           # 五保户(含孤儿):由…
  | 按照? | 实行 | 给予 | 予以 | 享受 | 执行 | 继续 | 采取 | 参照   # verbs opening the terms
  | 先(?=按|缴|行|全额|足额)                          # 先按400元标准足额缴纳 (pay-first)
  | 全额 | 定额 | 全部 | 分类 | 即 | 统一          # 全额资助 / 即资助342元
  | 个人 | 不再 | 无需 | 不需 | 不用 | 免缴 | 免于 | 免除 # 个人缴费35元 / 不再缴费
  | 由 | 参加 | 参保 | 所需 | 资助 | 补助 | 补贴 | 代缴  # 由医疗救助基金… / 参加城乡居民医保
  | 每人 | 人均 | 分别                               # 每人每年 / 分别按…
""", sre.X)
_WEAK_TERMS = frozenset(("享受", "参加", "参保"))  # open the terms unless a group name follows
_TERM_FIGURE = re.compile(rf"{NUM}\s*元 | {PERCENT}", re.X)    # 320元/人 / 80% / 百分之八十
_FIGURE_START = re.compile(rf"[\d{CN_DIGITS}]")                 # where a figure can start

# A piece whose "group" is a task, a generic population or a reference back is not a tier.
_NOT_A_GROUP = re.compile(r"""
    负责 | 认定 | 做好 | 落实 | 提供 | 核实 | 掌握 | 配合 | 确保 | 开展 | 组织 | 名单 | 信息
  | 标注 | 核验 | 要 | 应 | 其他 | 其它 | 其余 | 上述 | (?<![\d岁级及])以上 | (?<![\d岁级及])以下(?!简称|称) | 下列 | 如下 | 各类 | 同一 | 20\d\d\s*年
""", re.X)
# After the groups: …在第二阶段新增认定的 / …新认定的 / …经认定的 (the 认定 is no task of the group).
_QUALIFIER_AFTER = sre.compile(r"(?:在[^,，。；;]{1,10}?)?(?:新增|新|首次|经|已|动态)(?:认定|识别|纳入)的$")
_GENERAL_POPULATION = sre.compile(r"居民|参保人|全体|普通|标准|政策|缴费")


@functools.cache
def _population_noun():
    """A label ending in a population noun (categories.yaml `population_nouns`) names people."""
    return re.compile(f"(?:{vocab.alternation(vocab.terms('categories.yaml', 'population_nouns'))})(?:等)?$")


# Exclusions inside a group never add categories: (…,不含已纳入低保…) / 未纳入…的.
_EXCLUSION = sre.compile(r"""
    (?:不含|不包括|不包含|但不含|除去)[^()（）]*      # to the closing bracket
  | 未纳入[^、,，()（）]*?的                         # 未纳入农村低收入人口监测范围的
  | 除[^、,，()（）]{1,30}?(?:以外|之外|外)          # 除特困人员外
""", sre.X)

# A clause for one fee grade of the group before it: `参加一档的，` / `选择二档缴费的，` / `按二档参保的`.
_GRADE_CLAUSE = sre.compile(r"[\s:：]*(?:参加|选择|选缴|参保|缴纳|按)?第?(?P<g>[一二三四五])档(?:次)?(?:缴费|参保|标准)?(?:参保|缴费)?的")

# `其他低保对象` / `其余的监测对象`: the rest of a named group, once a tier has taken some of it by a condition.
_REST_OF_GROUP = sre.compile(r"^(?:其他|其它|其余)的?")
# `特困人员、事实无人抚养儿童，以及在校学生中的孤儿：…`: a comma and a joiner go on listing the groups.
_LIST_GOES_ON = sre.compile(r"(?:以及|及|和|还有|并)(?!其他|其它|其余|上述|以上)")

# Terms.
_UNCHANGED = sre.compile(r"""继续执行原|(?:按|依)(?:照)?(?:[\u4e00-\u9fff]{0,6}?(?:[省市州盟]|级))?(?:原|现行|既有|现有)(?:有)?(?:的)?(?:资助)?(?:政策|标准|规定|办法|渠道)
                            |执行原(?:有)?|维持原|保持不变|不变""", sre.X)
_FULL = sre.compile(r"(?<!先)(?<!先行)全额|全部资助|全免|免缴|免于缴费|免除个人缴费|不再缴费|不需缴费|无需缴费|不用缴费|不缴费")
_ZERO_INDIVIDUAL = sre.compile(r"免缴|免于缴费|免除个人缴费|不再缴费|不需缴费|无需缴费|不用缴费|个人不缴费|个人缴费为0元")
_FIXED = sre.compile(r"定额")
# 补助 of the fiscal subsidy's standard (财政补助标准为：学生儿童每人每年2235元) is a fee, not a tier word.
_BUZHU = r"(?<!财政)补助|财政补助(?!标准)"
_SUBSIDY_WORD = sre.compile(rf"资助|{_BUZHU}|补贴|代缴|减免|免缴|缴费|缴纳|继续执行原")
_AMOUNT = re.compile(rf"(?P<amt>{NUM})\s*元")
INDIVIDUAL = re.compile(rf"""
    (?: 个人 (?:只需|仅需|需|应|自付|实际)? | 每人(?:每年)? (?:只需|仅需|只|仅|需) )   # 个人只需 / 每人只需
    (?:缴费|缴纳|负担|承担|支付|出资|缴)                                             # 缴纳
    (?:部分)? (?:分别)? (?:为|:)? (?:每人每年|每人|每年)? (?P<amt>{NUM}) \s* 元  # 分别为60元
""", re.X)
FLOOR = re.compile(rf"""
    (?:低于|不足|少于) (?P<a>{NUM}) \s*元 (?:的|时)? [,，]? (?:均)? (?:按|的按) (?:照)? (?P<amt>{NUM}) \s*元   # 低于280元的,按280元
  | 最低 (?:资助|补助)? (?:金额|标准)? (?:不低于|不少于|为|是)? (?P<amt>{NUM}) \s*元  # 最低280元 / 最低不少于250元
""", re.X)
# The whole fee paid first (先缴后补): its amount is the fee, never a subsidy.
_PAY_FIRST_AMOUNT = re.compile(rf"""
    先(?:行)? (?:按(?:照)?)? (?:每人(?:每年)?)? {NUM}\s*元 (?:的)? (?:标准)? (?:足额|全额)? (?:缴|交)  # 先按400元标准足额缴纳
  | 先(?:行)? (?:足额|全额) (?:缴纳|缴费|缴|交纳) (?:个人缴费)? (?:部分)? {NUM}\s*元                # 先全额缴纳380元
""", re.X)
_AT_LEAST_AMOUNT = re.compile(rf"(?:不低于|不少于) (?P<amt>{NUM}) \s*元", re.X)
# 按个人缴费标准的60%给予资助，每人每年最高不超过240元 / 最高资助240元 / 封顶240元: a cap on a percent
_AT_MOST_AMOUNT = re.compile(rf"""(?:最高(?:资助|补助)?(?:金额|标准)?(?:不超过|不得超过|不高于|为)?|不超过|不得超过|封顶)
                                 \s*(?:每人每年|每人)?\s*(?P<amt>{NUM})\s*元""", re.X)
_PERCENT_TERM = re.compile(rf"(?P<who>个人(?:承担|负担|自付|缴纳))?[^,，]{{0,3}}?{PERCENT}")
_NOT_SUBSIDY_PERCENT = re.compile(r"(?:率\S{0,4}|达到|完成|稳定在)\s*$")  # 参保率达到99%: a target
# Every alternative starts with 先, so the engine scans for that character alone; negations
# (无需先行垫付, 不实行先缴后补) are told apart by is_negated.
PAY_FIRST = sre.compile(r"""
    先 (?: 缴后补 | 缴后返 | 缴费后(?:补|资助|返|报) | (?:行)?(?:全额|足额)缴(?:纳|费) | 行垫付
        | (?:行)?按(?:照)?[^,，。;；]{0,12}?(?:足额|全额)(?:缴|交)(?:纳|费)?       # 先按380元标准足额缴纳
        | (?:行)?按(?:照)?\s*(?:每人(?:每年)?)?\s*\d+\s*元\s*(?:的)?\s*标准\s*(?:缴|交)(?:纳|费)? )  # 先按400元标准缴纳
""", sre.X)
# 特困人员由县医保局统一代缴，不实行先缴后补: a pay-first word said of who is NOT paying first.
_PAY_FIRST_NEGATION = sre.compile(
    r"(?:不实行|不执行|不适用|不采取|不再实行|不再执行|无需实行|无需|无须|不需要|不需|不用|不必|无需再|不再|不要|不)"
    r"(?:资助对象|参保对象|参保人员|参保人|个人|本人|群众)?[\"“”'‘’]?$")  # 不需资助对象先行垫付


def is_negated(text: str, pos: int) -> bool:
    """Whether the pay-first word at pos is negated (不实行"先缴后补")."""
    return bool(_PAY_FIRST_NEGATION.search(text, max(0, pos - 10), pos))


_ONE_SOURCE = r"""(?:
    (?:县|市|省|区|旗|州|盟|乡镇)级?财政(?:资金)? | 财政 | (?:县|市|区|旗)?医疗救助(?:基金|资金)  # 县财政 / 医疗救助基金
  | (?:(?![由按其余从])\p{Han}){0,8}?(?:救助|补助|专项|保障)(?:基金|资金|金)     # 优抚对象医疗补助资金 / 残疾人就业保障金
  | (?:县|市|区|旗)?(?:民政|残联|退役军人事务|乡村振兴|医保|医疗保障)(?:局|部门)  # 由民政部门全额代缴
)"""
# Sources written together are one source, as written: 医疗救助资金和县财政.
SOURCE = rf"(?:{_ONE_SOURCE}(?:(?:和|及|与|、){_ONE_SOURCE})*)"
FUND_AFTER_FROM = re.compile(rf"从(?P<src>{_ONE_SOURCE}(?:(?:和|及|与|、){_ONE_SOURCE})*)中?", re.X)
_INLINE_SOURCE = re.compile(rf"""
    (?:由|(?<=^|[,，:]))                       # 由医疗救助基金 / ,县财政按…
    (?P<src>{SOURCE})
    (?=按|给予|予以|定额|全额|资助|补助|负担|承担|支付|列支|安排|解决|代缴|每人|人均)
""", re.X)
# Words every SOURCE alternative contains (a cheap test before the pattern).
# （资金来源：医疗救助基金） / 资金渠道为县财政: the fund under a label of its own
_SOURCE_LABEL = re.compile(rf"(?:资金来源|资金渠道|资助资金来源)\s*(?:为|是|[:：])\s*(?P<src>{SOURCE})", re.X)
_SOURCE_WORDS = ("财政", "救助", "补助", "专项", "保障", "民政", "残联", "退役军人事务", "乡村振兴", "医保")


_SUBSIDY_IN_LINE = sre.compile(rf"资助|{_BUZHU}|补贴")
_TIER_HINT = ("资助", "补助", "补贴", "代缴", "减免", "免缴", "免于缴费", "全额", "定额", "先缴")  # clause prefilter
PERSONAL_SOURCE = sre.compile(r"个人|缴费")

# 分别 pairs the groups of a label with a list of figures by position: 分别按200元、150元.
_ONE_VALUE = rf"(?:百分之)?{NUM}\s*(?:元|[%％])?"
_RESPECTIVELY = re.compile(rf"""
    分别 [^。;；]*?                                   # 分别按每人每年 / 分别为
    (?P<vals> {_ONE_VALUE} (?:\s*[、和及与]\s* {_ONE_VALUE})+ )   # 200元、150元 / 70%、100%
  | (?P<vals_before> {_ONE_VALUE} (?:\s*[、和及与]\s* {_ONE_VALUE})+ ) [^。;；,，\d]{{0,6}}? 分别  # 80%、70%分别给予资助
""", re.X)
_VALUE = re.compile(rf"(?P<pc>百分之)?(?P<n>{NUM})\s*(?P<u>元|[%％])?")

# Table headers: which column holds which figure ("资助标准(元/人)", "个人缴费(元/人)", "资助比例(%)").
_COL_INDIVIDUAL = sre.compile(r"个人(?:缴费|缴纳|承担|负担|自付|应缴)")
_COL_PERCENT = sre.compile(r"比例|%|百分比")
_COL_SUBSIDY = sre.compile(r"(?:资助|补助|补贴|减免|代缴)(?:标准|金额|额度|额|资金|数额)|定额")
_COL_MODE = sre.compile(r"方式|办法")
_COL_FUNDING = sre.compile(r"资金(?:渠道|来源|列支)|列支渠道|经费来源")
_COL_GROUP = sre.compile(r"对象|类别|人员|群体|类型|名称|人群")
_COL_CLASS = sre.compile(r"(?:资助)?(?:类别|类型|分类)")  # a column of classes (一类、二类), not of people
_COL_HINT = sre.compile(r"个人|比例|%|资助|补助|补贴|减免|代缴|定额")  # cheap test before the roles
_TABLE_SUBSIDY = sre.compile(r"资助|救助|代缴|减免|补贴|免缴")
_COL_NUMBER = re.compile(rf"^\s*(?P<n>{NUM})\s*(?:元(?:/人)?|[%％])?\s*$")


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
    whole: bool = False                        # 按100%比例资助: full, not a percent (contract v1.1)
    percent_at_least: bool = False             # 按不低于80%…: the percent is a minimum
    ceiling: float | None = None               # 按60%资助，最高不超过240元: the percent's cap
    group_end: int = 0
    grade: str | None = None                   # 一档 / 二档: a row of a table per fee grade
    rounding: tuple | None = None              # 以10元为单位，尾数四舍五入: (10, "half") for the computed share


# ---------------------------------------------------------------- clauses

MAX_CLAUSES = 1000  # tier clauses read: the longest dev notice has 20 (a bound for pasted or generated texts)

def find_clauses(lay: Layout, skip_lines: set = frozenset()) -> list[list[tuple[int, int]]]:
    """Every clause worth parsing as its comma pieces; a bracket listing groups with figures
    is its own clause. Clauses with neither a group name nor a subsidy word are skipped."""
    text, out = lay.text, []
    marks = [(a, b) for a, b, _ in lay.cats] + find_words(text, _TIER_HINT)
    for cs, ce in marked_spans(lay, _CLAUSE_SEP, marks):
        if skip_lines and line_of(lay, cs) in skip_lines:
            continue
        if len(out) >= MAX_CLAUSES:
            lay.capped = MAX_CLAUSES
            break
        pieces = []
        for ps, pe in split(lay, cs, ce, _PIECE_SEP):
            for bs, be in bracket_spans(lay, ps, pe):
                if has_category(lay, bs + 1, be - 1) and _AMOUNT.search(text, bs + 1, be - 1) \
                        and _SUBSIDY_WORD.search(text, bs + 1, be - 1):
                    out.append(split(lay, bs + 1, be - 1, _LIST_SEP))
                    pe = bs  # the outer piece stops where its bracketed list starts
                    break
            if pe > ps:
                pieces.append((ps, pe))
        out.append(pieces)
    return out


# ---------------------------------------------------------------- groups

def parse_categories(lay: Layout, s: int, e: int) -> list[str]:
    """Canonical categories named in a group, exclusions left out, in order of mention."""
    found = lay.named.get((s, e))
    if found is None:
        spans = find_category_spans(lay, s, e)
        if spans:
            excluded = [(m.start(), m.end()) for m in _EXCLUSION.finditer(lay.text, s, e)]
            kept = [name for a, b, name in spans if not any(x <= a and b <= y for x, y in excluded)]
            found = list(dict.fromkeys(kept))
        else:
            found = []
        lay.named[(s, e)] = found
    return list(found)


def parse_group_categories(lay: Layout, s: int, e: int) -> list[str]:
    """The categories of a tier's group: canonical names, and each listed item that names no
    known category but is a population (低收入家庭60周岁以上老年人, 寺庙在编僧尼) as written:
    unknown groups are kept, never dropped (contract), and flagged `unknown_category`."""
    members = class_members(lay, s, e)
    if members is not None and members[1] == e:  # 一类资助对象（…）: the groups in its bracket
        s, e = members[0] + 1, members[1] - 1
    if not _ITEM_SPLIT_HINT.search(lay.text, s, e) and has_category(lay, s, e):
        return parse_categories(lay, s, e)
    excluded = [(m.start(), m.end()) for m in _EXCLUSION.finditer(lay.text, s, e)]
    out: list[str] = []
    for a, b in find_group_items(lay, s, e):
        if any(x <= a and b <= y for x, y in excluded):
            continue
        known = parse_categories(lay, a, b)
        if known:
            out += known
            continue
        lead = _LEAD.match(lay.text, a, b)
        item = lay.text[lead.end() if lead else a:b].strip()
        if is_unknown_group(item) and not item.startswith(("其", "该")):  # 夫妻及其伤残子女: part of the item before
            out += spelled_out(item)
    return list(dict.fromkeys(out))


_SPELLED_OUT = sre.compile(r"^(?P<umbrella>[^(（]+)[(（](?:含|包括|包含)(?P<members>[^()（）]+)[)）]$")


def spelled_out(item: str) -> list[str]:
    """An unknown group spelled out in brackets (低收入家庭成员(含低保边缘家庭成员)): the umbrella
    and each member that names people, as the contract lists a known umbrella with its members."""
    m = _SPELLED_OUT.match(item)
    if not m:
        return [item]
    members = [x.strip() for x in sre.split(r"[、,，和及与]", m.group("members").removesuffix("等")) if x.strip()]
    if not members or not all(is_unknown_group(x) for x in members):
        return [item]
    return [m.group("umbrella").strip(), *members]


def is_unknown_group(item: str) -> bool:
    """An item naming people that the vocabulary does not know: a short noun phrase, not a task,
    a back-reference or the general population."""
    bare = _BRACKETED.sub("", item)
    return (2 <= len(bare) <= 30 and bool(_population_noun().search(bare))
            and not _NOT_A_GROUP.search(bare) and not _GENERAL_POPULATION.search(bare))


def is_group(label: str, cats: list[str]) -> bool | None:
    """True for a population group, None for a task/back-reference (ends a tier), False otherwise."""
    if not label or len(label) > 120:
        return False
    if label.startswith("除"):
        return None  # 除特困人员外: an exception, not a group
    if cats and label.endswith("的"):  # 低保对象等困难群众在第二阶段新增认定的: a clause after the groups picks out some of them
        label = _QUALIFIER_AFTER.sub("", label)
    bare = _BRACKETED.sub("", label)
    # The noun ends the label, so only its last few characters need scanning.
    names_people = bool(cats or _population_noun().search(bare, max(0, len(bare) - 8)))
    # an exclusion's own back-reference (一、二级重度残疾人（不含上述对象）/ 未纳入上述资助范围的…) is no
    # reference of the group's
    if cats:  # 其他低保对象 (after 年满60周岁的低保对象): the rest of a group split by a condition is a group
        label = _REST_OF_GROUP.sub("", label)
    if _NOT_A_GROUP.search(_EXCLUSION.sub("", label) if cats else label):
        return None if names_people else False  # 其他困难群体… ends a tier; 其余由…资助 continues it
    if cats:
        return True
    return names_people and not _GENERAL_POPULATION.search(bare)


def find_group_end(lay: Layout, s: int, e: int) -> int:
    """First position in text[s:e] where the terms start (never inside brackets or a category name)."""
    base = lay.depth[s] if s < len(lay.text) else 0
    for m in find_term_starts(lay.text, s, e):
        i = m.start()
        if lay.depth[i] <= base and not in_name(lay, i, s, e):
            if describes_group(lay, m, e):
                continue  # 享受定期抚恤补助的优抚对象: words describing a group listed on
            return i
    return e


def describes_group(lay: Layout, m, e: int) -> bool:
    """Whether a term word at m only describes the group named after it: a weak verb before a
    group name (享受…待遇人员), or a relative clause ending in 的 before one (享受定期抚恤补助的优抚对象)."""
    k = bisect.bisect_left(lay.cat_starts, m.end())
    if k >= len(lay.cats) or lay.cats[k][1] > e:
        return False
    if m.group() in _WEAK_TERMS:
        return True
    between = lay.text[m.end():lay.cats[k][0]]
    return between.endswith("的") and len(between) <= 12 and not _FIGURE_START.search(between)


def find_term_starts(text: str, s: int, e: int):
    """Successive non-overlapping term openers in text[s:e] (a word or a figure), as one finditer of
    their alternation would give: the next word, unless a figure matches before it."""
    while s < e:
        word = _TERM_WORD.search(text, s, e)
        stop = word.start() if word else e
        m, c = None, _FIGURE_START.search(text, s, stop)
        while c is not None:
            m = _TERM_FIGURE.match(text, c.start(), e)
            if m:
                break
            c = _FIGURE_START.search(text, c.start() + 1, stop)
        m = m or word
        if m is None:
            return
        yield m
        s = m.end()

MAX_TERMS_FIRST = 24  # characters before the colon of a terms-first item (● 360元/人: / 2.资助50%:)


# A class of groups named by its rank, the groups in brackets after it:
# 一类资助对象（特困人员、孤儿）/ 第二类人员(低保对象…) / 三类对象（…）
_CLASS_GROUP = sre.compile(r"第?[一二三四五六七八九十\d]{1,2}类(?:资助|救助|参保|困难)?(?:对象|人员|人群|群体)?\s*(?=[(（])")


def class_members(lay: Layout, s: int, e: int) -> tuple[int, int] | None:
    """The bracket (open, close + 1) listing a class's groups where text[s:e] opens with one
    (一类资助对象（特困人员、孤儿）…): the class is a rank, its categories are those inside."""
    m = _CLASS_GROUP.match(lay.text, s, e)
    if m is None:
        return None
    k = bisect.bisect_left(lay.pair_starts, m.end())
    if k >= len(lay.pairs) or lay.pairs[k][0] != m.end() or lay.pairs[k][1] > e:
        return None
    a, b = lay.pairs[k]
    return (a, b) if has_category(lay, a + 1, b - 1) or find_group_items(lay, a + 1, b - 1) else None


def parse_group(lay: Layout, s: int, e: int):
    """(group start, group end, is_group, terms before the group) for a piece, skipping a lead-in
    before a colon. A list item may state its terms first and the groups after the colon
    (`● 360元/人：低保对象…` / `1.全额资助：特困人员…` / `定额资助每人240元：重度残疾人`): the
    short text before the colon, when it holds a figure or a mode word, is returned as terms."""
    text = lay.text
    lead = _LEAD.match(text, s, e)
    gs = lead.end() if lead else s
    base = lay.depth[gs] if gs < len(text) else 0
    colon = next((i for i in positions(lay, _COLON, gs, e) if lay.depth[i] <= base), None)
    pre = None
    if colon is not None:
        label = text[gs:colon].strip()
        if is_group(label, parse_categories(lay, gs, colon)) and not members_follow(lay, colon + 1, e):
            return gs, colon, True, None
        if label and colon - gs <= MAX_TERMS_FIRST and (
                _TERM_FIGURE.search(label) or _FULL.search(label) or _FIXED.search(label)):
            pre = (gs, colon)
        lead = _LEAD.match(text, colon + 1, e)  # 资助标准:城乡特困人员… — the lead-in is no group
        gs = lead.end() if lead else colon + 1
    members = class_members(lay, gs, e)
    if members is not None:
        return gs, members[1], True, pre
    ge = find_group_end(lay, gs, e)
    label = text[gs:ge].strip()
    if not label:
        return gs, gs, False, None
    return gs, ge, is_group(label, parse_categories(lay, gs, ge)), pre


_MEMBERS_LEAD = sre.compile(r"\s*其中")


def members_follow(lay: Layout, s: int, e: int) -> bool:
    """`防止返贫监测对象实行分类资助：其中脱贫不稳定人口…按…`: groups after 其中 split the umbrella
    before the colon, whose own terms they hold; the umbrella is a heading, not the tier's group."""
    m = _MEMBERS_LEAD.match(lay.text, s, e)
    return bool(m) and has_category(lay, m.end(), e)


def find_group_items(lay: Layout, s: int, e: int) -> list[tuple[int, int]]:
    """The groups listed in one label (低保对象、返贫致贫人口和监测对象), split outside names and brackets."""
    base = lay.depth[s] if s < len(lay.text) else 0
    names = find_category_spans(lay, s, e)
    cuts = [i for i in positions(lay, _ITEM_SEP, s, e)
            if lay.depth[i] <= base and not any(a <= i < b for a, b, _ in names)]
    bounds = [s - 1, *cuts, e]
    return [(a + 1, b) for a, b in zip(bounds, bounds[1:]) if lay.text[a + 1:b].strip()]


# ---------------------------------------------------------------- terms

# A rounding rule for a computed share: `资助金额以10元为单位，尾数四舍五入` / `取整到十元` / `保留至元`.
_ROUNDING = re.compile(rf"""以\s*(?P<u>{NUM})\s*元\s*为(?:计算|计量|资助)?单位
                          |(?:取整|精确|保留)(?:到|至)\s*(?:(?P<u2>{NUM})\s*元|(?P<w>十元|百元|元|个位|十位))""", re.X)
_ROUND_UNIT_WORDS = {"十元": 10, "十位": 10, "百元": 100, "元": 1, "个位": 1}
_ROUND_UP = re.compile(r"\G[^。；;\n]{0,16}?(?:向上取整|进位|进一|进为)")
_ROUND_DOWN = re.compile(r"\G[^。；;\n]{0,16}?(?:向下取整|舍去|舍弃|去尾)")


def parse_terms(draft: Draft, terms: str) -> None:
    """Fill a draft from its terms text (everything after the group)."""
    taken: list[tuple[int, int]] = []

    def free(m) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    # Each `in` test is a word the pattern after it cannot match without: a cheap skip.
    if "先" in terms:
        taken += [m.span() for m in _PAY_FIRST_AMOUNT.finditer(terms)]
    if "低于" in terms or "最低" in terms or "不足" in terms or "少于" in terms:
        for m in FLOOR.finditer(terms):
            draft.floor = parse_number(m.group("amt"))
            taken.append(m.span())
    if "个人" in terms or "每人" in terms:
        for m in INDIVIDUAL.finditer(terms):
            if free(m) and draft.individual is None:
                draft.individual = parse_number(m.group("amt"))
                draft.figures.add("individual")
            taken.append(m.span())
    if draft.individual is None and _ZERO_INDIVIDUAL.search(terms):
        draft.individual = 0
        draft.figures.add("individual")
    if "单位" in terms or "取整" in terms or "保留" in terms:
        r = _ROUNDING.search(terms)
        if r:  # the unit is no subsidy amount
            u = r.group("u") or r.group("u2")
            unit = parse_number(u) if u else _ROUND_UNIT_WORDS.get(r.group("w"), 1)
            how = "up" if _ROUND_UP.search(terms, r.start()) else "down" if _ROUND_DOWN.search(terms, r.start()) else "half"
            if unit:
                draft.rounding = (unit, how)
            taken.append(r.span())
    has_percent = "%" in terms or "％" in terms or "百分之" in terms
    for m in _PERCENT_TERM.finditer(terms) if has_percent else ():
        figure = m.start("pnum") if m.group("pnum") else m.start("pcn") - 3
        if _NOT_SUBSIDY_PERCENT.search(terms, 0, max(figure, m.start() + len(m.group("who") or ""))):
            continue
        p = parse_number(m.group("pnum") or m.group("pcn"))
        if p is not None and 0 < p <= 100:
            draft.percent = 100 - p if m.group("who") else p
            draft.percent_at_least = not m.group("who") and "不低于" in terms[max(0, figure - 14):figure]
            if draft.percent == 100:
                draft.percent, draft.whole = None, True
            elif draft.percent == 0:
                draft.percent = None
            taken.append(m.span())
            break
    for m in _AMOUNT.finditer(terms) if "元" in terms else ():
        if free(m) and draft.subsidy is None:
            value = parse_number(m.group("amt"))
            if value is not None:
                draft.subsidy = value
                draft.figures.add("subsidy")
    if draft.percent is not None and draft.floor is None and ("不低于" in terms or "不少于" in terms):
        at_least = _AT_LEAST_AMOUNT.search(terms)  # 按80%资助,不低于280元
        if at_least and draft.subsidy == parse_number(at_least.group("amt")):
            draft.floor, draft.subsidy = draft.subsidy, None
            draft.figures.discard("subsidy")
    if draft.percent is not None and draft.subsidy is not None and ("超过" in terms or "最高" in terms or "封顶" in terms):
        at_most = _AT_MOST_AMOUNT.search(terms)
        if at_most and draft.subsidy == parse_number(at_most.group("amt")):
            draft.ceiling, draft.subsidy = draft.subsidy, None  # the cap, the amount computed under it
            draft.figures.discard("subsidy")
    draft.pay_first = draft.pay_first or "先" in terms and any(
        not is_negated(terms, m.start()) for m in PAY_FIRST.finditer(terms))
    source = any(w in terms for w in _SOURCE_WORDS) and (FUND_AFTER_FROM.search(terms) or _INLINE_SOURCE.search(terms)
                                                          or _SOURCE_LABEL.search(terms))
    if source and not PERSONAL_SOURCE.search(source.group("src")):
        draft.funding = source.group("src")  # 由县残联从残疾人就业保障金中全额资助: the fund
    draft.mode = parse_mode(terms, draft)


def parse_mode(terms: str, d: Draft) -> str | None:
    """Declared order: unchanged, percent, full, fixed (a figure or 定额). 继续按原渠道全额补助
    states its mode (full): unchanged is for an old policy that names none."""
    if d.subsidy is None and d.individual is None and d.percent is None and _UNCHANGED.search(terms) \
            and not (d.whole or _FULL.search(terms)):
        return "unchanged"
    if d.percent is not None:
        return "percent"
    if d.whole or _FULL.search(terms) or (d.individual == 0 and "individual" in d.figures):
        return "full"
    if d.subsidy is not None or d.individual is not None or _FIXED.search(terms):
        return "fixed"
    return None


def parse_values(vals: str) -> list[str]:
    """'200元、150元' -> ['200元', '150元']; a unit written once at the end serves them all."""
    found = [(m.group("n"), "%" if m.group("pc") else m.group("u")) for m in _VALUE.finditer(vals)]
    out, unit = [], None
    for n, u in reversed(found):
        unit = u or unit
        if unit is None:
            return []
        out.append(n + ("%" if unit in "%％" else "元"))
    return out[::-1]


def find_drafts(lay: Layout, skip_lines: set = frozenset()) -> list[Draft]:
    """Group pieces open a tier; the pieces after them, up to the next group, hold its terms."""
    text, drafts = lay.text, []
    items = find_listed_lines(lay) if ":" in text or "：" in text else set()
    for pieces in find_clauses(lay, skip_lines):
        if not pieces:
            continue
        line = lay.line_starts[line_of(lay, pieces[0][0])], line_end(lay, pieces[-1][1])
        clause = text[pieces[0][0]:pieces[-1][1]]
        listed = line_of(lay, pieces[0][0]) in items
        if not (listed or _SUBSIDY_WORD.search(clause) or _UNCHANGED.search(clause) or _SUBSIDY_IN_LINE.search(text, *line)):
            continue  # what `close` asks of a tier's terms, asked of the whole clause: none can pass
        current, spans = None, []
        grade = _GRADE_CLAUSE.match(text, pieces[0][0], pieces[0][1])
        if grade and drafts and drafts[-1].grade and line_of(lay, drafts[-1].start) == line_of(lay, pieces[0][0]):
            # `…：参加一档的，…全额资助；参加二档的，…资助420元，个人承担680元`: the next grade's clause
            # of the same group, a tier of its own
            prev = drafts[-1]
            current = Draft(label=prev.label, categories=list(prev.categories), start=pieces[0][0], end=pieces[0][1],
                            group_end=grade.end(), grade=f"{grade.group('g')}档", funding=None)
            spans = [(grade.end(), pieces[0][1])]
            pieces = pieces[1:]
        for ps, pe in pieces:
            gs, ge, verdict, pre = parse_group(lay, ps, pe)
            if verdict and current is not None and pre is None and _LIST_GOES_ON.match(text, gs) \
                    and not any(text[a:b].strip() for a, b in spans if a is not None):
                current.categories = list(dict.fromkeys(current.categories + parse_group_categories(lay, gs, ge)))
                current.label = text[current.start:ge].strip().removesuffix("的")
                current.end, current.group_end, spans = pe, ge, [(ge, pe)]
                continue  # the group list goes on past the comma; its terms follow
            if verdict or verdict is None:
                drafts += close(lay, current, spans, line, listed)
                current, spans = None, []
            if verdict:
                current = Draft(label=text[gs:ge].strip().removesuffix("的"),  # …等困难群众的参保资助政策
                                categories=parse_group_categories(lay, gs, ge),
                                start=pre[0] if pre else gs, end=pe, group_end=ge)
                spans = [pre, (ge, pe)] if pre else [(ge, pe)]
            elif current is not None and verdict is False:
                current.end = pe
                spans.append((ps, pe))
        drafts += close(lay, current, spans, line, listed)
    return drafts


# A list item: a bullet or an item number opening the line.
_ITEM_MARK = sre.compile(r"[ \t]*(?:[•·●○◆◇■□▲△★☆▶►\-*]|\d{1,2}[.、．)]|[(（][一二三四五六七八九十\d]{1,3}[)）]|[①-⑳]|[一二三四五六七八九十]{1,3}、)")
# ...or an unmarked line whose terms end at a colon near its start (a markdown bullet removed:
# `300元：低保对象`)
_ITEM_COLON = sre.compile(rf"[^:：。;；\n]{{1,{MAX_TERMS_FIRST}}}[:：]")


def colons_at_line_end(text: str):
    """Positions of the colons that end a line (canonical text: `:` folded, no trailing spaces)."""
    for colon in (":\n", "：\n"):
        i = text.find(colon)
        while i != -1:
            yield i
            i = text.find(colon, i + 2)
    if text.endswith((":", "：")):
        yield len(text) - 1


def find_listed_lines(lay: Layout) -> set:
    """Lines of the list right under a lead-in that ends in a colon and speaks of subsidies
    (对以下人员…给予定额资助…： then `● 360元/人：低保对象…`): their items are tiers even
    where an item names no subsidy word itself."""
    text, out = lay.text, set()
    last = len(lay.line_starts) - 1
    for colon in colons_at_line_end(text):
        k = line_of(lay, colon)
        if not _SUBSIDY_IN_LINE.search(text, lay.line_starts[k], colon):
            continue
        k, blank = k + 1, 0
        while k <= last and blank <= 1 and k not in out:  # items may stand a blank line apart, never two;
            ls = lay.line_starts[k]                          # a line already listed: the rest was scanned
            le = lay.line_starts[k + 1] - 1 if k < last else len(text)
            if ls == le or not text[ls:le].strip():
                blank += 1
            elif _ITEM_MARK.match(text, ls, le) or _ITEM_COLON.match(text, ls, le):
                out.add(k)
                blank = 0
            else:
                break
            k += 1
    return out


def close(lay: Layout, draft: Draft | None, spans: list, line: tuple[int, int], listed: bool = False) -> list[Draft]:
    """Parse the collected terms; a group with no mode (or no subsidy context) is no tier."""
    if draft is None:
        return []
    terms = ",".join(lay.text[a:b] for a, b in spans)
    if not listed and not _SUBSIDY_WORD.search(terms) and not _SUBSIDY_IN_LINE.search(lay.text, *line) \
            and not _UNCHANGED.search(terms):  # 监测对象继续按原政策执行: no subsidy word, still a tier
        return []
    paired = "分别" in terms and split_respectively(lay, draft, terms)
    if paired:
        return paired
    if draft.grade is None and spans and spans[0] is not None:
        grade = _GRADE_CLAUSE.match(lay.text, spans[0][0], spans[0][1])
        if grade:  # 特困人员：参加一档的，个人缴费部分全额资助: the tier is the first grade's
            draft.grade = f"{grade.group('g')}档"
    parse_terms(draft, terms)
    return [draft] if draft.mode else []


def split_respectively(lay: Layout, draft: Draft, terms: str) -> list[Draft]:
    """"低保对象、特困人员分别按70%、100%资助": one tier per group, figures paired by position."""
    items = find_group_items(lay, draft.start, draft.group_end)
    # every 分别 list as long as the groups pairs them (`分别按照…80%和50%给予资助，每人分别资助320元
    # 和200元`: a percent list, then an amount list)
    lists = []
    for m in _RESPECTIVELY.finditer(terms):
        g = "vals" if m.group("vals") else "vals_before"
        values = parse_values(m.group(g))
        if len(values) >= 2 and len(values) == len(items):
            lists.append((m.start(g), m.end(g), values))
    if not lists:
        return []
    out = []
    for n, (a, b) in enumerate(items):
        own = terms
        for s0, e0, values in reversed(lists):
            own = own[:s0] + values[n] + own[e0:]
        cats = parse_group_categories(lay, a, b)
        lead = _LEAD.match(lay.text, a, b)
        label = lay.text[lead.end() if lead else a:b].strip()
        if not cats and not is_group(label, cats):
            return []
        d = Draft(label=label, categories=cats, start=draft.start, end=draft.end, group_end=b)
        parse_terms(d, own)
        if not d.mode:
            return []
        out.append(d)
    return out


# ---------------------------------------------------------------- tables

def parse_header(cells: list[str]) -> dict[int, str] | None:
    """Column roles of a tier table header (group, subsidy, individual, percent, mode), or None."""
    roles, groups = {}, []
    for i, cell in enumerate(cells):
        if _COL_FUNDING.search(cell):
            roles[i] = "funding"
        elif _COL_INDIVIDUAL.search(cell):
            roles[i] = "individual_percent" if _COL_PERCENT.search(cell) else "individual"
        elif _COL_PERCENT.search(cell):
            roles[i] = "percent"
        elif _COL_SUBSIDY.search(cell):
            roles[i] = "subsidy"
        elif _COL_MODE.search(cell):
            roles[i] = "mode"
        elif _COL_GROUP.search(cell):
            groups.append(i)
    if groups:
        # 类别 | 资助对象 | …: the classes (一类、二类) head the rows, the column naming the people is the group
        named = [i for i in groups if not _COL_CLASS.fullmatch(cells[i].strip())]
        roles[(named or groups)[0]] = "group"
    figures = {"individual", "individual_percent", "percent", "subsidy"} & set(roles.values())
    if is_estimate(cells, roles):
        return None
    return roles if figures and "group" in roles.values() else None


@functools.cache
def _estimate_words() -> tuple:
    return tuple(re.compile(vocab.alternation(vocab.terms("categories.yaml", k)))
                 for k in ("estimate_count_headers", "estimate_money_headers"))


def is_estimate(cells: list[str], roles: dict[int, str]) -> bool:
    """A head count per group beside the money it takes (资助人数 | 资助资金): a funds estimate."""
    count, money = _estimate_words()
    return (any(count.search(c) for c in cells)
            and any(money.search(c) for i, c in enumerate(cells) if roles.get(i) != "funding"))


def transposed_table_drafts(lay: Layout) -> tuple[list[Draft], set]:
    """A tier table set on its side: the groups head the columns (`项目　特困人员　低保对象　…`),
    each row below is headed by what it gives (`资助方式`, `资助标准（元）`, `个人缴费（元）`). Each
    group's column is read as a row of the upright table, its evidence the whole table."""
    text, drafts, used = lay.text, [], set()
    k, n = 0, len(lay.line_starts)
    while k < n:
        ls, le = _line(lay, k)
        tabs = text.count("\t", ls, le)
        if tabs < 2:  # fewer than three cells: no transposed header (most lines; counted, not split)
            nxt = text.find("\t", le)  # the next line holding a tab: the lines between are no header
            if nxt == -1:
                break
            k = max(k + 1, line_of(lay, nxt))
            continue
        cells = text[ls:le].split("\t")
        # the corner cell names the groups (资助类别, 对象, 项目) or nothing, never a figure
        if _COL_HINT.search(cells[0]) and not _COL_GROUP.search(cells[0]) or not all(cells[1:]):
            k += 1
            continue
        rows, m = [], k + 1
        while m < n:
            rs, re_ = _line(lay, m)
            if text.count("\t", rs, re_) != tabs:
                break
            row = text[rs:re_].split("\t")
            if not _COL_HINT.search(row[0]) and not _COL_MODE.search(row[0]):
                break
            rows.append((m, row))
            m += 1
        if len(rows) < 2:  # asked before the groups are parsed: the rarer test first
            k += 1
            continue
        starts = [ls + sum(len(c) + 1 for c in cells[:j]) for j in range(len(cells))]
        if not all(parse_group_categories(lay, a, a + len(c)) for a, c in zip(starts[1:], cells[1:])):
            k += 1
            continue
        roles = parse_header(["资助对象"] + [r[0] for _, r in rows])
        if roles is None or len(roles) != len(rows) + 1:
            k += 1
            continue
        end = _line(lay, rows[-1][0])[1]
        for j in range(1, len(cells)):
            d = parse_table_row(lay, starts[j], end, [cells[j]] + [r[j] for _, r in rows], roles, 0)
            if d is not None:
                d.start = ls  # the whole table: a column is no span of the text
                drafts.append(d)
        if drafts:
            used |= {k} | {i for i, _ in rows}
        k = m
    return drafts, used


def find_table_drafts(lay: Layout) -> tuple[list[Draft], set]:
    """Rows under a header whose columns name the figures ("资助标准(元/人)", "个人缴费(元/人)")."""
    text, drafts, used = lay.text, [], set()
    if "\t" not in text:
        return [], set()
    side, used = transposed_table_drafts(lay)
    roles, col_group, known_only, carry, skip, head_line = None, None, False, None, set(), None
    for k, ls in enumerate(lay.line_starts):
        if k in used:  # a transposed table's lines, read above
            continue
        if k in skip:  # the rest of the group cell above (wrapped_cell)
            used.add(k)
            continue
        le = lay.line_starts[k + 1] - 1 if k + 1 < len(lay.line_starts) else len(text)
        line = text[ls:le]
        if "\t" not in line:
            # a group alone under a tier row, its merged cells blank (trailing tabs are stripped
            # from the canonical text): the table goes on; a sentence naming groups right under
            # the table (no blank line between) is the paragraph after it
            if not (carry is not None and col_group == 0 and line.strip() and not _SENTENCE_MARK.search(line)
                    and find_category_spans(lay, ls, le)):
                roles = None
                continue
        cells = line.split("\t")
        names = find_category_spans(lay, ls, le)
        header = None if names or not _COL_HINT.search(line) else parse_header(cells)
        if header or roles is None:  # a header starts a table; rows before any header are none
            roles, head_line = header, line
            col_group = next((i for i, r in (roles or {}).items() if r == "group"), None)
            # a header naming no subsidy (人员类别 | 个人缴费 | 财政补助) may be a fee table:
            # only rows naming a known group are tiers there
            known_only = not _TABLE_SUBSIDY.search(line)
            carry = None
            continue
        group = None
        if carry is not None and merged_below(cells, roles, col_group):
            # a group alone under a tier row: the 资助标准 / 资金来源 cells are merged over both
            # rows (written on the first): the row takes the cells above it
            cells = cells + [""] * (len(carry) - len(cells))
            cells = [carry[i] if i > col_group and roles.get(i) and i < len(carry) else c
                     for i, c in enumerate(cells)]
        elif carry is not None and merged_beside(cells, carry, roles, col_group):
            # 资助标准 merged over rows whose own figures are the same as the row above's (`返贫致贫人口
            # | (blank) | 126` under `低保对象 | 按个人缴费标准的70% | 126`): the blank cells are the merged ones
            cells = cells + [""] * (len(carry) - len(cells))
            cells = [carry[i] if i > col_group and roles.get(i) and not c.strip() and i < len(carry) else c
                     for i, c in enumerate(cells)]
        elif carry is not None and drafts and merged_above(cells, roles, col_group):
            # figures under a tier row with the group cell blank (资助对象 merged over its 一档 /
            # 二档 rows): the row is the group above's, its evidence from the group's row on
            group = drafts[-1]
        wrap = wrapped_cell(lay, k, cells, col_group, head_line) if group is None else None
        if wrap is not None:
            skip.add(wrap[2])
        d = parse_table_row(lay, ls, le, cells, roles, col_group, known_only, group, wrap)
        if d is not None and d.grade is None and carry is not None and drafts and drafts[-1].grade:
            d.grade = drafts[-1].grade  # the 档次 cell merged over the grade's rows (一档 over its groups)
        carry = cells if d is not None else None
        if d is not None:
            drafts.append(d)
            used.add(k)
    return sorted(side + drafts, key=lambda d: d.start), used


def _line(lay: Layout, k: int) -> tuple[int, int]:
    ls = lay.line_starts[k]
    return ls, lay.line_starts[k + 1] - 1 if k + 1 < len(lay.line_starts) else len(lay.text)


_MAX_WRAPPED = 24  # characters of a group cell's wrapped rest (a narrow column's line)
_SENTENCE_MARK = sre.compile(r"[。；;：:，,]")
_FOLIO = sre.compile(r"^\s*(?:[—–-]{1,2}\s*\d{1,3}\s*[—–-]{1,2}|第\s*\d{1,3}\s*页)\s*$")


def next_row(lay: Layout, k: int, head_line: str | None) -> int | None:
    """The line after row k that goes on with the table: past blank lines, a folio and the header
    repeated on the next page."""
    for n in range(k + 1, min(k + 6, len(lay.line_starts))):
        ns, ne = _line(lay, n)
        line = lay.text[ns:ne]
        if line.strip() and not _FOLIO.match(line) and line != head_line:
            return n
    return None


def wrapped_cell(lay: Layout, k: int, cells: list[str], col_group: int | None,
                 head_line: str | None = None) -> tuple[str, int, int] | None:
    """The rest of row k's group cell, wrapped onto the next line in a narrow column (`低保对象、返贫`
    over `\t致贫人口`, `特困人员、孤儿、` over `\t事实无人抚养儿童`), a page break allowed between: that
    line holds the group cell only, and the cell above is cut (it ends in a separator, or its last
    item names no group). Returns (the rest, the end of its line, its line index)."""
    n = next_row(lay, k, head_line)
    if col_group is None or col_group >= len(cells) or n is None:
        return None
    head = cells[col_group].strip()
    ns, ne = _line(lay, n)
    below = lay.text[ns:ne].split("\t")
    if not head or len(below) != col_group + 1 or any(c.strip() for c in below[:col_group]) or not below[-1].strip():
        return None
    rest = below[-1].strip()
    if len(rest) > _MAX_WRAPPED or _SENTENCE_MARK.search(rest):  # a paragraph after the table
        return None
    last = sre.split(r"[、,，和及与]", head)[-1]
    cut = not last or not (parse_group_categories(find_layout(last), 0, len(last)) or is_group(last, []))
    joined = find_layout(head + rest)
    if not cut or not parse_group_categories(joined, 0, len(joined.text)):
        return None
    return rest, ne, n


_FIGURE_ROLES = frozenset(("subsidy", "individual", "percent", "individual_percent"))
# 一档 / 第二档 / 一档(400元): a grade row
_GRADE_CELL = sre.compile(r"第?[一二三四五六七八九1-9]档(?:次)?(?:\s*[(（][^)）]*[)）])?")


def merged_above(cells: list[str], roles: dict, col_group: int | None) -> bool:
    """A row with its group cell blank and a figure written: the group cell above is merged over it."""
    if col_group is None or (col_group < len(cells) and cells[col_group].strip()):
        return False
    return any(c.strip() for i, c in enumerate(cells) if roles.get(i) in _FIGURE_ROLES)


def merged_beside(cells: list[str], carry: list[str], roles: dict, col_group: int | None) -> bool:
    """A row holding its group, some role cells blank where the row above wrote them, and every
    role cell it writes equal to the row above's: a cell merged over both rows (written on the
    first), the shares it sets alike."""
    if col_group is None or col_group >= len(cells) or not cells[col_group].strip():
        return False
    own = [i for i, c in enumerate(cells) if i > col_group and roles.get(i) and c.strip()]
    blank = [i for i in roles if i > col_group and roles.get(i) and (i >= len(cells) or not cells[i].strip())
             and i < len(carry) and carry[i].strip()]
    return bool(own and blank) and all(i < len(carry) and cells[i].strip() == carry[i].strip() for i in own)


def merged_below(cells: list[str], roles: dict, col_group: int | None) -> bool:
    """A row holding its group and nothing in any figure, mode or fund column after it."""
    if col_group is None or col_group >= len(cells) or not cells[col_group].strip():
        return False
    return not any(c.strip() for i, c in enumerate(cells) if i > col_group and roles.get(i))


def parse_table_row(lay: Layout, ls: int, le: int, cells: list[str], roles: dict, col_group: int,
                    known_only: bool = False, group: Draft | None = None, wrap: tuple[str, int, int] | None = None):
    """One row -> Draft: numbers from the figure columns, mode/pay-first words from the others;
    `group`: the tier above whose group cell is merged over this row (the row names no group);
    `wrap`: the rest of the group cell on the next line and that line's end (wrapped_cell)."""
    if group is not None:
        if known_only and not group.categories:
            return None
        d = Draft(label=group.label, categories=list(group.categories), start=group.start, end=le,
                  group_end=group.group_end)
    else:
        if col_group >= len(cells):
            return None
        if known_only and not has_category(lay, ls, le):
            return None
        gs = ls + sum(len(c) + 1 for c in cells[:col_group])
        ge = gs + len(cells[col_group])
        label, cats = cells[col_group].strip(), parse_group_categories(lay, gs, ge)
        if wrap is not None:  # the categories of the whole cell, read from its lines joined
            label += wrap[0]
            cats = parse_group_categories(find_layout(label), 0, len(label))
        if not label or not (cats or is_group(label, cats)):
            return None
        d = Draft(label=label, categories=cats, start=ls, end=wrap[1] if wrap else le, group_end=ge)
    words = []
    for i, cell in enumerate(cells):
        role = roles.get(i)
        if i == col_group or not cell.strip():
            continue
        if d.grade is None and _GRADE_CELL.fullmatch(cell.strip()):
            d.grade = cell.strip()  # 参保档次 column: the fee grade the row's shares are of
            continue
        if role == "funding":
            d.funding = cell.strip()  # 资金渠道 column: the row's fund as written
            continue
        m = _COL_NUMBER.match(cell)
        value = parse_number(m.group("n")) if m else None
        if value is None or role is None or role == "mode":
            words.append(cell)
        elif role == "subsidy" and "%" not in cell:
            d.subsidy = value
            d.figures.add("subsidy")
        elif role == "individual" and "%" not in cell:
            d.individual = value
            d.figures.add("individual")
        elif 0 < value <= 100:  # a percent column, `50%` in a 资助标准 column beside `400元` rows,
            # or `50%` under 个人缴费 (the person's share: the subsidy is the rest)
            d.percent = 100 - value if role in ("individual", "individual_percent") else value
            if d.percent == 100:
                d.percent, d.whole = None, True
    terms = ",".join(words)
    figures = (d.subsidy, d.individual, d.percent)
    funding = d.funding
    parse_terms(d, terms)
    d.funding = funding or d.funding
    d.subsidy, d.individual, d.percent = (
        new if old is None else old for old, new in zip(figures, (d.subsidy, d.individual, d.percent)))
    d.mode = parse_mode(terms, d)
    return d if d.mode else None
