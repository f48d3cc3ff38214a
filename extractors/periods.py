"""Periods: when premiums are collected, the concentrated drive, monthly windows, extensions,
the benefit year, suspensions and completion deadlines.

A period is a date range (or one side of it) next to a word that says what it is the period of
(缴费期限, 集中征缴期, 待遇享受期, 补缴…). The word nearest before the range in its own clause
wins ("缴费期限为9月1日至12月31日"), then one after it ("9月1日至12月31日为参保登记、缴费时间"),
then the sentence, then a short heading just above; so "…的,可于1月1日至2月28日补缴,待遇享受期为…"
is an extension for that group, not the benefit year named in the next clause. Dates without a year take the collection year; benefit dates take the policy year.
Reporting schedules ("10月31日前每月通报一次") are not periods: a deadline is a date by which
征缴/参保/缴费 work must be completed.
"""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors import vocab
from noticeflow.extractors.compact import to_original, view
from noticeflow.extractors.context import Context
from noticeflow.extractors.dates import (DAY, FIRST_CHAR, RELATIVE_YEAR, RANGE_RE, ROLL_FORWARD, find_range_matches,
                              parse_date, parse_int, parse_range, point)
from noticeflow.extractors.spans import MAX_REACH, evidence, keyword_windows, stop_after, stop_before
from noticeflow.schemas import Period

# ---- what a range is the period of (the word nearest before it in its clause wins) -------------
KIND_WORDS = {
    "concentrated_collection": r"""集中(?:征缴|征收|参保缴费|参保登记缴费|登记缴费|缴费|参保|收缴)
                                   (?:(?:期限?|时间|阶段|时段)|工作(?=\s*(?:原|拟|计划)?定于)
                                    |(?:工作)?(?=\s*(?:于|自|从)\s*(?:\d|[〇○零一二]{4})))""",  # …缴费工作原定于A至B进行 / 集中征缴自A开始
    "benefit": r"""待遇(?:享受)?(?:期限?|时间)|享受(?:医保)?待遇(?:期限?|时间)|享受期
                   |享受(?:城乡)?(?:居民)?(?:医保|基本医疗保险|医疗保险)?待遇""",          # …缴费的,1月1日至12月31日享受居民医保待遇
    # (never right after 延长: 延长缴费期为A至B is the later window)
    "collection": r"""(?<!延长|延期|顺延|延长参保)(?:参保|征缴|缴费|征收|收缴|续保|筹资|参保登记、缴费|参保登记和缴费)
                      (?:工作)?(?:期限?|时间|时段|起止时间)|(?<!延长|延期|顺延)(?:缴费期|征缴期|征收期)
                   |(?:参保|征缴|缴费|征收|收缴)工作(?=\s*(?:于|自|从)\s*\d)""",  # 征缴工作于9月1日启动，12月31日截止
    # a later window for those who missed the drive: 可于…补缴 / 补缴时间 / 延长
    "extension": r"补缴|补办|补充缴费|补充参保|延长|延期|顺延",            # 1月1日至2月29日为补充缴费期
    # a window named as the pause itself: `缴费暂停期 | 2025年12月29日—2026年1月3日` / 暂停缴费时间为A至B
    "suspension": r"(?:缴费|参保|征缴|收费|业务)暂停(?:期|时间|时段)|暂停(?:缴费|参保|征缴|收费|办理)?(?:期|时间|时段)(?!间)",
}
KIND_RES = {k: re.compile(v, re.X) for k, v in KIND_WORDS.items()}
# Where the group named before a window ends: at its first period word ('外出务工人员|续保补缴时间为…').
PERIOD_WORD_RE = re.compile("|".join([*KIND_WORDS.values(), "续保"]), re.X)

# A clause ends at a sentence mark or a comma (run-on sentences); a sentence only at 。；.
DIGIT_RE = re.compile(r"\d")
CLAUSE_RE = "。；;,，\n"
SENTENCE_RE = "。；;\n"
HEADING_MAX = 24  # a line this short ending without 。 is a heading that names the next line

# 每月1—25日可办理缴费 / 每月1日至25日为缴费时间
MONTHLY_RE = re.compile(
    rf"""每月\s*(?P<a>{DAY})\s*日?\s*(?:至|到|—+|-+|~|－)\s*(?P<b>{DAY})\s*日
         (?=[^。；;\n]{{0,20}}?(?:缴费|缴纳|办理|征缴|参保|收缴))""",
    re.X,
)
# 征收期截止12月25日 / 缴费截止时间为12月31日 / 缴费时间:即日起至12月31日: only the end written.
END_WORDS = ("截止", "截至", "止于", "至")
END_ONLY_RE = re.compile(
    rf"""(?P<kw>(?:参保|征缴|缴费|征收|收缴|补缴|补办)(?:工作)?(?:期限?|时间)?
              |(?:待遇享受|享受待遇|待遇)(?:期限?|时间))\s*                       # 待遇享受期至12月31日止
         (?:[:：]|为|是|[,，]\s*(?=截[止至](?:时间|日期)))?\s*(?:(?:自|从)?即日起?)?\s*   # 统一组织缴费，截止日期为…
         (?:截止|截至|截止到|截止于|止于|至)(?:时间|日期)?(?:为|是|到)?\s*(?P<date>{point()})""",
    re.X,
)
# An end-only window said to come after the drive or to go on is a latecomer's window.
AFTER_END_RE = re.compile(r"(?:期|工作)结束(?:后|以后)(?:[^,，。；;\n]{0,12}?的)?[,，]")  # …结束后(未参保缴费的)，  # …集中缴费期结束后，… before a range
LATER_RE = re.compile(r"结束(?:后|以后)|继续|仍可|随时(?:参保|缴费|办理)")  # …可即日起至6月30日随时参保缴费: enrolment open all along
# …至2025年3月31日继续办理参保缴费 / …补办参保: a range whose own verb says latecomers may still pay.
LATER_AFTER_RE = re.compile(r"\s*(?:期间)?\s*(?:(?:仍可|可以?)?\s*(?:继续|补)(?:办理)?(?:参保|缴费|缴纳|登记|缴)"
                            r"|仍(?:可|能|然可以)\s*(?:办理)?(?:参保|缴费|缴纳))")  # …的，A至B仍可缴费
# 外出务工或返乡居民续保缴费时间可延长至2023年2月底 / 集中征缴期延长至1月31日
EXTEND_WORDS = ("延长", "延期", "顺延", "放宽", "延迟")
EXTENSION_RE = re.compile(
    rf"""(?P<kw>(?:集中)?(?:续保|参保|缴费|补缴|征缴|征收)|截止(?:时间|日期))[^,，。；;\n(（]{{0,10}}?   # 现截止时间顺延至…
         (?:[(（][^)）\n]{{0,40}}[)）])?                                        # (原定为9月1日至12月31日)
         (?:原定?(?:为|于|是)?[^,，。；;\n]{{1,40}}?[,，]\s*)?                  # …缴费期原定为9月1日至12月31日，现延长至…
         (?:(?<=期|间|段|的)\s*[,，]\s*)?                                        # …缴费期,延长至… / …未能按时缴费的,可延期至…
         (?:由\s*(?P<old>{point('o')})\s*)?                                      # 截止时间由12月31日延长至…
         (?:现(?:决定|统一|将其)?|决定)?
         (?:可以?|均|可适当|统一|一律)?(?:延长|延期|顺延|放宽|延迟)(?:至|到)\s*(?P<date>{point()})""",
    re.X,
)
# 缴费自10月8日起暂停，至11月15日恢复 / 10月8日至11月15日暂停缴费
PAUSE_WORDS = ("暂停", "停止")
SUSPENSION_RE = re.compile(
    rf"""(?<![\d年月]){FIRST_CHAR}(?:自|从)?\s*(?P<a>{point('a')})\s*(?:起)?\s*(?:暂停|停止)[^。；;\n]{{0,20}}?
         (?:至|到|待)\s*(?P<b>{point('b')})\s*(?:恢复|重新开放|开放)""",
    re.X,
)
# 10月26日至10月28日暂停办理参保缴费业务 / …至11月10日,因平台切换,暂停办理参保缴费业务
SUSPENSION_RANGE_WORD_RE = re.compile(r"""
    [^。；;\n]{0,30}? (?:暂停|停止) (?:办理|受理|开展)? [^。；;,，\n]{0,8}? (?:参保|缴费|征缴|收费|业务)
""", re.X)
# `3月31日（含）前`: the bracket says the day itself counts; the date is the same.
INCLUSIVE = r"(?:[(（]\s*含(?:当日|当天|本日)?\s*[)）]\s*)?"
# Words between 前 and 完成 (…前组织完成 / …前全面完成 / …前确保完成).
DONE_LEAD = r"全面|全部|基本|组织|督促|确保|力争|按时|如期|统一"
# Where or through whom the task is done, between 前 and 完成 (…前在学校完成登记缴费 / …前通过学校完成).
DONE_MEANS = r"(?:通过|依托|经由|经|在|到|由)"
# 12月20日前完成困难群众(包括稳定脱贫人口)的征缴任务
DEADLINE_WORDS = ("完成",)
DONE_AFTER_WORDS = ("完成", "到位", "办结")  # …须于10月31日之前全部到位: the task before its date
DRIVE_TASK = r"(?:摸排|入户动员|动员)"  # the drive's own field work: …前完成未参保人员摸排和动员工作
DEADLINE_RE = re.compile(
    rf"""(?<![\d年月]){FIRST_CHAR}(?P<date>{point()})\s*(?:前|之前|以前)\s*
         (?:[,，]\s*(?:[^。；;,，\n]{{1,20}}?)?)?                              # 12月20日前,各乡镇(街道)要完成… / 前，完成…
         (?:{DONE_MEANS}[^。；;,，\n]{{1,16}}?)?                                 # …前通过所在学校(托幼机构)完成…
         (?:要|须|必须|应|务必)?\s*(?:{DONE_LEAD})?\s*完成\s*
         (?P<who>[^。；;,，\n]{{0,40}}?)\s*的?\s*
         (?:(?:参保缴费|参保登记|登记缴费|参保征缴|征缴|参保|缴费|征收|收缴|{DRIVE_TASK}(?:[和、及]{DRIVE_TASK})?)(?:工作)?(?:任务|目标|工作|(?=\s*[。；;,，\n]))
            |(?:全年|年度)?(?:目标)?任务(?=\s*的\s*[\d.]+\s*[%％]))""",  # …前完成参保缴费。 / 完成全年参保目标的85% / 参保登记， / 摸排和动员工作 / 完成年度任务的90% (a share of the year's task)
    re.X,
)
# …11月30日前完成参保任务的95%，12月31日前全面完成: a later deadline of the same task, its task
# implied by the sentence (checked: the sentence before it names 参保/征缴/缴费).
# …，12月31日前全面完成年度任务: the task named only as the year's (its kind implied as above)
DONE_TASK = r"(?:全年|年度|全部|各项)(?:目标)?任务"
DEADLINE_BARE_RE = re.compile(
    rf"""(?<![\d年月]){FIRST_CHAR}(?:要|须|应)?\s*(?:于|在)?\s*(?P<date>{point()})\s*(?:前|之前|以前)\s*
         (?:要|须|必须|应|务必)?\s*(?:{DONE_LEAD})?\s*完成
         (?:{DONE_TASK}(?=\s*[,，])|(?:{DONE_TASK})?(?=\s*(?:[。；;\n]|$))
           |(?<=[,，][^,，。；;\n]{{0,16}}完成)(?=\s*[\d.]+\s*[%％]))""",  # …全面完成年度任务，户籍人口参保率… / …任务的60%，11月30日前完成85%
    re.X,
)
DEADLINE_TASK_WORDS = ("参保", "征缴", "缴费", "征收", "收缴")
BARE_DONE_WORDS = ("完成。", "完成；", "完成;", "完成\n", "年度任务", "全年任务", "全部任务", "各项任务", "目标任务", "%")
# 学生儿童由所在学校统一组织参保缴费,于10月31日前完成: the task written before its date (由学校统一代收，请于…前完成).
DEADLINE_AFTER_RE = re.compile(
    rf"""(?:参保缴费|参保征缴|征缴|参保|缴费|征收|收缴|代收|代缴)(?:工作|任务)?\s*[,，]?\s*(?:要|须|必须|应|务必|请)?\s*
         (?:于|在)\s*(?P<date>{point()})\s*{INCLUSIVE}(?:前|之前|以前)\s*(?:全部|全面)?\s*(?:{'|'.join(DONE_AFTER_WORDS)})(?=\s*[。；;\n])""",
    re.X,
)
# 截至2024年11月30日，各镇参保进度须达到年度任务的90%: a date by which the drive's progress must
# reach a share is a deadline (as …前完成任务的90% is); so is the date written with 前 (`2026年11月30日前，
# 各乡镇（街道）参保进度要达到…`, 172).
PROGRESS_DEADLINE_RE = re.compile(
    rf"""(?:(?:截至|截止到?|到)\s*(?P<date>{point()})|(?<![至到\d])(?P<date>{point()})\s*(?:前|之前|以前))\s*[,，]\s*[^。；;,，\n]{{0,12}}?
         (?:参保|征缴|缴费|征收)(?:工作|缴费)?进度\s*(?:要|须|应|需|必须|务必)?\s*达到""",
    re.X,
)
DEADLINE_SUBJECT_RE = re.compile(r"^(?:\d{1,2}[.、．]|[(（][一二三四五六七八九十\d]{1,3}[)）])?\s*(?P<who>[^由要应须于]{2,20}?)(?:原则上|一般|由|要|应|须|统一|于)")
# Start-only benefit: 自2023年1月1日起享受待遇 / 次年1月1日起享受医保待遇 / 自二〇一九年一月一日起享受.
BENEFIT_START_RE = re.compile(
    rf"""(?<![\d年月至到]){FIRST_CHAR}(?:自|从|于)?\s*(?P<date>{point()})\s*(?:起|开始)\s*[,，]?\s*
         (?:就|即|方|才)?(?:可以?)?(?:开始)?享受[^,，。；;\n]{{0,10}}?待遇""",
    re.X,
)
# …2026年1月1日起享受待遇，至2026年12月31日止: the start-only benefit's end in the next clause.
BENEFIT_END_AFTER_RE = re.compile(rf"\s*[,，]\s*(?:(?:享受期|待遇享受期)\s*)?(?:至|到)\s*(?P<date>{point()})\s*(?:止|结束)", re.X)
# 可于2023年2月28日前补缴 / 可在2027年2月底前继续缴费 / 可在3月31日前补办参保缴费: a latecomer window's end.
EXTENSION_END_RE = re.compile(
    rf"""(?:可以?|均可|仍可)\s*(?:于|在|到)?\s*(?P<date>{point()})\s*{INCLUSIVE}(?:前|之前|以前|止)\s*
         (?:(?:随校|随学校|统一|集中)*(?:继续|办理)?(?:补缴|补办|补交|补充缴费|缴费|缴纳|参保缴费|参保)
       # 在校学生可于2025年3月31日前随校集中办理: how they pay (through the school, all together)
       # stands for the verb's object
           |(?:随校|随学校|统一)(?:集中)?办理)
       # 可持相关证明于2026年3月31日前到…受理中心申请补办: what to bring before the date, where to go
       # after it; only the latecomer verbs (补办/补缴) end it
       |(?:可以?|均可|仍可)\s*[^，,。；;\n\d]{{1,8}}?(?:于|在)\s*(?P<date>{point()})\s*{INCLUSIVE}(?:前|之前|以前)\s*
         [^，,。；;\n]{{0,24}}?(?:申请)?(?:补缴|补办|补交|补充缴费)""",
    re.X,
)
# 集中缴费期结束后至2026年6月30日，未参保人员可继续办理参保缴费: a later window by its end.
EXTENSION_AFTER_RE = re.compile(
    rf"""结束(?:后|以后)\s*(?:至|到)\s*(?P<date>{point()})\s*(?:止|前|之前)?\s*[,，]?
         (?P<tail>[^。；;\n]{{0,30}}?)(?:(?<=前|之前)(?:参保缴费|参保|缴费|缴纳)的   # …结束后至B前参保缴费的，设置…等待期
         |(?:可|均可|仍可)(?:以)?\s*
         (?:继续(?:办理)?(?:参保)?(?:缴费|缴纳|参保|登记)|补缴|补办|补交|补充缴费)
         |仍(?:可|然可以?)\s*(?:办理)?(?:参保缴费|参保|缴费))  # 仍可参保缴费: 仍 says they still may""",
    re.X,
)
EVERYONE_RE = re.compile(r"""^(?:现|现将|今|全部|所有|全体|全县|全市|全区|全旗|本县|本区|本市|本旗|我县|我区|本辖区|辖区内?|全年|本年度|年度|目标
                            |\d{4}年度?|城乡居民基本医疗保险|城乡居民医保|居民医保|基本医疗保险|医保)*
                           (?:城乡)?(?:居民|群众|人员|参保人员|参保居民|参保人)?$""", re.X)
GROUP_LEAD_RE = re.compile(r"\s*(?:对于|对|凡是|凡)")  # "对…人员," names the group of the next clause
# What may stand between a group and its window: "…的,可于2025年1月1日至…" / "人员可在…".
LEAD_IN = r"(?:其中|另外|此外|同时|但)?(?:均|也|仍)?(?:可以?|允许|须|应|需)?(?:于|在|从|自)?"
GROUP_OPENER_RE = re.compile(r"^(?:对于|对|其中|另外|此外|凡是|凡|但|允许|同时)")
LEAD_ONLY_RE = re.compile(rf"^\s*{LEAD_IN}\s*$")
TRAILING_LEAD_RE = re.compile(rf"{LEAD_IN}\s*$")
YEAR_WRITTEN_RE = re.compile(rf"\s*(?:\d{{4}}\s*年|[〇○零一二三四五六七八九]{{4}}\s*年|{RELATIVE_YEAR})")
EARLY_MONTHS = 6  # a yearless extension end in Jan-Jun falls after the season, in the policy year
PAREN_RE = re.compile(r"[(（][^)）]*[)）]")
SHARE_LEAD_RE = re.compile(r"^\s*(?:全年|年度)?[\d.]+\s*[%％]\s*(?:以上)?\s*的?")  # …前完成80%的征缴任务: a share, no group
# How far around its key word each pattern can reach (it is only run in these windows).
BEFORE, AFTER = 40, 80
# Words each pattern cannot match without (one of each group): a window lacking them is skipped.
MONTH = ("月",)  # every date point has one
PROGRESS_NEEDS = (MONTH, ("达到",))
END_ONLY_NEEDS = (MONTH, ("参保", "征缴", "缴费", "征收", "收缴", "补缴", "补办", "待遇"))
EXTENSION_NEEDS = (MONTH, ("续保", "参保", "缴费", "补缴", "征缴", "征收"), ("至", "到"))
SUSPENSION_NEEDS = (MONTH, ("恢复", "开放"), ("至", "到", "待"))
DEADLINE_NEEDS = (MONTH, ("前",), ("参保", "征缴", "缴费", "征收", "收缴"))
DEADLINE_AFTER_NEEDS = (MONTH, ("前",), ("参保", "征缴", "缴费", "征收", "收缴", "代收", "代缴"))
BENEFIT_START_NEEDS = (MONTH, ("享受",), ("起", "开始"))
EXTENSION_END_NEEDS = (MONTH, ("前", "止"), ("可",))
EXTENSION_AFTER_NEEDS = (MONTH, ("结束",), ("继续", "补", "仍", "缴费的", "参保的", "缴纳的"))


@functools.cache
def _population_noun():
    """A subject ending in a population noun (categories.yaml `population_nouns`) names people."""
    return re.compile(f"(?:{vocab.alternation(vocab.terms('categories.yaml', 'population_nouns'))})$")


def _year_for(kind: str, ctx: Context) -> int | None:
    if kind == "benefit" and ctx.policy_year:
        return ctx.policy_year
    return ctx.collection_year


def parse_kind(text: str, span_start: int, span_end: int, clause: tuple[int, int],
               prefer_before: bool = False) -> tuple[str, int, int] | None:
    """The period word nearest to the range inside `clause`: (kind, start, end) or None. With
    `prefer_before`, a word before the range beats a nearer one after it ("…可于A至B补缴,待遇…")."""
    best = None
    for kind, rx in KIND_RES.items():
        for m in rx.finditer(text, clause[0], clause[1]):
            if span_start <= m.start() < span_end:
                continue
            after = m.end() > span_start
            dist = m.start() - span_end if after else span_start - m.end()
            rank = (after and prefer_before, dist, m.start() - m.end())  # at a tie the longer word (暂停缴费时间 over 缴费时间)
            if best is None or rank < best[0]:
                best = (rank, (kind, m.start(), m.end()))
    return best[1] if best else None


def _heading_above(text: str, pos: int) -> tuple[int, int] | None:
    """The short heading line right above the line holding `pos` (e.g. '一、征缴时间')."""
    line_start = text.rfind("\n", 0, pos) + 1
    prev_end = line_start - 1
    while prev_end > 0 and text[prev_end - 1] == "\n":
        prev_end -= 1
    prev_start = text.rfind("\n", 0, prev_end) + 1
    line = text[prev_start:prev_end]
    if 0 < len(line.strip()) <= HEADING_MAX and not line.rstrip().endswith("。"):
        return prev_start, prev_end
    return None


# `（一）集中缴费期。2024年9月1日—…`: an item whose label is a sentence of its own on the range's line.
LABEL_SENTENCE_RE = re.compile(r"\s*(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．])?\s*[^。；;,，:：\n]{2,16}[。.]\s*$")


def _label_before(text: str, clause_start: int) -> tuple[int, int] | None:
    """The label sentence that opens the line right before `clause_start` (`（一）集中缴费期。`)."""
    line_start = text.rfind("\n", 0, clause_start) + 1
    if line_start < clause_start and LABEL_SENTENCE_RE.fullmatch(text, line_start, clause_start):
        return line_start, clause_start
    return None


def _range_year(m, kind: str, ctx: Context) -> int | None:
    """The default year of a range: a yearless window for latecomers that opens in Jan-Jun
    ("可于1月1日至2月28日补缴") falls after the season, in the policy year."""
    year = _year_for(kind, ctx)
    if kind == "benefit" and (m.group("arel") or "") in ROLL_FORWARD and ctx.collection_year:
        return ctx.collection_year  # 待遇享受期为缴费次年1月1日至12月31日: 次年 counts from the season's year
    if kind == "extension" and year and not (m.group("ayear") or m.group("arel")):
        month = parse_int(m.group("amonth")) or 0
        if month <= EARLY_MONTHS:
            year += 1
    return year


COLUMN_ROW_MAX = 2000  # characters: a table row is shorter
COLUMN_CLIMB_MAX = 200  # rows: a window table's header is nearer than this


def _column_kind(text: str, pos: int) -> tuple[str, int, int] | None:
    """The period word of the header cell above a range written in a table cell: a table of
    windows `缴费时段 | 起止日期 | 待遇享受时间` gives each column its kind (the benefit column's
    range is the benefit period, whatever its row is called)."""
    lo = max(0, pos - COLUMN_ROW_MAX)
    line_start = text.rfind("\n", lo, pos) + 1
    line_end = text.find("\n", pos, pos + COLUMN_ROW_MAX)
    if (line_start == 0 and lo > 0) or (line_end < 0 and pos + COLUMN_ROW_MAX < len(text)):
        return None  # a line longer than any table row (bounded work on a text of one line)
    line_end = len(text) if line_end < 0 else line_end
    if "\t" not in text[line_start:line_end]:
        return None
    col = text.count("\t", line_start, pos)
    end = line_start - 1
    for _ in range(COLUMN_CLIMB_MAX):  # up the table's rows to its header, the first row without a figure
        if end <= 0:
            break
        start = text.rfind("\n", max(0, end - COLUMN_ROW_MAX), end) + 1
        if start == 0 and end > COLUMN_ROW_MAX:
            return None  # a row above longer than any table row
        row = text[start:end]
        if "\t" not in row:
            return None
        if not DIGIT_RE.search(row):
            cells = row.split("\t")
            if col >= len(cells):
                return None
            cell_start = start + sum(len(c) + 1 for c in cells[:col])
            cell = (cell_start, cell_start + len(cells[col]))
            return parse_kind(text, cell[1], cell[1], cell)
        end = start - 1
    return None


def find_range_periods(text: str, ctx: Context, ranges: list) -> list[Period]:
    """Ranges next to a period word: collection, concentrated_collection, benefit, extension."""
    out = []
    for m in ranges:
        if SUSPENSION_RANGE_WORD_RE.match(text, m.end()):
            continue  # handled as a suspension
        clause = _clause(text, m.start(), m.end(), CLAUSE_RE)
        column = _column_kind(text, m.end() - 1)
        word = column if column and column[0] != "collection" else None  # `缴费起止时间`: the row says which window
        word = word or parse_kind(text, m.start(), m.end(), clause, prefer_before=True) or column
        next_later = None
        if word is None:
            next_later = _next_clause_later(text, clause)
            if next_later:  # 1月1日至6月30日，未参保人员可继续参保缴费，自缴费次月起享受待遇
                who = next_later.group("who").strip()
                who = None if EVERYONE_RE.match(LATECOMER_RE.sub("", who)) else who  # 未参保人员: all who missed
                span = parse_range(m, _range_year(m, "extension", ctx))
                if span.start or span.end:
                    out.append(_period(kind="extension", start=span.start, end=span.end, applies_to=who,
                                       evidence=evidence(text, clause[0], next_later.end())))
                continue
            sentence = _clause(text, m.start(), m.end(), SENTENCE_RE)
            word = parse_kind(text, m.start(), m.end(), sentence)
            clause = sentence
        if word is None:
            first = m.start() + len(m.group()) - len(m.group().lstrip())  # past a line break the match opens with
            head = _heading_above(text, first)
            if head and clause[0] == text.rfind("\n", 0, first) + 1:
                word = parse_kind(text, head[0], head[0], (head[0], head[1]))
            elif label := _label_before(text, clause[0]):
                word = parse_kind(text, label[0], label[0], label)
        later = LATER_AFTER_RE.match(text, m.end(), _clause(text, m.start(), m.end(), CLAUSE_RE)[1])
        if word is None and not later:
            continue
        kind = word[0] if word else "extension"
        if later and kind in ("collection", "concentrated_collection"):
            kind = "extension"  # 集中缴费期内未参保的，可于1月1日至3月31日继续办理参保缴费
        elif kind in ("collection", "concentrated_collection") and AFTER_END_RE.search(
                text, _clause(text, m.start(), m.end(), SENTENCE_RE)[0], m.start()):
            kind = "extension"  # 集中缴费期结束后，未参保人员可于A至B期间参保缴费: a later window
        span = parse_range(m, _range_year(m, kind, ctx))
        if not (span.start or span.end):
            continue
        who, ev_start = None, clause[0]
        if kind == "extension":
            first_word = PERIOD_WORD_RE.search(text, clause[0], m.start())
            who, ev_start = parse_who(text, clause[0], first_word.start() if first_word else m.start())
        elif kind in ("collection", "concentrated_collection") and "分别" in text[max(0, m.start() - 90):m.start()]:
            who = _respective_group(text, m, ranges)
            if who:
                kind = "collection"  # 城乡居民和在校学生的缴费时间分别为A至B、C至D: the students' own window
        out.append(_period(kind=kind, start=span.start, end=span.end, applies_to=who,
                           evidence=evidence(text, ev_start, clause[1])))
    return out


# 全县城乡居民和在校学生的集中缴费时间分别为A至B、C至D: the n-th group's window is the n-th range.
RESPECTIVE_WINDOWS_RE = re.compile(r"""(?P<subj>[^。；;,，:：\n]{2,40}?)的?\s*(?:集中)?(?:参保缴费|参保|缴费|征缴|征收)(?:工作)?
                                       (?:时间|期限?|时段)\s*分别(?:为|是)\s*$""", re.X)
RESPECTIVE_SEP = re.compile(r"和|及|与|、")


def _respective_group(text: str, m, ranges: list) -> str | None:
    """The group a 分别 sentence gives range `m` to (None for everyone or when it names none)."""
    s0 = _clause(text, m.start(), m.end(), SENTENCE_RE)[0]
    mine = [r for r in ranges if s0 <= r.start() and r.end() <= _clause(text, m.start(), m.end(), SENTENCE_RE)[1]]
    if not mine:
        return None
    first = mine[0].start() + len(mine[0].group()) - len(mine[0].group().lstrip())
    lead = RESPECTIVE_WINDOWS_RE.search(text, s0, first)
    if not lead:
        return None
    groups = [g.strip() for g in RESPECTIVE_SEP.split(lead.group("subj")) if g.strip()]
    idx = next((i for i, r in enumerate(mine) if r.start() == m.start()), None)
    if idx is None or len(groups) != len(mine):
        return None
    who = groups[idx]
    return None if EVERYONE_RE.match(who) else who


# The clause after a range that has no period word of its own, saying who may still pay then:
# "2026年1月1日至6月30日，未参保人员可继续参保缴费" (a latecomer window, whatever comes next).
NEXT_LATER_RE = re.compile(r"""[,，]\s*(?P<who>[^。；;,，\n可]{0,20}?)\s*(?:仍可|均可|可以?)\s*(?:继续|补)(?:办理)?
                               (?:参保缴费|参保登记|参保|缴费|缴纳|登记|缴)""", re.X)
LATECOMER_RE = re.compile(r"^(?:尚|仍)?未(?:按时|及时)?(?:参保缴费|参保|缴费)的?")  # the window's own public


def _next_clause_later(text: str, clause: tuple[int, int]):
    """The latecomer clause right after `clause` (NEXT_LATER_RE), or None."""
    if clause[1] >= len(text) or text[clause[1]] not in ",，":
        return None
    return NEXT_LATER_RE.match(text, clause[1], min(len(text), clause[1] + 40))


def find_end_only(text: str, ctx: Context) -> list[Period]:
    out = []
    for lo, hi in _windows(text, END_WORDS, END_ONLY_NEEDS):
        for m in END_ONLY_RE.finditer(text, lo, hi):
            if RANGE_RE.match(text, m.start("date")):
                continue
            clause = _clause(text, m.start(), m.end(), CLAUSE_RE)
            word = parse_kind(text, m.start("date"), m.end(), (clause[0], m.start("date")))
            kind = word[0] if word else "collection"
            if kind == "extension" or LATER_RE.search(text, word[2] if word else clause[0], m.start("date")):
                kind = "extension"  # 集中征缴期结束后可继续缴费至2023年2月28日
            if kind == "extension":
                end = parse_latecomer_end(m.group("date"), ctx)
                who, ev_start = parse_who(text, clause[0], word[1] if word else m.start())
                if end:
                    out.append(_period(kind=kind, end=end, applies_to=who, evidence=evidence(text, ev_start, clause[1])))
                continue
            end = parse_date(m.group("date"), _year_for(kind, ctx), role="end")
            if not end:
                continue
            who = end_subject(text, m.start()) if kind == "collection" else None
            if who:  # 在校学生参保缴费截至10月31日: one group's own end is its deadline
                s0 = _clause(text, m.start(), m.start(), SENTENCE_RE)[0]
                out.append(_period(kind="deadline", end=end, applies_to=who, evidence=evidence(text, s0, clause[1])))
            else:
                out.append(_period(kind=kind, end=end, evidence=evidence(text, *clause)))
    return out


# (a Q&A answer's 答： label before it; 以学校为单位 as the mode: 在校学生以学校为单位统一组织参保缴费;
# a bulleted item labelled with its group: `● 在校学生：由学校统一组织缴费，截止时间为…`)
END_SUBJECT_RE = re.compile(r"^(?:答[:：]\s*)?(?:[●•◆◇■□▪▲►★☆※]\s*)?(?P<who>[^由要应须于,，:：]{2,24}?)"
                            r"(?:[:：]|由|要|应|须|统一|于|参保|缴费|缴纳|以(?![上下内外]))")


def end_subject(text: str, pos: int) -> str | None:
    """The population a sentence opens with before an end-only date (在校学生由学校统一组织缴费，截止日期为…);
    offices and 各乡镇 are no population."""
    s0 = _clause(text, pos, pos, SENTENCE_RE)[0]
    sub = END_SUBJECT_RE.match(text[s0:pos].strip())
    who = sub.group("who").strip() if sub else None
    return who if who and _population_noun().search(who) and "各" not in who else None


def find_monthly(text: str) -> list[Period]:
    out = []
    for m in MONTHLY_RE.finditer(text):
        a, b = parse_int(m.group("a")), parse_int(m.group("b"))
        if a and b and 1 <= a <= b <= 31:
            out.append(_period(kind="monthly_window", day_from=a, day_to=b,
                               evidence=evidence(text, *_clause(text, m.start(), m.end(), CLAUSE_RE))))
    return out


HAN_RE = re.compile(r"\p{Han}")


def parse_who(text: str, clause_start: int, pos: int) -> tuple[str | None, int]:
    """The group written before `pos` in its clause, else in the clause before ('对外出务工人员,缴费…',
    '未在集中缴费期内参保的,可于…'); returns it (None for everyone) and where the evidence should start."""
    start = clause_start
    if LEAD_ONLY_RE.match(text[clause_start:pos]) and clause_start > 1 and text[clause_start - 1] in ",，":
        prev = _clause(text, clause_start - 1, clause_start - 1, CLAUSE_RE)[0]
        if GROUP_LEAD_RE.match(text, prev) or text[prev:clause_start - 1].rstrip().endswith("的"):
            start = prev
    who = PAREN_RE.sub("", text[start:pos]).replace(",", "").replace("，", "").strip()
    who = GROUP_OPENER_RE.sub("", who)
    who = TRAILING_LEAD_RE.sub("", who)
    if start == clause_start:  # '外出务工人员的缴费时间' (possessive); '未按时参保的,' stays a group
        who = who.removesuffix("的").strip()
    if not HAN_RE.search(who):  # `3\t补缴阶段\t…`: a table row's number names nobody
        return None, start
    return (None if EVERYONE_RE.match(who) else who), start


def parse_latecomer_end(date: str, ctx: Context) -> str | None:
    """The end of a window for latecomers: a date written without its year in Jan-Jun falls
    after the season, in the policy year ("可延长至2月底")."""
    year = ctx.collection_year
    end = parse_date(date, year, role="end")
    if end and year and not YEAR_WRITTEN_RE.match(date) and int(end[5:7]) <= EARLY_MONTHS:
        end = parse_date(date, year + 1, role="end")
    return end


def find_extensions(text: str, ctx: Context) -> list[Period]:
    out = []
    for lo, hi in _windows(text, EXTEND_WORDS, EXTENSION_NEEDS):
        for m in EXTENSION_RE.finditer(text, lo, hi):
            end = parse_latecomer_end(m.group("date"), ctx)
            if m.group("old"):  # the window's end as first set: 集中参保缴费期截止时间由12月31日延长至…
                kind = "concentrated_collection" if "集中" in m.group("kw") else "collection"
                old_end = parse_date(m.group("old"), ctx.collection_year, role="end")
                if old_end:
                    out.append(_period(kind=kind, end=old_end, evidence=evidence(text, m.start(), m.start("old") + len(m.group("old")))))
            if end:
                s0, e0 = _clause(text, m.start(), m.end(), CLAUSE_RE)
                comma = re.search(r"的\s*[,，]", m.group())
                # '…未能按时缴费的,可延期至…': the group is the whole clause before the comma
                who, ev_start = parse_who(text, s0, m.start() + comma.start() if comma else m.start())
                out.append(_period(kind="extension", end=end, applies_to=who, evidence=evidence(text, ev_start, e0)))
    return out


def find_suspensions(text: str, ctx: Context, ranges: list) -> list[Period]:
    out = []
    year = ctx.collection_year
    for lo, hi in _windows(text, PAUSE_WORDS, SUSPENSION_NEEDS):
        for m in SUSPENSION_RE.finditer(text, lo, hi):
            start = parse_date(m.group("a"), year)
            end = parse_date(m.group("b"), year)
            if start and end and end < start:
                end = parse_date(m.group("b"), year + 1 if year else None)
            if start or end:
                s0 = _clause(text, m.start(), m.start(), CLAUSE_RE)[0]
                out.append(_period(kind="suspension", start=start, end=end, evidence=evidence(text, s0, m.end())))
    for m in ranges:
        if SUSPENSION_RANGE_WORD_RE.match(text, m.end()):
            span = parse_range(m, year)
            if span.start or span.end:
                out.append(_period(kind="suspension", start=span.start, end=span.end,
                                   evidence=evidence(text, *_clause(text, m.start(), m.end(), CLAUSE_RE))))
    return out


# 对11月30日前完成参保任务95%以上的镇予以通报表扬: a date inside 对…的 names whom a reward or a
# penalty is for, not a date to finish by.
CONDITION_LEAD_RE = re.compile(r"(?:对于|对|凡是|凡)(?:未能?|没有)?(?:按时|如期)?(?:在|于)?\s*$")


def find_deadlines(text: str, ctx: Context) -> list[Period]:
    out = []
    for lo, hi in _windows(text, DEADLINE_WORDS, DEADLINE_NEEDS):
        for m in DEADLINE_RE.finditer(text, lo, hi):
            if CONDITION_LEAD_RE.search(text, max(0, m.start() - 8), m.start()):
                continue
            end = parse_date(m.group("date"), ctx.collection_year, role="end")
            if not end:
                continue
            who = SHARE_LEAD_RE.sub("", PAREN_RE.sub("", m.group("who"))).strip() or subject_group(text, m.start()) \
                or organised_group(text, m.start())
            out.append(_period(kind="deadline", end=end,
                               applies_to=None if not who or EVERYONE_RE.match(who) else who,
                               evidence=evidence(text, m.start(), m.end())))
    return out


# 县教育局负责组织在校学生在2025年11月30日前完成参保缴费: the population an office organises, right
# before the date, is whom the deadline is for.
ORGANISED_RE = re.compile(r"(?:组织|督促|动员|指导)(?:全县|全体|各类)?(?P<who>[^,，。；;\n]{2,14}?)\s*(?:在|于)?\s*$")


def organised_group(text: str, pos: int) -> str | None:
    """The group organised right before a deadline's date (…负责组织在校学生在D前完成…)."""
    c0 = _clause(text, pos, pos, CLAUSE_RE)[0]
    m = ORGANISED_RE.search(text, max(c0, pos - 24), pos)
    who = m.group("who").strip() if m else None
    return who if who and _population_noun().search(who) and "各" not in who else None


def find_bare_deadlines(text: str, ctx: Context, found: list[Period | None]) -> list[Period]:
    """"…11月30日前完成参保任务的95%，12月31日前全面完成": a deadline whose task the sentence
    named before it; an end another deadline already gives (…参保缴费,于10月31日前完成) adds nothing."""
    out = []
    given = {p.end for p in found if p is not None and p.kind == "deadline"}
    for lo, hi in _windows(text, BARE_DONE_WORDS, DEADLINE_NEEDS):  # 完成 closing its clause: rare
        for m in DEADLINE_BARE_RE.finditer(text, lo, hi):
            s0 = _clause(text, m.start(), m.start(), SENTENCE_RE)[0]
            if not any(text.find(w, s0, m.start()) != -1 for w in DEADLINE_TASK_WORDS):
                continue  # …前完成。 in a sentence about something else
            end = parse_date(m.group("date"), ctx.collection_year, role="end")
            if end and end not in given:
                given.add(end)
                c0 = _clause(text, m.start(), m.start(), CLAUSE_RE)[0]
                out.append(_period(kind="deadline", end=end, evidence=evidence(text, c0, m.end())))
    return out


def subject_group(text: str, pos: int) -> str | None:
    """The population a sentence opens with, when its deadline names none after 完成
    (在校学生由学校统一组织，于11月30日前完成参保缴费): offices and 各乡镇 are no population."""
    s0 = _clause(text, pos, pos, SENTENCE_RE)[0]
    sub = DEADLINE_SUBJECT_RE.match(text[s0:pos].strip())
    who = sub.group("who").strip() if sub else None
    return who if who and _population_noun().search(who) and "各" not in who else None


def find_deadlines_after(text: str, ctx: Context) -> list[Period]:
    """"学生儿童由学校统一组织参保缴费,于10月31日前完成": the task, then its date (end only)."""
    out = []
    for lo, hi in _windows(text, DONE_AFTER_WORDS, DEADLINE_AFTER_NEEDS):
        for m in DEADLINE_AFTER_RE.finditer(text, lo, hi):
            end = parse_date(m.group("date"), ctx.collection_year, role="end")
            if not end:
                continue
            s0 = _clause(text, m.start(), m.start(), SENTENCE_RE)[0]
            who = subject_group(text, m.start())
            out.append(_period(kind="deadline", end=end,
                               applies_to=None if who is None or EVERYONE_RE.match(who) else who,
                               evidence=evidence(text, s0, m.end())))
    return out


def find_progress_deadlines(text: str, ctx: Context) -> list[Period]:
    """"截至11月30日，各镇参保进度须达到…的90%": the date the progress is due by (end only)."""
    out = []
    for lo, hi in _windows(text, ("进度",), PROGRESS_NEEDS):
        for m in PROGRESS_DEADLINE_RE.finditer(text, lo, hi):
            end = parse_date(m.group("date"), ctx.collection_year, role="end")
            if end:
                out.append(_period(kind="deadline", end=end, evidence=evidence(text, m.start(), m.end())))
    return out


def find_benefit_starts(text: str, ctx: Context) -> list[Period]:
    """Start-only benefit periods: "自2023年1月1日起享受待遇", "次年1月1日起享受医保待遇". A date
    written with a relative year (次年) counts from the collection year, a bare one is the policy
    year's; a day is required (自出生之日起 / 缴费次日起 name no date)."""
    out = []
    for lo, hi in _windows(text, ("享受",), BENEFIT_START_NEEDS):
        for m in BENEFIT_START_RE.finditer(text, lo, hi):
            if not (m.group("day") or m.group("mend")):
                continue
            year = ctx.collection_year if m.group("rel") else _year_for("benefit", ctx)
            start = parse_date(m.group("date"), year)
            if start:
                s0 = _clause(text, m.start(), m.start(), CLAUSE_RE)[0]
                tail = BENEFIT_END_AFTER_RE.match(text, m.end())
                end = parse_date(tail.group("date"), int(start[:4]), role="end") if tail else None
                out.append(_period(kind="benefit", start=start, end=end if end and end > start else None,
                                   evidence=evidence(text, s0, tail.end() if end and end > start else m.end())))
    return out


def find_extensions_after(text: str, ctx: Context) -> list[Period]:
    """"集中缴费期结束后至2026年6月30日，未参保人员可继续办理参保缴费": extension, end only."""
    out = []
    for lo, hi in _windows(text, ("结束",), EXTENSION_AFTER_NEEDS):
        for m in EXTENSION_AFTER_RE.finditer(text, lo, hi):
            end = parse_latecomer_end(m.group("date"), ctx)
            if end:
                s0 = _clause(text, m.start(), m.start(), SENTENCE_RE)[0]
                who = m.group("tail").strip(" ,，")
                out.append(_period(kind="extension", end=end,
                                   applies_to=None if not who or EVERYONE_RE.match(who) or who.startswith("未") else who,
                                   evidence=evidence(text, s0, m.end())))
    return out


def find_extension_ends(text: str, ctx: Context) -> list[Period]:
    """A latecomer window written by its end: "未在集中缴费期内缴费的,可于2023年2月28日前补缴"."""
    out = []
    for lo, hi in _windows(text, ("可",), EXTENSION_END_NEEDS):
        for m in EXTENSION_END_RE.finditer(text, lo, hi):
            end = parse_latecomer_end(m.group("date"), ctx)
            if end:
                s0, e0 = _clause(text, m.start(), m.end(), CLAUSE_RE)
                comma = re.search(r"的\s*[,，]", m.group())
                # '…未能按时缴费的,可延期至…': the group is the whole clause before the comma
                who, ev_start = parse_who(text, s0, m.start() + comma.start() if comma else m.start())
                out.append(_period(kind="extension", end=end, applies_to=who,
                                   evidence=evidence(text, ev_start, e0)))
    return out


# 自即日起至2025年2月28日，继续开展集中参保缴费: a window from the notice's own day, no subject
# before it; what it is comes from its sentence or the heading above (延长时间).
FROM_TODAY_RE = re.compile(rf"(?:自|从)?\s*即日起?\s*(?:至|到|截止到?|截至)\s*(?P<date>{point()})", re.X)


def find_from_today(text: str, ctx: Context) -> list[Period]:
    """A window `即日起至…` that END_ONLY_RE leaves (no 缴费时间 or like before it): an extension
    where its sentence or heading says the drive goes on or is extended, else the kind its sentence
    names; the start (the notice's day) is not written: null."""
    out = []
    i = text.find("即日")
    while i != -1:
        m = FROM_TODAY_RE.match(text, max(0, i - 2)) or FROM_TODAY_RE.match(text, i)
        if m and not END_ONLY_RE.search(text, max(0, m.start() - 30), m.end()):
            sentence = _clause(text, m.start(), m.end(), SENTENCE_RE)
            head = _heading_above(text, m.start())
            around = text[sentence[0]:sentence[1]] + (text[head[0]:head[1]] if head else "")
            if LATER_RE.search(around) or any(w in around for w in EXTEND_WORDS):
                end = parse_latecomer_end(m.group("date"), ctx)
                # `新生儿等特殊群体可即日起至…`: the group whose window it is stands before 可
                # (parse_who drops the trailing 可 itself)
                who = parse_who(text, sentence[0], m.start())[0] if text[sentence[0]:m.start()].rstrip().endswith("可") else None
                if end:
                    out.append(_period(kind="extension", end=end, applies_to=who, evidence=evidence(text, *sentence)))
            else:
                word = parse_kind(text, m.start("date"), m.end(), sentence)
                end = parse_date(m.group("date"), _year_for(word[0], ctx), role="end") if word else None
                if end:
                    out.append(_period(kind=word[0], end=end, evidence=evidence(text, *sentence)))
        i = text.find("即日", i + 2)
    return out


# The drive's start written alone (`集中缴费自2025年9月1日起开始缴费`, `征缴工作于9月1日正式启动`) and its
# end in a sentence of its own (`2025年12月31日为集中缴费截止日`, `集中缴费于12月31日24时结束`): two
# halves of one window, joined by _join_drive_halves.
DRIVE_WORD = r"(?:集中)?(?:参保缴费|参保登记缴费|缴费|征缴|征收|收缴)(?:工作)?"
DRIVE_START_RE = re.compile(
    rf"""(?P<kw>{DRIVE_WORD})\s*(?:自|从|于)\s*(?P<date>{point()})\s*(?:起)?\s*
         (?:正式)?(?:开始|启动|开启)(?:缴费|征缴|收缴|参保缴费)?(?=\s*[,，。；;\n])""",
    re.X,
)
DRIVE_END_RE = re.compile(
    rf"""(?<![\d年月至到]){FIRST_CHAR}(?P<date>{point()})\s*(?:为|是)\s*(?P<kw>{DRIVE_WORD})(?:期)?(?:的)?\s*(?:截止|结束)(?:日|日期|时间|时限)
       |(?P<kw2>{DRIVE_WORD})(?:期)?\s*(?:于|在)\s*(?P<date2>{point()})\s*(?:24时|二十四时)?\s*(?:截止|结束)(?=\s*[,，。；;\n])""",
    re.X,
)
DRIVE_NEEDS = (MONTH, ("缴费", "征缴", "征收", "收缴"))


def find_drive_halves(text: str, ctx: Context, ranges: list) -> list[Period]:
    """A drive's start written alone and a drive's end written alone (see DRIVE_START_RE): kept as
    one-sided periods of their kind (集中… concentrated, else collection) for _join_drive_halves."""
    inside = [(r.start(), r.end()) for r in ranges]
    out = []
    for lo, hi in _windows(text, ("开始", "启动", "开启", "截止", "结束"), DRIVE_NEEDS):
        for rx, role in ((DRIVE_START_RE, "start"), (DRIVE_END_RE, "end")):
            for m in rx.finditer(text, lo, hi):
                d0 = m.start("date") if m.group("date") else m.start("date2")
                if any(a <= d0 < b for a, b in inside):
                    continue  # a range (自A开始，至B结束) is read whole elsewhere
                kw = m.group("kw") or m.group("kw2")
                kind = "concentrated_collection" if kw.startswith("集中") else "collection"
                date = parse_date(m.group("date") or m.group("date2"), ctx.collection_year, role=role)
                if date:
                    clause = _clause(text, m.start(), m.end(), CLAUSE_RE)
                    out.append(_period(kind=kind, **{role: date}, evidence=evidence(text, *clause)))
    return out


def _join_drive_halves(periods: list[Period | None]) -> list[Period | None]:
    """A start-only drive and the first end-only drive after its start (either word 集中: the
    concentrated drive) are one window; a start-only drive no end closes stays, unless a range of
    the drive already gives its start."""
    drive = ("collection", "concentrated_collection")
    starts = [p for p in periods if p is not None and p.kind in drive and p.start and not p.end and not p.applies_to]
    if not starts:
        return periods
    ends = [p for p in periods if p is not None and p.kind in drive and p.end and not p.start and not p.applies_to]
    full = {p.start for p in periods if p is not None and p.kind in drive and p.start and p.end}
    out = list(periods)
    for a in starts:
        b = next((b for b in ends if b.end > a.start and b in out), None)
        if b is None:
            if a.start in full:
                out = [p for p in out if p is not a]
            continue
        kind = "concentrated_collection" if "concentrated_collection" in (a.kind, b.kind) else "collection"
        lo, hi = sorted((a, b), key=lambda p: p.evidence.start)
        joined = _period(kind=kind, start=a.start, end=b.end, evidence=lo.evidence if lo is a else a.evidence)
        if joined is not None:
            out = [joined if p is a else p for p in out if p is not b]
    return out


def _windows(text: str, words, needs) -> list[tuple[int, int]]:
    """The windows around `words` that hold one word of every group in `needs`."""
    return [(lo, hi) for lo, hi in keyword_windows(text, words, BEFORE, AFTER)
            if all(any(text.find(w, lo, hi) != -1 for w in group) for group in needs)]


def _clause(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    """The [start, end) of the clause holding text[start:end], bounded by any of `stops` and
    at most spans.MAX_REACH characters either side: without it every range of a text without
    stops (`1月至` x 14,000) rescans all of it for its period word. A match opening with the
    line break before its date (`缴费时间\n2025年9月1日至…`) starts its clause on its own line."""
    while start < end and text[start] in " \t\n":
        start += 1
    e = stop_after(text, end, stops)
    e = len(text) if e == -1 else e
    return max(stop_before(text, start, stops) + 1, start - MAX_REACH), min(e, end + MAX_REACH)


def _period(**fields) -> Period | None:
    """A Period, or None when the dates contradict each other (an end before its start)."""
    try:
        return Period(**fields)
    except ValueError:
        return None


HALVES_GAP = 30  # characters between a benefit start and the end that closes it


def _join_benefit_halves(text: str, periods: list[Period | None]) -> list[Period | None]:
    """`自2026年1月1日起享受待遇，待遇享受期至2026年12月31日`: a start-only benefit period and the
    end-only one written right after it, in its sentence, are one period."""
    starts = [p for p in periods if p is not None and p.kind == "benefit" and p.start and not p.end]
    ends = [p for p in periods if p is not None and p.kind == "benefit" and p.end and not p.start]
    if not starts or not ends or any(p is not None and p.kind == "benefit" and p.start and p.end for p in periods):
        return periods
    out = list(periods)
    for a in starts:
        b = next((b for b in ends if 0 <= b.evidence.start - a.evidence.end <= HALVES_GAP and b.end >= a.start
                  and not SENTENCE_STOP.search(text, a.evidence.end, b.evidence.start)), None)
        if b is None:
            continue
        joined = _period(kind="benefit", start=a.start, end=b.end, evidence=evidence(text, a.evidence.start, b.evidence.end))
        if joined is not None:
            out = [joined if p is a else p for p in out if p is not b]
    return out


SENTENCE_STOP = re.compile(r"[。;；\n]")


def _drop_restated(periods: list[Period | None]) -> list[Period | None]:
    """A start-only benefit period whose start a benefit range already gives, and an end-only
    extension or deadline whose end a fuller one already gives, add nothing."""
    full = [p for p in periods if p is not None and p.start and p.end]
    benefit_starts = {q.start for q in full if q.kind == "benefit"}  # sets: one look-up per period
    extension_ends = {q.end for q in full if q.kind == "extension"}
    def covered(p: Period) -> bool:
        if p.kind == "benefit" and p.end is None:
            return p.start in benefit_starts
        if p.kind == "extension" and p.start is None:
            return p.end in extension_ends
        return False
    return [p for p in periods if p is None or not covered(p)]


def _dedupe(periods: list[Period | None]) -> list[Period]:
    seen, out = set(), []
    for p in periods:
        if p is None:
            continue
        key = (p.kind, p.start, p.end, p.day_from, p.day_to, p.applies_to)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def extract(text: str, ctx: Context) -> dict:
    """All periods of a notice, in the order: ranges, end-only, monthly, extension, suspension,
    deadline. The text is scanned for date ranges once; the other patterns run only around
    their key words (暂停, 完成, 延长…)."""
    v = view(text or "")
    text = v.text
    ranges = find_range_matches(text)
    found: list[Period] = []
    for finder in (lambda: find_range_periods(text, ctx, ranges), lambda: find_end_only(text, ctx),
                   lambda: find_monthly(text), lambda: find_extensions(text, ctx),
                   lambda: find_suspensions(text, ctx, ranges), lambda: find_deadlines(text, ctx),
                   lambda: find_deadlines_after(text, ctx), lambda: find_progress_deadlines(text, ctx),
                   lambda: find_benefit_starts(text, ctx),
                   lambda: find_extension_ends(text, ctx), lambda: find_extensions_after(text, ctx),
                   lambda: find_from_today(text, ctx), lambda: find_drive_halves(text, ctx, ranges)):
        try:
            found += finder()
        except ValueError:  # an impossible range (end before start) is skipped, never raised
            continue
    try:
        found += find_bare_deadlines(text, ctx, found)
    except ValueError:
        pass
    return to_original(v, dict(periods=_dedupe(_drop_restated(_join_drive_halves(_join_benefit_halves(text, found))))))
