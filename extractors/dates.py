"""Dates as notices write them: 2022年9月1日, 二〇二二年九月一日, 12月31日, 2月底, 9月至12月.

A notice rarely repeats the year: "2022年9月1日至12月31日", "11月1日至次年2月28日", or no
year at all ("征收期截止12月25日"), so a date is parsed against a default year the caller
supplies (the collection season runs in the year before the policy year). Everything returns
ISO strings, or None for an impossible date; nothing here raises on any text.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import regex as re

from noticeflow.extractors.spans import keyword_windows
from noticeflow.schemas.errors import RESOURCE_ERRORS

# ---- named fragments -------------------------------------------------------------------------
CN_YEAR_DIGITS = "〇○零Ｏ一二三四五六七八九"
_YEAR_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "Ｏ": 0, "O": 0}
YEAR = rf"(?:\d{{4}}|[{CN_YEAR_DIGITS}O]{{4}})"          # 2022 / 二〇二二
MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"  # 9 / 09 / 九 / 十二
DAY = r"(?:3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"  # 1 / 三十一
# The day's mark: 日, 号, and 曰 where a scan's OCR misread 日 (`11月30曰前`, 208).
DAY_MARK = r"[日号曰]"
# An hour after a day (11月5日0时至11月7日24时, 9月1日8:00): read and ignored, the day is the date.
HOUR = r"(?:(?:[01]?\d|2[0-4]|零|二十[一二三四]?|十[一二三四五六七八九]?|[一二三四五六七八九])\s*[时点](?:\s*\d{1,2}\s*分|整)?|(?:[01]?\d|2[0-4])[:：]\d{2})"
RELATIVE_YEAR = r"(?:次年|翌年|下一?年|第二年|来年|当年|本年|同年|每年)"  # years said in words


def point(p: str = "") -> str:
    """One date point; groups are prefixed with `p` so two points fit in one range pattern."""
    return rf"""
        (?:(?P<{p}rel>{RELATIVE_YEAR})                    # 次年 / 每年
          |(?P<{p}year>{YEAR})\s*年(?!度))?\s*             # 2022年 (but not 2022年度)
        (?P<{p}month>{MONTH})\s*月份?\s*                    # 9月 / 九月份
        (?:(?P<{p}day>{DAY})\s*{DAY_MARK}(?:\s*{HOUR})?   # 1日 / 一号 / 5日0时 / 7日24时 / 30曰 (OCR)
          |(?P<{p}mend>底|末|下旬末))?                      # 2月底 / 12月末
    """


RANGE_SEP = r"(?:至|到|—+|–|-+|~|～|－|一直到)"
# A match can only start on one of these: a cheap first test before the full pattern is tried.
FIRST_CHAR = rf"(?=[\s自从由\d{CN_YEAR_DIGITS}O十次翌下第来当本同每])"
# The end of a range may be a bare day ("9月1日至30日"); the start may close with 起/开始 and a
# comma ("自2024年10月1日开始,至2025年2月28日结束"). Without a separator the range is a start
# closed by 起/开始/启动 and an end closed by 结束/止 ("从2025年9月1日开始，2025年12月31日结束",
# "于9月1日启动，12月31日截止"), or led by 截止/截至 ("自2024年9月1日起，截止时间为2024年12月31日",
# "自2026年9月1日开始，截至2026年12月31日").
RANGE_CLOSE = r"(?:结束|截止|为止|止)"
END_LEAD = r"(?:截止|截至)(?:到|于)?(?:时间|日期)?\s*(?:为|是)?"
RANGE = rf"""
    (?<![\d年月]){FIRST_CHAR}(?:自|从|由)?\s*{point('a')}\s*
    (?:(?P<open>起|开始|启动)\s*[,，]?)?\s*(?(open)(?P<endlead>{END_LEAD})?)\s*(?P<sep>{RANGE_SEP})?\s*
    (?:{point('b')}|(?P<bday_only>{DAY})\s*{DAY_MARK})
    (?(sep)|(?(endlead)|(?(open)(?=\s*{RANGE_CLOSE})|(?!))))
"""
RANGE_RE = re.compile(RANGE, re.X)
# Dates written with dots or slashes, as posters and WeChat articles do (`2025.9.1-2025.12.31`,
# `2025/9/1至12/31`): a range of two such points. No 月 to anchor on, so a pattern of its own; its
# groups carry RANGE_RE's names (those it never fills match nothing) for parse_range.
_DOT = r"[./]"
DOT_RANGE_RE = re.compile(rf"""
    (?<![\d.]) (?P<ayear>20\d{{2}}) {_DOT} (?P<amonth>1[0-2]|0?[1-9]) {_DOT} (?P<aday>3[01]|[12]\d|0?[1-9])
    \s* (?P<sep>-+|—+|–|~|～|－|至|到) \s*
    (?:(?P<byear>20\d{{2}}) {_DOT})? (?P<bmonth>1[0-2]|0?[1-9]) {_DOT} (?P<bday>3[01]|[12]\d|0?[1-9]) (?![\d.])
    (?P<arel>(?!))? (?P<amend>(?!))? (?P<brel>(?!))? (?P<bmend>(?!))? (?P<bday_only>(?!))? (?P<open>(?!))? (?P<endlead>(?!))?
""", re.X)
_DOT_DATE = re.compile(r"20\d{2}[./]\d")
POINT_RE = re.compile(rf"(?<![\d年月]){FIRST_CHAR}{point()}", re.X)
# Every date point holds a 月; a match starts at most this far before it and ends this far after.
MONTH_WORD, BEFORE_MONTH, AFTER_MONTH = "月", 24, 64
RANGE_SEP_WORDS = ("至", "到", "—", "–", "-", "~", "～", "－", "结束", "止", "截至")  # a range holds one of these
FULL_DATE_LINE_RE = re.compile(rf"^\s*(?P<date>(?P<year>{YEAR})\s*年\s*(?P<month>{MONTH})\s*月\s*(?P<day>{DAY})\s*日)\s*$")

ROLL_FORWARD = ("次年", "翌年", "下年", "下一年", "第二年", "来年")  # years that count on from the one in context
_ROLL_FORWARD = ROLL_FORWARD


@dataclass
class DateSpan:
    """A date or date range found in text: ISO start/end and where it was written."""

    start_pos: int
    end_pos: int
    start: str | None
    end: str | None
    month_only: bool = False  # "9月至12月": a span of months, not days


def parse_int(s: str | None) -> int | None:
    """'12' -> 12, '十二' -> 12, '三十一' -> 31, '二〇二二' -> 2022 (digit by digit)."""
    if not s:
        return None
    s = s.strip()
    if s.isdigit():
        return int(s)
    if len(s) == 4 and all(c in _YEAR_DIGIT for c in s):
        return int("".join(str(_YEAR_DIGIT[c]) for c in s))
    tens, _, ones = s.partition("十")
    if "十" in s:
        t = _YEAR_DIGIT.get(tens, None) if tens else 1
        o = _YEAR_DIGIT.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    return _YEAR_DIGIT.get(s)


def iso(year: int | None, month: int | None, day: int | None) -> str | None:
    """ISO date or None when the date cannot exist (2月30日) or a part is missing."""
    if not (year and month and day):
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def last_day(year: int | None, month: int | None) -> int | None:
    if not (year and month and 1 <= month <= 12):
        return None
    return calendar.monthrange(year, month)[1]


def _parts(m, p: str, default_year: int | None, role: str) -> tuple[str | None, int | None, bool]:
    """(iso, year used, month_only) for the point with prefix `p`; role 'start'|'end' picks the day of a bare month."""
    year = parse_int(m.group(f"{p}year")) or default_year
    rel = m.group(f"{p}rel") or ""
    if rel in _ROLL_FORWARD and year:
        year += 1
    month = parse_int(m.group(f"{p}month"))
    day = parse_int(m.group(f"{p}day"))
    month_only = day is None and not m.group(f"{p}mend")
    if day is None:
        day = 1 if (role == "start" and not m.group(f"{p}mend")) else last_day(year, month)
    return iso(year, month, day), year, month_only


def parse_date(s: str, default_year: int | None = None, role: str = "start") -> str | None:
    """'2022年9月1日' -> '2022-09-01'; '2月底' -> last day of February in default_year; garbage -> None."""
    m = POINT_RE.search(s or "")
    if not m:
        return None
    return _parts(m, "", default_year, role)[0]


def parse_range(m, default_year: int | None) -> DateSpan:
    """A RANGE_RE match -> DateSpan; the end inherits the start's year and rolls over when its month is smaller."""
    start, year, a_month_only = _parts(m, "a", default_year, "start")
    a_month = parse_int(m.group("amonth"))
    if m.group("bday_only"):
        end = iso(year, a_month, parse_int(m.group("bday_only")))
        return DateSpan(m.start(), m.end(), start, end)
    b_year = parse_int(m.group("byear"))
    b_month = parse_int(m.group("bmonth"))
    if b_year is None and year is not None:
        b_year = year + (1 if (b_month or 0) < (a_month or 0) else 0)
        if (m.group("brel") or "") in _ROLL_FORWARD:
            b_year = year + 1
    elif b_year is None:
        b_year = default_year
    day = parse_int(m.group("bday"))
    if day is None:
        day = last_day(b_year, b_month)
    end = iso(b_year, b_month, day)
    month_only = a_month_only and m.group("bday") is None and not m.group("bmend")
    return DateSpan(m.start(), m.end(), start, end, month_only)


def _scan(rx, text: str, needs=()):
    """rx.finditer over the whole text, but run only in the windows around each 月 (every date
    point has one), so a 4-10 KB notice costs a few short scans instead of one per character;
    windows holding none of `needs` (when given) are skipped."""
    for lo, hi in keyword_windows(text, MONTH_WORD, BEFORE_MONTH, AFTER_MONTH):
        if needs and all(text.find(w, lo, hi) == -1 for w in needs):
            continue
        yield from rx.finditer(text, lo, hi)


def find_range_matches(text: str) -> list:
    """Every RANGE_RE match in text, in order (the raw matches: callers read their groups)."""
    text = text or ""
    found = list(_scan(RANGE_RE, text, RANGE_SEP_WORDS))
    if _DOT_DATE.search(text):
        found = sorted(found + list(DOT_RANGE_RE.finditer(text)), key=lambda m: m.start())
    return found


def find_ranges(text: str, default_year: int | None = None) -> list[DateSpan]:
    """Every 'A至B' range in text, in order."""
    try:
        return [parse_range(m, default_year) for m in find_range_matches(text)]
    except RESOURCE_ERRORS:
        raise  # out of memory or stack: the document is quarantined, not loaded empty
    except Exception:  # a malformed numeral should never stop extraction
        return []


def find_dates(text: str, default_year: int | None = None, role: str = "start") -> list[DateSpan]:
    """Every single date point in text (ranges not joined), in order."""
    out = []
    for m in _scan(POINT_RE, text or ""):
        value = _parts(m, "", default_year, role)[0]
        out.append(DateSpan(m.start(), m.end(), value if role == "start" else None,
                            value if role == "end" else None))
    return out


def parse_full_date_line(line: str) -> str | None:
    """A line holding only a full date ('2022年9月9日', '二〇二二年九月九日') -> ISO, else None."""
    m = FULL_DATE_LINE_RE.match(line or "")
    if not m:
        return None
    return iso(parse_int(m.group("year")), parse_int(m.group("month")), parse_int(m.group("day")))


def extract(text: str, ctx) -> dict:
    """Every date range, then every lone date, as {start, end, quote}: a debugging and test view
    (not a record field). Lone dates are read as the end of something ("12月31日前")."""
    out, taken = [], []
    year = getattr(ctx, "collection_year", None)
    for span in find_ranges(text, year):
        out.append(dict(start=span.start, end=span.end, quote=text[span.start_pos:span.end_pos]))
        taken.append((span.start_pos, span.end_pos))
    for span in find_dates(text, year, role="end"):
        if not any(a <= span.start_pos < b for a, b in taken):
            out.append(dict(start=None, end=span.end, quote=text[span.start_pos:span.end_pos]))
    return dict(dates=out)
