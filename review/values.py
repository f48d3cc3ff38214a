"""Where a value is written inside its evidence: the `320` in the fee clause, the name in a
leadership line, the county in the signature, so the reviewer's eye lands on the value and not
only on its clause.

Written by hand because it is about how these notices write values: digits in ASCII or full
width, dates as 2022年9月1日 (year often left out), percents as 80% or 80％.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Iterator

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_QUOTED = re.compile(r"「([^」]{1,30})」")  # a name a flag message quotes


def renderings(value: Any) -> list[str]:
    """The ways a notice may write `value`, most specific first."""
    if value is None or isinstance(value, bool) or value == "":
        return []
    if isinstance(value, (int, float)):
        s = f"{value:g}" if isinstance(value, float) else str(value)
        return [s, s.translate(_FULL)]
    if isinstance(value, str):
        try:
            d = _dt.date.fromisoformat(value)
        except ValueError:
            return [value]
        return [f"{d.year}年{d.month}月{d.day}日", f"{d.year}年{d.month:02d}月{d.day:02d}日",
                f"{d.year}.{d.month}.{d.day}", value, f"{d.month}月{d.day}日"]
    return []


def find(quote: str, value: Any) -> tuple[int, int] | None:
    """Offsets of `value` inside `quote` (a number not inside a longer number), or None."""
    for r in renderings(value):
        if r[:1].isdigit():  # str.isdigit is true for full-width digits too
            m = re.search(rf"(?<![\d０-９.]){re.escape(r)}(?![\d０-９])", quote)
            if m:
                return m.start(), m.end()
        else:
            i = quote.find(r)
            if i >= 0:
                return i, i + len(r)
    return None


def value_spans(rec: dict, units: list[dict]) -> Iterator[tuple[str, int, int]]:
    """(field path, start, end) in the canonical text of every shown value found in its evidence."""
    text = rec.get("text") or ""
    for unit in units:
        ev = unit.get("evidence")
        if not ev:
            continue
        s0, quote = ev["start"], ev["quote"]
        if text[s0:s0 + len(quote)] != quote:
            continue
        for path, value in unit.get("values", []):
            values = value if isinstance(value, list) else [value]
            for v in values:
                hit = find(quote, v)
                if hit:
                    yield path, s0 + hit[0], s0 + hit[1]


def conflict_spans(rec: dict) -> Iterator[tuple[str, int, int]]:
    """Where the names a region_conflict flag quotes are written (header, signature, body)."""
    text = rec.get("text") or ""
    for f in rec.get("flags") or []:
        if f.get("code") != "region_conflict":
            continue
        for name in dict.fromkeys(_QUOTED.findall(f.get("message") or "")):
            for m in re.finditer(re.escape(name), text):
                yield "conflict:region", m.start(), m.end()
