"""The pieces of the reader contract's text shape every reader writes the same way."""
from __future__ import annotations


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
