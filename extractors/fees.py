"""Premium standards (缴费标准): the individual premium and the fiscal subsidy per person.

A fee statement is a subject (个人缴费标准, 人均财政补助标准, 各级财政对居民医保的补助标准) followed,
in the same sentence, by one or more amounts. What stands between the subject and each amount
says what the amount is: `提高30元` is the rise, `由350元` the old figure, `达到每人每年不低于640元`
the new one (at least), `一档…` / `成年居民…` the grade or group it is for. Notices write these
in any order and mix both kinds in one sentence (`…补助标准提高30元，达到每人每年不低于640元；个人
缴费标准同步提高30元，达到每人每年380元`), so each subject reads up to the next subject, not to a
fixed pattern's end. A subject followed by `的` (`个人缴费标准的80%`) or an amount after a tier
word (`资助`, `%`) is not a statement: tier lines and incentives carry no fee. Fee tables (a
column headed 个人缴费 / 财政补助, a row per group) are read from the structure's tables.
The individual fee is stored on the context: tiers derive shares from it.
"""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors import structure, vocab
from noticeflow.extractors.compact import to_original, view
from noticeflow.extractors.context import Context
from noticeflow.extractors.numbers import NUM, parse_number
from noticeflow.extractors.spans import evidence, keyword_windows, lines_with_offsets, stop_after, stop_before
from noticeflow.extractors.squeeze import close_cell_gaps
from noticeflow.schemas import Fee
from noticeflow.schemas.errors import RESOURCE_ERRORS

_RISE = r"(?:提高|上调|增加|新增|提升|调增|增长)了?"                 # verbs of a stated rise
_REACH = r"(?:达到|提高到|提高至|增加到|增加至|上调到|上调至|调整为|调整到|调整至|提升到|提升至|增长到|增长至)"
_PER = r"(?:每人每年|每人每月|每人/年|每人|人均|每年)"             # 每人每年 350元
_AT_LEAST = r"(?:不低于|不少于|最低)"

# The subjects. `std` marks 标准: a subject without it needs a rise or reach verb right after
# (个人缴费提高至400元), so tier lines such as 个人缴费40元 / 个人缴纳70元 are not fees.
_SUBJECTS = re.compile(rf"""
    (?P<indiv> 个人(?:参保)?缴费 (?P<istd>(?:档次)?标准)? )
  | (?P<bare> (?<!个人|参保|资助|代缴|补缴)缴费标准 )    # 居民医保缴费标准为… / 缴费标准不变，仍为每人每年400元
  | (?P<fiscal> (?: (?:各级)?(?:政府)?(?:人均)?财政(?:人均)?
                    (?:对 [^,，。;；:：\n]{{1,16}}? 的)?      # 各级财政对居民医保参保人员的
                  | (?<=财政[^,，。;；:：\n]{{1,20}}?补助[,，]\s*) )  # 财政对X给予补助，补助标准为…: the
                (?:人均)? 补助 (?P<fstd>标准)? )                # clause after names the standard
""", re.X)
_AMOUNT = re.compile(rf"(?P<amt>{NUM})\s*元")
_SEPARATORS = ",，:：;；"
_PIECE_STOPS = _SEPARATORS + "。\n\t"
_COLON = ":："
_MAX_EVIDENCE = 90  # a list item further than this from its subject quotes only itself
_SCOPE_MAX = 160
_NEXT_ITEM = re.compile(rf"(?:[(（][一二三四五六七八九十\d]{{1,2}}[)）]|\d{{1,2}}[.、．]|[一二三四五六七八九十]{{1,2}}、)?\s*"  # (一)成年居民：每人…
                        rf"(?:第?[一二三四五1-5]档|[^\s,，。;；:：]{{2,16}}?)(?:标准)?(?:为|[:：])?\s*{_PER}")  # a statement never runs further than this from its subject

# The tail of a lead (after its last separator) that makes the amount the rise / the old figure.
_RISE_TAIL = re.compile(rf"{_RISE}\s*$")
# 由每人每年380元 / 由上年度的380元 / 由2025年度的380元: the old figure before its rise
_OLD_TAIL = re.compile(rf"由\s*(?:(?:上一?年度?|去年|原来?|20\d{{2}}\s*年度?)\s*的?)?\s*{_PER}?\s*$")
_REACH_OR_RISE = re.compile(rf"^\s*(?:{_REACH}|{_RISE})")
_AT_LEAST_RE = re.compile(_AT_LEAST)
# 个人缴费实行两档标准：一档… / 个人缴费设一档、二档两个档次，一档标准为…: the standard written later
_STANDARD_IN_LEAD = re.compile(r"标准|档")
# Words of a lead that are not a label (what is left names the grade or group).
_CONNECTORS = re.compile(rf"""
    {_REACH} | {_RISE} | {_PER} | {_AT_LEAST} | 在上年(?:度)?(?:的)?基础上 | 比上年(?:度)? | 较上年(?:度)?
  | 同比 | 同步 | 相应 | 继续 | 仍然 | 仍 | 统一 | 分别 | 均 | 执行 | 确定为 | 确定 | 标准 | 个人缴费 | 缴费
  | 按人群 | 分为 | 两个档次 | 三个档次 | 两档 | 三档 | 如下 | 为 | 是 | 按 | 元/人 | /人 | [·/]年
""", re.X)
_DIGIT_NOT_AGE = re.compile(r"\d(?!\d*\s*周?岁)")  # 60周岁以上老年人 is a group; 400元 is no label
_GRADE = re.compile(r"^第?[一二三四五六七八九1-9]档(?:次)?$")
_GROUP_GRADE = re.compile(r"^(?P<group>\p{Han}{2,10}?)(?P<grade>第?[一二三四五六七八九1-9]档(?:次)?)$")
_BRACKETS = re.compile(r"[(（][^()（）]*[)）]")
_YEAR = re.compile(r"(?P<y>20\d{2})\s*年")

# Fee tables: a header naming the fee columns.
_COL_INDIVIDUAL = re.compile(r"个人(?:参保)?缴费|个人缴纳")
_COL_FISCAL = re.compile(r"财政补助|政府补助")
_NOT_A_FEE_TABLE = re.compile(r"资助|救助|代缴|减免|报销|限额|起付|待遇")
# a column of sums (`个人缴费金额（万元）` beside a quota's 参保任务) counts money in total, not per person
_COL_SUM = re.compile(r"万元|亿元")
_CELL_AMOUNT = re.compile(rf"^\s*(?P<al>{_AT_LEAST})?\s*(?P<amt>{NUM})\s*(?:元(?:/人(?:[·/]年)?)?)?\s*$")


@functools.cache
def _terms() -> dict:
    t = vocab.terms("fee_terms.yaml", "fees")
    return dict(
        group_noun=re.compile(f"(?:{vocab.alternation(t['group_nouns'])})$"),
        everyone=frozenset(t["everyone"]),
        unchanged_words=tuple(t["unchanged"]),
        preamble=re.compile("|".join(t["preamble"])),
        unchanged=re.compile(vocab.alternation(t["unchanged"])),
        # right after the amount, in its clause: 400元，与上年持平 / 400元，与2025年度标准相同
        unchanged_after=re.compile(rf"[,，]?\s*(?:{'|'.join(t['unchanged_after'])})"),
        blocker=re.compile(vocab.alternation(t["blockers"])),
    )


# ---------------------------------------------------------------- statements in running text

def find_subjects(text: str) -> list:
    """Subjects that can open a statement, in text order."""
    out = []
    # a subject holds 个人, 财政 or 缴费标准: only the stretches around them are scanned
    for lo, hi in keyword_windows(text, ("个人", "财政", "缴费标准"), 8, 40):
        for m in _SUBJECTS.finditer(text, lo, hi):
            if m.group("indiv") is not None:
                kind, std = "individual", m.group("istd")
            elif m.group("bare") is not None:
                kind, std = "individual", m.group("bare")
            else:
                kind, std = "fiscal_subsidy", m.group("fstd")
            out.append((kind, bool(std), m))
    return out


def scope_end(text: str, start: int, next_subject: int) -> int:
    """Where a statement opened at `start` ends: the sentence end, the next subject, or a ；
    unless a colon before it opens a list (个人缴费标准：成年居民…；学生儿童…。)."""
    end = min(next_subject, start + _SCOPE_MAX, len(text))
    for i in range(start, end):
        c = text[i]
        if c == "\n" and (any(k in text[start:i] for k in _COLON) or not text[start:i].strip()) \
                and _NEXT_ITEM.match(text, i + 1):
            continue  # 两档标准：一档每人每年400元；⏎二档…; a heading `一、缴费标准` over its items
        if c in "。\n":
            return i
        if c in ";；" and not any(k in text[start:i] for k in _COLON):
            return i
    return end


def parse_label(words: str) -> str | None:
    """The grade (一档) or group (成年居民, 学生儿童(含…)) a lead or a pre-subject phrase names."""
    t = _terms()
    rest = t["preamble"].sub("", _CONNECTORS.sub("", words)).strip(" \n\t,，:：、")  # 、二档每人每年510元
    if not rest:
        return None
    if _GRADE.match(rest):
        return rest
    graded = _GROUP_GRADE.match(rest)  # 成年居民一档: the grade residents of that group choose
    if graded and t["group_noun"].search(graded["group"]):
        return graded["grade"]
    bare = _BRACKETS.sub("", rest)
    if (len(bare) <= 20 and not _DIGIT_NOT_AGE.search(bare) and t["group_noun"].search(bare)
            and bare not in t["everyone"]):
        return rest
    return None


def colon_item_label(lead: str, cut: int) -> str | None:
    """`（一）成年居民：每人每年400元`: the group of a list item named before its colon."""
    if not cut or lead[cut - 1] not in _COLON:
        return None
    item_start = max(lead.rfind(c, 0, cut - 1) for c in _SEPARATORS + "\n") + 1
    return parse_label(_HEAD_MARKER.sub("", lead[item_start:cut - 1], count=1))


def pre_label(text: str, subject_start: int) -> str | None:
    """A grade or group written just before the subject: 一档个人缴费标准 / 学生儿童个人缴费标准."""
    s = piece_start(text, subject_start)
    return parse_label(text[s:subject_start]) if subject_start - s <= 24 else None


_HEAD_MARKER = re.compile(r"^\s*(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．]|[①-⑳])?\s*")
_PER_LEAD = re.compile(rf"^\s*[:：]?\s*(?:仍然?|依然|继续)?(?:为|是)?\s*(?:{_AT_LEAST})?\s*{_PER}\s*(?:为|是)?\s*(?:{_AT_LEAST})?\s*$")  # (：)每人每年(不低于)
_HEAD_MAX = 40
_GROUP_HEAD_MAX = 20  # a heading naming a group before its sentence  # a heading naming a group is short
# 个人缴费400元/人 / 财政补助不低于700元/人·年: the per-person unit written after the amount
_PER_AFTER = re.compile(r"\s*/\s*人(?:\s*[·./]?\s*年)?")
# bounded: without an end the regex module looks for the pattern's `/` to the end of the text first
_PER_AFTER_REACH = 12
_BARE_LEAD = re.compile(rf"^\s*[:：]?\s*(?:仍然?|依然|继续)?(?:为|是)?\s*(?:{_AT_LEAST})?\s*$")
_PER_ONLY = re.compile(rf"^\s*(?:为|是)?\s*{_PER}?\s*(?:为|是)?\s*$")


def is_breakdown(text: str, subject_start: int) -> bool:
    """`筹资标准为每人每年1100元，其中个人缴费400元，财政补助700元`: the shares of a total."""
    s = piece_start(text, subject_start)
    if text[s:subject_start].strip() == "其中":
        return True
    p = piece_start(text, s - 1) if s > 0 and text[s - 1] in ",，" else s
    if p < s and (text[p:s - 1].strip() == "其中"  # 其中，个人缴费为每人400元
                  or text[p:s - 1].lstrip().startswith("其中") and "个人" in text[p:s]):
        return True
    if not after_total(text, subject_start):
        return False  # a colon after 其中 opens a tier's shares as well (低保对象，其中：个人缴费70元)
    # 筹资标准为1150元，其中：个人缴费420元，各级财政补助730元: the shares after 其中：, the second two pieces on
    p = piece_start(text, s - 1) if s > 0 and text[s - 1] in ",，:：" else s
    if p < s and text[p:s - 1].strip() == "其中":
        return True
    q = piece_start(text, p - 1) if p < s and p > 0 and text[p - 1] in ":：" else p
    return q < p and text[q:p - 1].strip() == "其中" and "个人" in text[p:s]


_TOTAL_BEFORE = 60  # how far back the total of a breakdown is looked for


def after_total(text: str, subject_start: int) -> bool:
    """`人均筹资标准为1150元，其中个人缴费每人每年420元`: a 筹资 total just before the 其中 (a tier's
    `低保对象，其中个人缴费每人每年70元` has none), so a share written with 每人每年 is a fee too."""
    return "筹资" in text[max(0, subject_start - _TOTAL_BEFORE):subject_start]


def said_of_everyone(text: str, kind: str, subject_start: int) -> bool:
    """Whether a subject written without 标准 speaks of everyone: `居民个人缴费每人每年400元` (a
    sentence opened by everyone), `…，财政补助每人每年不低于670元` (the fiscal share is always everyone's);
    `低保对象，个人缴费每人每年70元` is a tier's share."""
    s = piece_start(text, subject_start)
    before = _terms()["preamble"].sub("", text[s:subject_start]).strip()
    if before:
        return before in _terms()["everyone"]
    if kind == "fiscal_subsidy" or s == 0 or text[s - 1] == "\n":
        return True
    if text[s - 1] in ",，":  # 缴费标准不变，个人缴费仍为每人每年400元: the piece before keeps the standard
        prev = piece_start(text, s - 1)
        piece = text[prev:s - 1]
        return "标准" in piece and any(w in piece for w in _terms()["unchanged_words"])
    if text[s - 1] != "。":
        return False
    prev = max(text.rfind(c, max(0, s - 1 - _HEAD_MAX), s - 1) for c in "\n。;；:：") + 1
    head = _HEAD_MARKER.sub("", text[prev:s - 1]) if prev > 0 or s - 1 <= _HEAD_MAX else "x" * _HEAD_MAX
    if _STANDARD_IN_LEAD.search(head) or "缴费" in head:
        return True  # 二、缴费标准。个人缴费每人每年400元: the section's own heading
    return not (0 < len(head) <= _GROUP_HEAD_MAX)  # `（三）低保对象。个人缴费每人每年70元`: a tier's heading above


def head_label(text: str, subject_start: int) -> str | None:
    """A group named as the heading of its item, the fee in the next sentence:
    `（二）未成年人（含在校学生）。个人缴费每人每年430元` / `2.学生儿童：个人缴费每人每年400元`."""
    s = piece_start(text, subject_start)
    if s == 0 or text[s - 1] not in "。:：,，" or text[s:subject_start].strip():
        return None
    lo = max(0, s - 1 - _HEAD_MAX)
    line = max(text.rfind(c, lo, s - 1) for c in "\n。;；:：") + 1
    if line == 0 and lo > 0:
        return None  # no item start close enough: no heading
    head = text[line:s - 1]
    if any(c in head for c in ",，"):
        return None  # the heading is one phrase, not the end of a sentence
    marker = _HEAD_MARKER.match(head)
    if text[s - 1] in ",，" and not marker.group().strip() and text[line - 1:line] not in (";", "；", ":", "："):
        return None  # a comma only after a list item's group: `（一）70周岁以上人员，个人缴费标准…` / `；学生，…`
    return parse_label(head[marker.end():])


def parse_statements(text: str, kind: str, std: bool, m, end: int) -> list[tuple[Fee, int | None]]:
    """The fees one subject states up to `end`, each with the year written in its clause."""
    t = _terms()
    out: list[list] = []              # [amount, at_least, change, label, start, end, year]
    pending_change = pending_old = None
    prev = m.end()
    label_before = pre_label(text, m.start())
    heading = None if label_before else head_label(text, m.start())
    label_before = label_before or heading
    rise_before = bool(_RISE_TAIL.search(text, max(0, m.start() - 4), m.start()))  # 提高个人缴费标准30元
    for a in _AMOUNT.finditer(text, m.end(), end):
        lead = text[prev:a.start()]
        prev = a.end()
        if not out and lead.startswith("的") or t["blocker"].search(lead):
            break
        if not std and not out and pending_change is None and not rise_before \
                and not _REACH_OR_RISE.match(lead) and not _STANDARD_IN_LEAD.search(lead) \
                and not (heading and _PER_ONLY.match(lead)) \
                and not (_PER_LEAD.match(lead) and said_of_everyone(text, kind, m.start())) \
                and not (_BARE_LEAD.match(lead) and _PER_AFTER.match(text, a.end(), a.end() + _PER_AFTER_REACH)
                         and said_of_everyone(text, kind, m.start())) \
                and not (_PER_ONLY.match(lead) and is_breakdown(text, m.start())
                         and (not lead.strip() or after_total(text, m.start()))):
            break  # 个人缴费40元: no 标准, no verb, no grade (个人缴费设一档、二档…), a tier line
        value = parse_number(a.group("amt"))
        if value is None:
            break
        cut = max(lead.rfind(c) for c in _SEPARATORS) + 1
        tail = lead[cut:]
        if _RISE_TAIL.search(tail) or rise_before and not out and pending_change is None and not tail.strip():
            if out and out[-1][2] is None and not _REACH_OR_RISE.match(tail):
                out[-1][2], out[-1][5] = value, a.end()
            else:
                pending_change = value
            continue
        if _OLD_TAIL.search(tail):       # 由350元
            pending_old = value
            continue
        change = pending_change
        if change is None and pending_old is not None and value > pending_old:
            change = value - pending_old
        if change is None and (t["unchanged"].search(text, m.end(), a.start())
                               or t["unchanged_after"].match(text, a.end(), min(end + 1, a.end() + 24))):
            change = 0  # …标准不变，为每人每年400元 / …400元，与上年持平
        label = parse_label(tail) or colon_item_label(lead, cut) or (label_before if not out else None)
        if out and label is None:
            break  # a second amount that names no grade or group: another statement
        year = _year(text, m.start(), a.start())
        start = piece_start(text, m.start())
        if out and a.end() - start > _MAX_EVIDENCE:
            start = a.start() - len(tail)  # a long list: the item itself (二档每人每年480元)
        out.append([value, bool(_AT_LEAST_RE.search(tail)), change, label, start, a.end(), year])
        pending_change = pending_old = None
    fees = []
    for value, at_least, change, label, s, e, year in out:
        if not 0 < value <= 100_000:
            continue
        label = label if len(out) > 1 or label_before else None
        fees.append((Fee(kind=kind, amount=value, qualifier="at_least" if at_least else "exact",
                         change=change, applies_to=label, evidence=evidence(text, s, e)), year))
    return fees


def _year(text: str, start: int, end: int) -> int | None:
    """The year written in the sentence of a statement, before it if any (2025年度…补助标准…；
    个人缴费标准…400元 is 2025's too), else after it."""
    s = stop_before(text, start, "。\n") + 1  # bounded searches: a text without breaks is no sentence
    e = stop_after(text, end, "。\n")
    e = len(text) if e == -1 else e
    before = [int(y.group("y")) for y in _YEAR.finditer(text, s, end)]
    after = [int(y.group("y")) for y in _YEAR.finditer(text, end, e)]
    return before[-1] if before else (after[0] if after else None)


def piece_start(text: str, pos: int) -> int:
    """Start of the comma piece holding pos: a statement's evidence starts there."""
    lo = max(0, pos - 200)  # a piece is never longer: bounds each backward search
    found = max(text.rfind(c, lo, pos) for c in _PIECE_STOPS)
    return found + 1 if found != -1 else lo


_JOINED = re.compile(r"\s*(?:和|与|及|、)\s*")
_RESPECTIVELY = re.compile(r"\s*分别")
_REACH_RE = re.compile(_REACH)


def parse_paired(text: str, first, second, end: int) -> list[tuple[Fee, int | None]]:
    """`财政补助标准和个人缴费标准分别由…700元、400元提高到不低于730元、420元`: two subjects joined
    before 分别 share one list of amounts, the n-th amount the n-th subject's (after a reach verb:
    the new figures; before it, after 由, the old ones; a rise verb's amounts, the changes)."""
    (k1, _, m1), (k2, _, m2) = first, second
    amounts = list(_AMOUNT.finditer(text, m2.end(), end))
    reach = _REACH_RE.search(text, m2.end(), end)
    new = [a for a in amounts if reach is None or a.start() >= reach.end()]
    before = [a for a in amounts if reach is not None and a.start() < reach.start()]
    if len(new) != 2 or before and len(before) != 2:
        return []
    rise = before and _RISE_TAIL.search(text, m2.end(), before[0].start())
    old = before and re.search(r"由", text[m2.end():before[0].start()])
    out = []
    for i, (kind, a) in enumerate(((k1, new[0]), (k2, new[1]))):
        value = parse_number(a.group("amt"))
        if value is None or not 0 < value <= 100_000:
            return []
        change = None
        if before:
            b = parse_number(before[i].group("amt"))
            change = b if rise else (value - b if old and b is not None and value > b else None)
        piece = text[max(text.rfind(c, m2.end(), a.start()) for c in "、,，") + 1:a.start()]
        out.append((Fee(kind=kind, amount=value, qualifier="at_least" if _AT_LEAST_RE.search(piece) else "exact",
                        change=change, evidence=evidence(text, piece_start(text, m1.start()), a.end())),
                    _year(text, m1.start(), a.start())))
    return out


# `各级财政按每人每年不低于730元的标准给予补助`: the fiscal share written as the standard the
# treasury subsidises by, the subject opening its clause (no 对X: `对重度残疾人，财政按…` is a tier)
_FISCAL_BY_STANDARD = re.compile(rf"""
    (?:^|(?<=[,，。;；:：\n]))\s*
    (?:中央和地方|中央、?省、?市、?县|各级)?(?:政府|财政)+
    按(?:照)?\s*{_PER}?\s*(?P<least>{_AT_LEAST})?\s*(?P<amt>{NUM})\s*元(?:/人(?:[·/]年)?)?
    \s*的?\s*(?:补助)?标准\s*(?:给予|进行|予以)\s*补助
""", re.X | re.M)


def find_by_standard(text: str) -> list[tuple[Fee, int | None]]:
    out = []
    for m in _FISCAL_BY_STANDARD.finditer(text):
        value = parse_number(m.group("amt"))
        if value is None or not 0 < value <= 100_000:
            continue
        start = m.start() + len(m.group()) - len(m.group().lstrip())
        out.append((Fee(kind="fiscal_subsidy", amount=value, qualifier="at_least" if m.group("least") else "exact",
                        change=None, applies_to=None, evidence=evidence(text, start, m.end())), _year(text, start, m.end())))
    return out


def find_statements(text: str) -> list[tuple[Fee, int | None]]:
    """Every fee stated in running text, in text order."""
    subjects = find_subjects(text)
    out = find_by_standard(text)
    skip = set()
    for k, (kind, std, m) in enumerate(subjects):
        if k in skip:
            continue
        nxt = subjects[k + 1][2].start() if k + 1 < len(subjects) else len(text)
        if k + 1 < len(subjects) and subjects[k + 1][0] != kind and _JOINED.fullmatch(text, m.end(), nxt) \
                and _RESPECTIVELY.match(text, subjects[k + 1][2].end()):
            after = subjects[k + 2][2].start() if k + 2 < len(subjects) else len(text)
            paired = parse_paired(text, subjects[k], subjects[k + 1], scope_end(text, subjects[k + 1][2].end(), after))
            if paired:
                out += paired
                skip.add(k + 1)
                continue
        out += parse_statements(text, kind, std, m, scope_end(text, m.end(), nxt))
    return out


# ---------------------------------------------------------------- fee tables

def has_fee_table(text: str) -> bool:
    """A tab row naming a fee column: only then is the structure's table list read."""
    return "\t" in text and any("\t" in line and (_COL_INDIVIDUAL.search(cl := close_cell_gaps(line))
                                                  or _COL_FISCAL.search(cl))
                                for _, line in lines_with_offsets(text))


def find_table_fees(text: str, policy_year: int | None = None) -> list[tuple[Fee, int | None]]:
    """Fees from a table whose header names 个人缴费 / 财政补助 columns, one row per group, or
    whose rows are the fees and whose columns the years (year_table_fees)."""
    out = []
    for table in structure.parse(text).tables:
        if len(table.rows) < 2:
            continue
        header = [close_cell_gaps(h) for h in table.rows[0].values]  # `个 人缴费` (an OCR space)
        if _NOT_A_FEE_TABLE.search("".join(header)):
            continue
        cols = {i: "individual" if _COL_INDIVIDUAL.search(h) else "fiscal_subsidy"
                for i, h in enumerate(header) if (_COL_INDIVIDUAL.search(h) or _COL_FISCAL.search(h)) and not _COL_SUM.search(h)}
        if not cols:
            out += year_table_fees(text, table, header, policy_year)
        if not cols or 0 in cols:
            continue
        for row in table.rows[1:]:
            label = close_cell_gaps(row.cells[0].text.strip()) if row.cells else ""
            if not label:
                continue
            for i, kind in sorted(cols.items(), key=lambda kv: kv[1] != "individual"):
                if i >= len(row.cells):
                    continue
                m = _CELL_AMOUNT.match(row.cells[i].text)
                value = parse_number(m.group("amt")) if m else None
                if value is None or not 0 < value <= 100_000:
                    continue
                out.append((Fee(kind=kind, amount=value, qualifier="at_least" if m.group("al") else "exact",
                                applies_to=label, evidence=evidence(text, row.start, row.end)), None))
    return out


_YEAR_COL = re.compile(r"(?P<y>20\d{2})\s*年")
_CHANGE_COL = re.compile(r"较上年|比上年|增加|增减|提高|增长|变化")


def year_table_fees(text: str, table, header: list[str], policy_year: int | None) -> list[tuple[Fee, int | None]]:
    """`项目 / 2026年度 / 2027年度 / 较上年增加`, rows 财政补助标准 / 个人缴费标准: a fee per row from the
    policy year's column (else the last year's); the change from a column of rises, else from the
    year before's column."""
    years = {i: int(m.group("y")) for i, h in enumerate(header) if i and (m := _YEAR_COL.search(h))}
    if len(years) < 2:
        return []
    col = next((i for i, y in years.items() if y == policy_year), max(years))
    prev = next((i for i, y in years.items() if y == years[col] - 1), None)
    rise = next((i for i, h in enumerate(header) if i and i not in years and _CHANGE_COL.search(h)), None)
    out = []
    for row in table.rows[1:]:
        label = close_cell_gaps(row.cells[0].text.strip()) if row.cells else ""
        kind = "individual" if _COL_INDIVIDUAL.search(label) else "fiscal_subsidy" if _COL_FISCAL.search(label) else None
        if kind is None or _NOT_A_FEE_TABLE.search(label) or col >= len(row.cells):
            continue
        m = _CELL_AMOUNT.match(row.cells[col].text)
        value = parse_number(m.group("amt")) if m else None
        if value is None or not 0 < value <= 100_000:
            continue
        change = None
        for i, diff in ((rise, True), (prev, False)):
            c = _CELL_AMOUNT.match(row.cells[i].text) if i is not None and i < len(row.cells) else None
            n = parse_number(c.group("amt")) if c else None
            if change is None and n is not None:
                change = n if diff else value - n
        out.append((Fee(kind=kind, amount=value, qualifier="at_least" if m.group("al") or _AT_LEAST_RE.search(label) else "exact",
                        change=change, evidence=evidence(text, row.start, row.end)), years[col]))
    return out


# ---------------------------------------------------------------- choosing

def pick(statements: list[tuple[Fee, int | None]], kind: str, policy_year: int | None) -> list[Fee]:
    """Per grade or group when the notice gives several (first statement of each label);
    otherwise the one authoritative statement: the policy year's when years differ, else the first."""
    mine = [(f, y) for f, y in statements if f.kind == kind]
    labeled = [(f, y) for f, y in mine if f.applies_to]
    if labeled:
        out: dict[str, Fee] = {}
        for f, y in labeled:
            if f.applies_to not in out or (policy_year and y == policy_year):
                out.setdefault(f.applies_to, f)
        return list(out.values())
    if not mine:
        return []
    if policy_year:
        for f, y in mine:
            if y == policy_year:
                return [f]
        undated = [f for f, y in mine if y is None or y >= policy_year]
        if undated:
            return [undated[0]]
    return [mine[0][0]]


def extract(text: str, ctx: Context) -> dict:
    """Individual fees then fiscal subsidies; sets ctx.individual_fee (the first individual fee)
    and ctx.fees (every fee, so a tier that names its grade finds that grade's fee)."""
    try:
        v = view(text)
        statements = find_statements(v.text)
        to_original(v, {"fees": [f for f, _ in statements]})  # evidence onto the canonical text
        # tables are read on the canonical text itself (the structure other extractors share)
        found = (find_table_fees(text, ctx.policy_year) if has_fee_table(text) else []) + statements
        found.sort(key=lambda f: f[0].evidence.start)
        ordered = found
        if len({(f.kind, f.applies_to, f.amount) for f, _ in found}) > len({(f.kind, f.applies_to) for f, _ in found}):
            # statements disagree: those in the 缴费标准 sections come first
            sections = structure.parse(text).about("fees")
            inside = [f for f in found if any(a <= f[0].evidence.start < b for a, b in sections)]
            ordered = inside + [f for f in found if f not in inside]
        out = pick(ordered, "individual", ctx.policy_year) + pick(ordered, "fiscal_subsidy", ctx.policy_year)
        individual = [f for f in out if f.kind == "individual"]
        if individual:
            ctx.individual_fee = individual[0].amount
        ctx.fees = list(out)
        return dict(fees=out)
    except RESOURCE_ERRORS:  # a resource limit quarantines the document: never "nothing found"
        raise
    except Exception:  # extraction must never raise on odd text
        return dict(fees=[])
