"""Writes docs/vocabulary.md from extractors/data/*.yaml and docs/review_labels.md from
review/data/labels.yaml, so the docs never drift from the data.

`python scripts/gen_vocab_docs.py` after editing a vocabulary or a label; tests/test_docs.py
checks both pages are current.
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


LABEL_TITLES = {"flag": "Flags", "severity": "Flag severity", "fee_kind": "Fee kind (`fees.kind`)",
                "qualifier": "Fee qualifier (`fees.qualifier`)", "tier_mode": "Subsidy mode (`subsidy_tiers.mode`)",
                "period_kind": "Period kind (`periods.kind`)", "level": "Department level (`departments.level`)",
                "derived": "Derived tier values (`subsidy_tiers.derived`)", "status": "Review status",
                "op": "Correction operation", "outcome": "What became of a correction"}


def render_labels() -> str:
    from noticeflow.review.labels import labels

    out = ["# Codes as reviewers read them", "",
           "Generated from `review/data/labels.yaml` by `scripts/gen_vocab_docs.py`; edit the YAML, not this page.",
           "The review app shows each code as its Chinese label, with the code as the tooltip.", ""]
    for kind, codes in labels().items():
        out += [f"## {LABEL_TITLES.get(kind, kind)}", "", "| code | 中文 |", "| --- | --- |"]
        out += [f"| `{code}` | {zh} |" for code, zh in codes.items()]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "vocabulary.md").write_text(render(), encoding="utf-8")
    (ROOT / "docs" / "review_labels.md").write_text(render_labels(), encoding="utf-8")
    print("docs/vocabulary.md and docs/review_labels.md written")
