"""The pieces of the reader contract's text shape every reader writes the same way."""
from __future__ import annotations

import re


def join_cell(parts: list[str]) -> str:
    """A table cell's paragraphs on one line: nothing between CJK text (厉山镇 + （含经济开发区）),
    one space between two Latin words or figures; no tab survives (a tab separates cells)."""
    out = ""
    for part in (" ".join(p.replace("\t", " ").split()) for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


_FIGURE = re.compile(r"^\s*[\d,，.]+\s*$")


def drop_repeated_headers(rows: list[list[str]]) -> list[list[str]]:
    """A table's header rows typed again inside it (the clerk's copy broke across a page, a
    print header repeated on each page): a row below the first row with a figure that equals a
    header row (two cells or more) is that copy, not data, and is dropped."""
    first = next((i for i, r in enumerate(rows) if any(_FIGURE.match(c) for c in r)), len(rows))
    header = {tuple(r) for r in rows[:first] if sum(1 for c in r if c.strip()) >= 2}
    if not header:
        return rows
    return rows[:first] + [r for r in rows[first:] if tuple(r) not in header]
