"""Statements about the tiers written apart from them: funding sentences, pay-first (先缴后补)
sentences, floors written once for several tiers, sources that introduce the list.

Each finds the tiers it speaks for the way a reader does: the groups it names, the items it
numbers (以上第(二)至(四)项), 上述/其他资助对象 (the tiers just listed) less those it excludes
(除特困人员外); a table's figures are never overridden, only unset fields filled.
"""
from __future__ import annotations

import re as sre  # stdlib: plain words only
from dataclasses import replace

import regex as re

from noticeflow.extractors import vocab
from noticeflow.extractors.numbers import parse_number
from noticeflow.extractors.spans import keyword_windows
from noticeflow.extractors.tier_grammar import (
    PERSONAL_SOURCE, Draft, FLOOR, FUND_AFTER_FROM, INDIVIDUAL, PAY_FIRST, SOURCE, colons_at_line_end,
    is_negated, parse_categories, parse_group_categories)
from noticeflow.extractors.tier_layout import (
    Layout, enclosing, find_words, line_of, marked_spans, split)

_ITEM_NUMBER = r"[一二三四五六七八九十\d]{1,3}"
_SENTENCE_SEP = "。\n"          # sentences, for statements apart from the tiers
_PART_SEP = ";；"               # parts of a funding sentence
# Who a statement apart from the tiers is for: 除A、B外 / A除外 / 不含A, 以上第(二)至(四)项.
_EXCEPT = re.compile(r"""
    除 (?P<x>[^,，。;；:：]{1,60}?) (?:以外|之外|外)
  | (?P<y>[^,，。;；:：]{1,60}?) 除外
  | 不(?:含|包括|包含) (?P<z>[^,，。;；:：)）]{1,60})
""", re.X)
_EXCEPT_AFTER = re.compile(r"[,，](?P<y>[^,，。;；:：]{1,60}?)除外\s*$")
# …先全额缴纳个人缴费，…返还（特困人员、孤儿由县医保局直接代缴）: the exception in a bracket closing the sentence (174)
_EXCEPT_BRACKET = re.compile(r"""[(（](?P<y>[^()（）。;；]{1,60}?)
    (?:除外|由[^()（）。]{1,20}?(?:代缴|代为缴纳|全额资助|缴纳)|不(?:实行|执行|适用)[^()（）。]{0,8})[)）][。]?\s*$""", re.X)
_ITEM_RANGE = re.compile(rf"""
    第? [(（]? (?P<a>{_ITEM_NUMBER}) [)）]? [项类]? \s* (?:至|到|—|－|-|~) \s* 第? [(（]? (?P<b>{_ITEM_NUMBER}) [)）]? [项类]
""", re.X)
_LINE_NUMBER = re.compile(rf"[\s\-*•·]*(?:[(（](?P<a>{_ITEM_NUMBER})[)）]|(?P<b>\d{{1,2}})[.、．)]|(?P<c>[一二三四五六七八九十]{{1,3}})、"
                          rf"|第?(?P<d>{_ITEM_NUMBER})类(?=\t|\s|[:：]))")  # a class cell (一类\t特困人员…) numbers its row
_GENERIC_GROUP = sre.compile(r"上述|以上|前述|其他|其余|其它|资助对象|困难群众|困难人员|各类|所有|参保资助")
# 由县医疗救助基金按以下标准给予分类资助: a source written once, for the tiers listed after it.
_INTRO_WORDS = ("按以下", "按照以下", "按下列", "按照下列", "按如下")  # what _INTRO_SOURCE ends with
_INTRO_SOURCE = re.compile(rf"由(?P<src>{SOURCE})(?:按|按照)(?:以下|下列|如下)", re.X)
# A lead-in line ending in a colon that names the source of the block below it: 以下人员由医疗救助
# 基金按标准给予资助: / 对下列人员给予资助，资金从医疗救助资金中列支:
_LEAD_IN_SOURCE = re.compile(rf"""
    由(?P<src>{SOURCE})(?=按|给予|予以|全额|定额|分类|资助|补助|代缴|负担|承担|支付|列支|安排|解决)
  | 从(?P<fund>{SOURCE})中?(?=列支|支付|安排|解决|划转|划拨|统筹)
""", re.X)
_FUNDING_CLAUSE = ("所需资金", "资金来源", "负担", "承担", "列支", "支付", "划转", "划拨", "解决")
_FUNDING_PART = re.compile(rf"""
    (?P<grp>[^;；]*?) (?:
        (?:由|从) (?P<src>{SOURCE})?                    # 重度残疾人由县财政 / 资金从医疗救助基金
        [^;；]*? (?:负担|承担|列支|支付|资助|解决|划转|划拨)  # (中)列支
      | 在 (?P<src>{SOURCE}) 中? (?:列支|支出|安排|解决)    # 资助资金在医疗救助资金中列支
    )
""", re.X)
_AMBIGUOUS_FUNDING = sre.compile(r"不足部分|通过|共同|分担|按比例")  # unless the sources are named together
_JOINED_SOURCE = sre.compile(r"和|及|与|、")
_REST = sre.compile(r"其余|其他|其它|剩余")
# 所需资金由医疗救助基金支付 right after the tiers (their paragraph or block): the tiers' fund
_NEEDED_FUNDS = re.compile(r"^\s*(?:上述|以上)?(?:人员)?所需资金\s*$")
_ALL_SUBSIDY_FUNDS = re.compile(r"(?:资助|参保|补助|补贴|代缴|救助)[^,，:：]{0,8}?(?:资金|经费)(?:均|都|全部|统一|一律)?\s*$")


# ---------------------------------------------------------------- whole-notice passes

# 孤儿、事实无人抚养儿童参照特困人员执行: a group given the terms of a tier listed elsewhere.
_REFERENCE = re.compile(r"""
    (?P<who>[^,，。;；:：\n]{2,60}?) (?:均|也|同样)? (?:参照|比照) (?P<ref>[^,，。;；:：\n]{2,30}?)
    (?:的)? (?:资助)? (?:标准|政策|规定|办法)? (?:执行|资助|办理)
""", re.X)
_LIST_MARK = re.compile(rf"[\s\-*•·]*(?:[(（]{_ITEM_NUMBER}[)）]|\d{{1,2}}[.、．)]|[一二三四五六七八九十]{{1,3}}、)?\s*")


def add_referred_tiers(lay: Layout, drafts: list[Draft]) -> list[Draft]:
    """Tiers written as a reference to another (`X参照特困人员执行`): X gets a copy of the
    terms of the tier naming the groups referred to. Only groups no tier covers yet."""
    if "参照" not in lay.text and "比照" not in lay.text:
        return drafts
    covered = {c for d in drafts for c in d.categories}
    out = list(drafts)
    for m in _REFERENCE.finditer(lay.text):
        lead = _LIST_MARK.match(lay.text, m.start("who"), m.end("who"))
        ws = lead.end() if lead else m.start("who")
        cats = parse_group_categories(lay, ws, m.end("who"))
        ref = parse_categories(lay, *m.span("ref"))
        if not cats or not ref or covered.intersection(cats):
            continue
        source = next((d for d in drafts if set(ref) <= set(d.categories)), None)
        if source is None or not source.mode:
            continue
        out.append(replace(source, label=lay.text[ws:m.end("who")].strip(), categories=cats,
                           start=ws, end=m.end(), group_end=m.end("who"), figures=set(source.figures)))
        covered.update(cats)
    return sorted(out, key=lambda d: d.start)


def find_referred(lay: Layout, drafts: list[Draft], pos: int) -> list[Draft]:
    """Tiers "上述/以上" at `pos` refers to: those before it in its paragraph, else the block of
    tier lines right above it (a numbered list followed by a closing sentence)."""
    line = line_of(lay, pos)
    before = [d for d in drafts if d.end <= pos]
    same = [d for d in before if line_of(lay, d.start) == line]
    if same:
        return same
    lines_with = {line_of(lay, d.start) for d in before} | {line_of(lay, d.end) for d in before}
    k = line - 1
    while k >= 0 and (k in lines_with or not lay.text[lay.line_starts[k]:lay.line_starts[k + 1]].strip()):
        k -= 1
    return [d for d in before if line_of(lay, d.start) > k]


# 第（一）（二）项 / 第（二）、（三）类人员 / 第5类人员: items named by number (项, or 类 for a numbered list of groups)
_ITEM_LIST = re.compile(rf"第\s*(?:(?P<items>(?:[(（]{_ITEM_NUMBER}[)）]\s*[、,，和及]?\s*)+)|(?P<one>{_ITEM_NUMBER}))\s*[项类]")
_ITEM_IN_LIST = re.compile(rf"[(（](?P<n>{_ITEM_NUMBER})[)）]")


def numbered_items(text: str, s: int, e: int) -> set | None:
    """The item numbers a phrase names (第（一）（二）项, 第(二)至(四)项), None when it names none."""
    r = _ITEM_RANGE.search(text, s, e)
    if r:
        lo, hi = parse_number(r.group("a")), parse_number(r.group("b"))
        if lo is not None and hi is not None:
            return set(range(lo, hi + 1))
    m = _ITEM_LIST.search(text, s, e)
    if m and m.group("one"):
        return {parse_number(m.group("one"))}
    if m:
        return {parse_number(n.group("n")) for n in _ITEM_IN_LIST.finditer(m.group("items"))}
    return None


def apply_funding_clauses(lay: Layout, drafts: list[Draft]) -> None:
    """"重度残疾人由县财政负担;其余人员由医疗救助基金负担", "资助资金由医疗救助基金列支":
    sources stated apart from the tiers."""
    text = lay.text
    inside = [(d.start, d.end) for d in drafts]
    for s, e in marked_spans(lay, _SENTENCE_SEP, find_words(text, _FUNDING_CLAUSE)):
        if any(a < e and s < b for a, b in inside):
            continue
        named: set[str] = set()
        for ps, pe in funding_parts(lay, s, e):
            m = (text.find("由", ps, pe) != -1 or text.find("从", ps, pe) != -1 or text.find("在", ps, pe) != -1) \
                and _FUNDING_PART.search(text, ps, pe)  # the pattern needs 由/从/在: skip it cheaply
            if not m:
                continue
            src = m.group("src")
            fund = FUND_AFTER_FROM.search(text, m.start(), pe)
            if fund:  # 由县医疗保障局从医疗救助资金中划转: the fund, not the office
                src = fund.group("src")
            if src and not _JOINED_SOURCE.search(src) and _AMBIGUOUS_FUNDING.search(text, ps, pe):
                src = None
            cats = set(parse_categories(lay, m.start("grp"), m.end("grp")))
            if cats:
                named |= cats
                for d in drafts:
                    if d.funding is None and cats & set(d.categories):
                        d.funding = src
            elif src and _REST.search(m.group("grp")):
                for d in drafts:
                    if d.funding is None and d.mode in ("fixed", "percent") \
                            and not named & set(d.categories):
                        d.funding = src
            elif src and not named and (_ALL_SUBSIDY_FUNDS.search(m.group("grp"))
                                        or _NEEDED_FUNDS.search(m.group("grp")) and find_referred(lay, drafts, ps)):
                items = numbered_items(text, m.start("grp"), m.end("grp"))
                pool = [d for d in drafts if d.start < ps] if items else find_referred(lay, drafts, ps) or drafts
                for d in pool:
                    if d.funding is not None or (items is not None and line_number(lay, d) not in items):
                        continue  # 以上第（一）（二）项资助资金由…列支: those items only
                    if d.mode == "unchanged" and "渠道" in text[d.start:d.end]:
                        continue  # 优抚对象继续按原渠道落实资助: its own channel, not this fund
                    d.funding = src


def funding_parts(lay: Layout, s: int, e: int) -> list[tuple[int, int]]:
    """The parts of a funding sentence (；), each cut at commas when it holds several 由/从
    ("资助对象由民政部门认定，资助资金由县医保局从医疗救助资金中划转": the second speaks)."""
    out = []
    for ps, pe in split(lay, s, e, _PART_SEP):
        agents = sum(lay.text.count(w, ps, pe) for w in ("由", "从"))
        out += split(lay, ps, pe, ",，") if agents >= 2 else [(ps, pe)]
    return out


def apply_intro_sources(lay: Layout, drafts: list[Draft]) -> None:
    """"…由县医疗救助基金按以下标准给予分类资助：" followed by the tiers: each takes that source."""
    text = lay.text
    matches = [(m.end(), m.group("src")) for lo, hi in keyword_windows(text, _INTRO_WORDS, 40, 4)
               for m in _INTRO_SOURCE.finditer(text, lo, hi)]
    matches += lead_in_sources(lay)
    for pos, src in matches:
        if any(d.start <= pos - 1 < d.end for d in drafts):
            continue
        for d in find_following(lay, drafts, pos):
            if d.funding is None:
                d.funding = src


def lead_in_sources(lay: Layout) -> list[tuple[int, str]]:
    """(line end, source) of each line that ends in a colon and names a fund by 由 or 从: the
    lead-in of the tiers listed under it. The last source of the line speaks (a fund after 从
    wins over the office before it: 由县医保局从医疗救助资金中列支)."""
    text, out = lay.text, []
    for colon in colons_at_line_end(text):
        end = colon + 1
        ls = lay.line_starts[line_of(lay, colon)]
        if text.find("由", ls, end) == -1 and text.find("从", ls, end) == -1:
            continue
        found = list(_LEAD_IN_SOURCE.finditer(text, ls, end))
        src = (found[-1].group("fund") or found[-1].group("src")) if found else None
        if src and not PERSONAL_SOURCE.search(src):
            out.append((end, src))
    return out


def find_following(lay: Layout, drafts: list[Draft], pos: int) -> list[Draft]:
    """The block of tier lines right below the line holding pos (blank lines allowed)."""
    after = [d for d in drafts if d.start >= pos]
    lines_with = {line_of(lay, d.start) for d in after} | {line_of(lay, d.end) for d in after}
    k, last = line_of(lay, pos) + 1, len(lay.line_starts) - 1
    while k <= last and (k in lines_with or not lay.text[lay.line_starts[k]:(lay.line_starts[k + 1] if k < last else len(lay.text))].strip()):
        k += 1
    return [d for d in after if line_of(lay, d.start) < k]


def line_number(lay: Layout, d: Draft) -> int | None:
    """The item number the tier's line opens with: (二) / 2. / 二、 -> 2."""
    ls = lay.line_starts[line_of(lay, d.start)]
    m = _LINE_NUMBER.match(lay.text, ls, max(d.start + 1, min(len(lay.text), ls + 6)))  # a table row opens at its first cell
    return parse_number(m.group("a") or m.group("b") or m.group("c") or m.group("d")) if m else None


def _mode_subjects() -> list[tuple[str, "re.Pattern"]]:
    t = vocab.terms("categories.yaml", "mode_subjects")
    nouns = vocab.alternation(t["nouns"])
    return [(mode, re.compile(rf"(?:{vocab.alternation(t[mode])})(?:的)?(?:{nouns})"))
            for mode in ("full", "fixed", "percent")]


_MODE_SUBJECTS = _mode_subjects()


def find_targets(lay: Layout, drafts: list[Draft], s: int, cut: int, end: int | None = None) -> list[Draft] | None:
    """The tiers a statement apart from them speaks for, from its subject text[s:cut]: the items
    it numbers (以上第(二)至(四)项), the groups it names, or (上述/其他资助对象, 除A外) the tiers
    just listed less those it excludes. None when it names none of these."""
    text = lay.text
    excluded: set = set()
    for m in _EXCEPT.finditer(text, s, cut):
        g = next(n for n in ("x", "y", "z") if m.group(n))
        excluded |= set(parse_group_categories(lay, m.start(g), m.end(g)))
    if end is not None:  # …先按480元标准足额缴纳，再…返还，特困人员、孤儿除外: the exception closing the sentence
        for rx in (_EXCEPT_AFTER, _EXCEPT_BRACKET):
            m = rx.search(text, cut, end)
            if m:
                excluded |= set(parse_group_categories(lay, m.start("y"), m.end("y")))
    last = max(text.rfind(c, s, cut) for c in ",，") + 1
    if last > s and _REST.search(text, last, cut):  # 特困人员由医保局代缴，其余对象先缴后补: the rest
        excluded |= set(parse_group_categories(lay, s, last))
        pool = find_referred(lay, drafts, s) or drafts
        return [d for d in pool if not excluded & set(d.categories)]
    r = _ITEM_RANGE.search(text, s, cut)
    if r:
        lo, hi = parse_number(r.group("a")), parse_number(r.group("b"))
        if lo is not None and hi is not None:
            return [d for d in drafts if d.start < s and lo <= (line_number(lay, d) or 0) <= hi]
    named = set(parse_group_categories(lay, s, cut)) - excluded
    hit = [d for d in drafts if named & set(d.categories)]
    modes = {mode for mode, rx in _MODE_SUBJECTS if rx.search(text, s, cut)}
    if modes and not hit:  # 定额资助对象实行“先缴后返”: the tiers of that mode (named no tier's group)
        pool = find_referred(lay, drafts, s) or drafts
        return [d for d in pool if d.mode in modes and not excluded & set(d.categories)]
    if hit or (named and not _GENERIC_GROUP.search(text, s, cut)):
        return hit  # 资助对象先按规定足额缴纳…: a generic word read as a group names no tier
    if excluded or _GENERIC_GROUP.search(text, s, cut):
        pool = find_referred(lay, drafts, s) or drafts
        return [d for d in pool if not excluded & set(d.categories)]
    return None


def apply_pay_first_clauses(lay: Layout, drafts: list[Draft]) -> None:
    """A 先缴后补 sentence apart from the tiers applies to those it speaks for (find_targets),
    else to the tiers just listed above it; 除特困人员外 keeps 特困 out, and so does a clause
    saying who does not pay first (特困人员、孤儿由医保局统一代缴，不实行先缴后补)."""
    text = lay.text
    matches = [m for m in PAY_FIRST.finditer(text) if not any(d.start <= m.start() < d.end for d in drafts)]
    negated: set = set()
    for m in matches:
        if is_negated(text, m.start()):
            part = max(text.rfind(c, 0, m.start()) for c in "。;；\n") + 1
            negated |= set(parse_group_categories(lay, part, m.start()))
    for m in matches:
        if is_negated(text, m.start()):
            continue
        s, e = enclosing(lay, _SENTENCE_SEP, m.start()) or (m.start(), m.end())
        # a negated clause before it in the sentence is not its subject (特困人员不执行…，其余…实行…)
        s = max([s] + [n.end() for n in matches if s <= n.start() < m.start() and is_negated(text, n.start())])
        hit = find_targets(lay, drafts, s, m.start(), e)
        later = _following_exception(lay, e)
        for d in find_referred(lay, drafts, s) if hit is None else hit:
            if not (negated | later) & set(d.categories):
                d.pay_first = True


# …均实行“先缴后补”…返还。特困人员、孤儿和重度残疾人除外，由…代缴: the exception opening the next sentence
_EXCEPT_OPENING = re.compile(r"""\s*(?:但|其中[,，]?)?\s*(?:
    (?P<y>[^,，。;；:：\n]{1,60}?) 除外
  | 除 (?P<x>[^,，。;；:：\n]{1,60}?) (?:以外|之外|外) (?=[^。\n]{0,40}?(?:代缴|不(?:实行|执行|适用)|直接|统一|无需|不需要?)))""", re.X)


def _following_exception(lay: Layout, e: int) -> set:
    """The groups an exception opening the sentence right after a pay-first sentence keeps out."""
    text = lay.text
    if e >= len(text) or text[e] != "。":
        return set()
    m = _EXCEPT_OPENING.match(text, e + 1)
    if not m:
        return set()
    g = "y" if m.group("y") else "x"
    return set(parse_group_categories(lay, m.start(g), m.end(g)))


def apply_floor_clauses(lay: Layout, drafts: list[Draft]) -> None:
    """"以上人员资助金额低于280元的，按280元资助，个人缴纳100元": a floor written once for
    several tiers applies to each percent tier it speaks for (default: those just listed)."""
    text = lay.text
    for s, e in marked_spans(lay, _SENTENCE_SEP, find_words(text, ("低于", "不足", "少于"))):
        if any(d.start <= s < d.end for d in drafts):
            continue
        m = FLOOR.search(text, s, e)
        if not m or m.group("a") is None:
            continue
        floor = parse_number(m.group("amt"))
        individual = INDIVIDUAL.search(text, m.end(), e)
        hit = find_targets(lay, drafts, s, m.start())
        for d in find_referred(lay, drafts, s) if hit is None else hit:
            if d.mode == "percent" and d.floor is None and floor is not None:
                d.floor = floor
                if individual and d.individual is None and d.subsidy is None:
                    d.individual = parse_number(individual.group("amt"))
                    d.figures.add("individual")
