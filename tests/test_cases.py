"""Every extractor case in tests/cases/*.yaml, one pytest id each."""
from __future__ import annotations

import importlib

from casefiles import load_cases, mismatches
from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.context import Context
from noticeflow.schemas import iter_evidence
from pydantic import BaseModel
import pytest


@pytest.mark.parametrize("extractor, case", load_cases())
def test_case(extractor: str, case: dict) -> None:
    text = canonicalize(case["text"])
    ctx = Context(**case.get("context", {}))
    if extractor == "record":  # a whole notice through the whole pipeline
        parts, ctx.flags = _whole_record(text)
    else:
        parts = importlib.import_module(f"noticeflow.extractors.{extractor}").extract(text, ctx)
    actual = {
        k: (v.model_dump(mode="json") if isinstance(v, BaseModel)
            else [x.model_dump(mode="json") if isinstance(x, BaseModel) else x for x in v] if isinstance(v, list)
            else v)
        for k, v in parts.items()
    }
    expected = dict(case["expected"])
    expected_flags = expected.pop("flags", None)
    problems = mismatches(expected, actual)
    if expected_flags is not None:
        codes = sorted({f.code for f in ctx.flags})
        if codes != sorted(expected_flags):
            problems.append(f"flags: {codes} != {sorted(expected_flags)}")
    for v in parts.values():
        for path, ev in iter_evidence(v if isinstance(v, list) else [v]):
            if text[ev.start:ev.end] != ev.quote:
                problems.append(f"{path}: quote {ev.quote!r} not text[{ev.start}:{ev.end}]")
    assert not problems, "\n".join(problems)


def _whole_record(text: str) -> tuple[dict, list]:
    from noticeflow.extractors.record import build_record
    from noticeflow.schemas import Source

    rec = build_record(text, Source(path="case.txt", format="txt", encoding="utf-8", size_bytes=len(text.encode())), "0" * 64)
    skip = {"schema_version", "doc_id", "source", "text", "flags"}
    return {k: getattr(rec, k) for k in type(rec).model_fields if k not in skip}, rec.flags
