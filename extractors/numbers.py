"""Numbers as notices write them: 350, 350.5, 三百五十, 百分之八十, 80%, 114.39万.

cn2an does the Chinese-numeral arithmetic; what is ours is the set of spellings a notice uses
around a number (元/人, 每人每年, 百分之…), kept here as named regex fragments.
"""
from __future__ import annotations

import cn2an
import regex as re

from noticeflow.schemas.errors import RESOURCE_ERRORS

CN_DIGITS = "零〇一二三四五六七八九十百千万两壹贰叁肆伍陆柒捌玖拾佰仟"
# An Arabic number (thousands commas allowed) or a run of Chinese numerals.
NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|[{CN_DIGITS}]+(?:点[{CN_DIGITS}]+)?)"
# A percentage written either way: 80%, 80％, 百分之八十, 百分之80.
PERCENT = rf"(?:(?P<pnum>{NUM})\s*[%％]|百分之(?P<pcn>{NUM}))"
PERCENT_RE = re.compile(PERCENT)
# Yuan: 350元, 350元/人, 每人350元, 三百五十元.
YUAN = rf"(?P<yuan>{NUM})\s*(?:元|块)"
YUAN_RE = re.compile(YUAN)


def parse_number(s: str | None) -> float | int | None:
    """'350' -> 350, '三百五十' -> 350, '114.39万' -> 1143900, garbage -> None."""
    if not s:
        return None
    s = s.strip().replace(",", "")
    scale = 1
    if s.endswith("万") and len(s) > 1 and not re.fullmatch(rf"[{CN_DIGITS}]+", s):
        s, scale = s[:-1], 10_000
    if s in ("百", "千", "万"):  # 百分之百: cn2an wants a leading 一
        s = "一" + s
    try:
        v = float(s)
    except ValueError:
        try:
            v = float(cn2an.cn2an(s, "smart"))
        except RESOURCE_ERRORS:
            raise  # out of memory or stack: the document is quarantined, not loaded empty
        except Exception:  # cn2an raises bare ValueError/KeyError variants on non-numerals
            return None
    v *= scale
    return int(v) if v == int(v) else round(v, 2)


def parse_percent(s: str) -> float | int | None:
    """'80%' -> 80, '百分之八十' -> 80."""
    m = PERCENT_RE.search(s)
    if not m:
        return None
    return parse_number(m.group("pnum") or m.group("pcn"))


def parse_yuan(s: str) -> float | int | None:
    """'380元/人' -> 380, '三百八十元' -> 380."""
    m = YUAN_RE.search(s)
    return parse_number(m.group("yuan")) if m else None
