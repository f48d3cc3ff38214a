"""Writes docs/vocabulary.md from extractors/data/*.yaml, so the docs never drift from the data.

`python scripts/gen_vocab_docs.py` after editing a vocabulary; tests/test_docs.py checks it is current.
"""
from __future__ import annotations

import collections
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from noticeflow.extractors import vocab  # noqa: E402


def render() -> str:
    out = ["# Vocabularies", "",
           "Generated from `extractors/data/*.yaml` by `scripts/gen_vocab_docs.py`; edit the YAML, not this page.", ""]
    for title, terms, show_level in (("Population categories (困难群众类别)", vocab.categories(), False),
                                     ("Departments (职责部门)", vocab.departments(), True)):
        groups: dict[str, list[str]] = collections.OrderedDict()
        levels = {}
        for t in sorted(terms, key=lambda t: t.name):
            groups.setdefault(t.name, [])
            levels[t.name] = t.level
            if t.alias != t.name:
                groups[t.name].append(t.alias)
        head = "| canonical | level | written forms |" if show_level else "| canonical | written forms |"
        out += [f"## {title}", "", head, "|" + " --- |" * (head.count("|") - 1)]
        for name, aliases in groups.items():
            forms = "、".join(sorted(aliases)) or "—"
            out.append(f"| {name} | {levels[name]} | {forms} |" if show_level else f"| {name} | {forms} |")
        out.append("")
    out += ["## Divisions", "", f"{len(vocab.divisions())} county-level divisions (GB/T 2260) in `extractors/data/divisions.csv`, "
            "built from cpca's table by `scripts/build_divisions.py`.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "vocabulary.md").write_text(render(), encoding="utf-8")
    print("docs/vocabulary.md written")
