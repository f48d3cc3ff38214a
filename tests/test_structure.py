"""extractors.structure: parts, outline, tables and signature of whole notices, as data cases;
and the invariants every notice must keep (parts tile the text, spans index into it)."""
from __future__ import annotations

import pathlib

import pytest
import yaml

from conftest import ROOT, SHARED
from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.structure import parse

CASES = yaml.safe_load((ROOT / "tests" / "cases" / "structure" / "layouts.yaml").read_text(encoding="utf-8"))["cases"]


def _notices() -> list[pathlib.Path]:
    found = sorted((SHARED / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "devcorpus" / "notices").glob("*.txt"))
    return found


@pytest.mark.parametrize("case", CASES, ids=[f"{c.get('source', 'paraphrases')}:{c['id']}" for c in CASES])
def test_structure_case(case) -> None:
    text = canonicalize(case["text"])
    s = parse(text)
    exp = case["expected"]
    assert [p.kind for p in s.parts] == exp["parts"]
    if "headings" in exp:
        assert [f"{it.level} {it.title}" for it in s.items if it.heading] == exp["headings"]
    if "signature" in exp:
        assert text[slice(*s.signature_office)] == exp["signature"]["office"]
        assert text[slice(*s.signature_date)] == exp["signature"]["date"]
    if "tables" in exp:
        got = [{"caption": t.caption, "unit": t.unit, "rows": len(t.rows), "part": s.parts[t.part].kind}
               for t in s.tables]
        assert got == exp["tables"]
    for topic, starts in (exp.get("about") or {}).items():
        assert [text[a:b].split("\n")[0] for a, b in s.about(topic)] == starts, topic
    if "attachment_list" in exp:
        assert [text[a:b] for a, b in s.attachment_list] == exp["attachment_list"]


@pytest.mark.parametrize("path", _notices(), ids=lambda p: p.name)
def test_structure_invariants(path) -> None:
    text = canonicalize(path.read_text(encoding="utf-8", errors="replace"))
    s = parse(text)
    # parts tile the text in order
    assert s.parts[0].start == 0 and s.parts[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(s.parts, s.parts[1:]))
    assert [p.kind for p in s.parts].count("body") == 1
    for it in s.items:
        part = s.parts[it.part]
        assert part.start <= it.start < it.line_end <= it.end <= part.end
        assert text[it.title_start:it.title_start + len(it.title)] == it.title
        if it.parent is not None:
            parent = s.items[it.parent]
            assert parent.start < it.start and it.end <= parent.end and parent.level < it.level
    for t in s.tables:
        for row in t.rows:
            for c in row.cells:
                assert text[c.start:c.end] == c.text
    # a notice's structure does not depend on where its text came from: parsing the canonical
    # text of the canonical text gives the same answer
    assert parse(canonicalize(text)).parts == s.parts
