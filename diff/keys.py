"""Keys that say which element on one side is "the same" as one on the other.

Records are matched by meaning, never by position: a township by its normalised name, a tier
by canonical category, a period by kind and who it applies to. Pure functions, no I/O.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")

_NOTE = re.compile(
    r"""[(（\[【〔]           # an opening bracket, any width
        [^)）\]】〕]*           # the note itself: 含经济开发区, 原寺头乡
        [)）\]】〕]?            # its closing bracket (a cut-off cell may lack it)
    """,
    re.X,
)
_SPACE = re.compile(r"[\s\u3000]+")
_SUFFIX = re.compile(
    r"""(?<=..)               # keep at least two characters of the name
        (镇|乡|民族乡|街道办事处|街道|办事处)$   # the administrative suffix that may change
    """,
    re.X,
)
_FORMER = re.compile(
    r"""原                    # "formerly"
        (?P<name>[^\s,，、;；()（）含及和与]{1,10}?  # the old township's name
        (?:民族乡|镇|乡|街道|办事处))   # ending in its own suffix
    """,
    re.X,
)


def clean_area(name: str) -> str:
    """The name as a reader would write it: notes in brackets and spaces removed.

    >>> clean_area("厉山镇（含经济开发区）")
    '厉山镇'
    """
    return _SPACE.sub("", _NOTE.sub("", name or ""))


def township_key(name: str) -> str:
    """Identity of a township across years: 西河乡 and 西河镇 (乡改镇) are the same place.

    >>> township_key("西河乡") == township_key("西河镇 ")
    True
    >>> township_key("蟒河镇(含原寺头乡)")
    '蟒河'
    """
    return _SUFFIX.sub("", clean_area(name))


def former_names(*texts: str | None) -> list[str]:
    """Townships a row says it absorbed or was renamed from (`原寺头乡`), in written order."""
    found: list[str] = []
    for text in texts:
        for m in _FORMER.finditer(text or ""):
            if m["name"] not in found:
                found.append(m["name"])
    return found


def keyed(items: Iterable[T], key: Callable[[T], str | None]) -> dict[str, T]:
    """Index items by key; a repeated key gets `#2`, `#3` in order, so nothing is lost."""
    out: dict[str, T] = {}
    for item in items:
        k = key(item)
        if k is None:
            continue
        name, n = k, 1
        while name in out:
            n += 1
            name = f"{k}#{n}"
        out[name] = item
    return out


def shift_date(iso: str | None, years: int) -> str | None:
    """Move an ISO date by whole years (29 Feb falls back to 28 Feb); None stays None."""
    if not iso or not years:
        return iso
    d = _dt.date.fromisoformat(iso)
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:
        return d.replace(year=d.year + years, day=28).isoformat()


def days_between(a: str | None, b: str | None) -> int | None:
    """b - a in days, or None when either side is missing."""
    if not a or not b:
        return None
    return (_dt.date.fromisoformat(b) - _dt.date.fromisoformat(a)).days


def chinese_date(iso: str | None) -> str:
    """`2024-12-20` -> `2024年12月20日`, as the notices write it."""
    if not iso:
        return "未写明"
    d = _dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"
