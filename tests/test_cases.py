"""Every extractor case in tests/cases/*.yaml, one pytest id each."""
from __future__ import annotations

import importlib

from casefiles import load_cases, mismatches
from extractors.canonical import canonicalize
from extractors.context import Context
from schemas import iter_evidence
from pydantic import BaseModel
import pytest


@pytest.mark.parametrize("extractor, case", load_cases())
def test_case(extractor: str, case: dict) -> None:
    text = canonicalize(case["text"])
    ctx = Context(**case.get("context", {}))
    module = importlib.import_module(f"extractors.{extractor}")
    parts = module.extract(text, ctx)
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
