"""Loads extractor cases from tests/cases/*.yaml (text -> expected record parts).

Spirit of Recognizers-Text spec files: cases are data, one runner, one pytest id per case.
A case:  {id, source: seeds|paraphrases|bugs_caught, text, context: {...}, expected: {...},
          xfail: "why" (optional; strict, so a fix has to move the case)}.
`expected` holds record fields; list items and objects match on the keys given (a subset),
lists must have the same length, and `value` wrappers may be written as bare values.
"""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

CASES = pathlib.Path(__file__).parent / "cases"


def load_cases(pattern: str = "*.yaml") -> list:
    params = []
    for f in sorted(CASES.glob(pattern)):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        if "extractor" not in doc and doc.get("kind"):
            continue  # another kind of data file (e.g. layout_xfail.yaml), read by its own test
        extractor = doc["extractor"]
        for case in doc["cases"]:
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
            cid = f"{f.stem}:{case.get('source', 'paraphrases')}:{case['id']}"
            params.append(pytest.param(extractor, case, id=cid, marks=marks))
    return params


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Differences between an expected subset and an actual value (empty when they match)."""
    if isinstance(actual, dict) and "value" in actual and not isinstance(expected, dict):
        actual = actual["value"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected object, got {actual!r}"]
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}.{k}: missing")
            else:
                out += mismatches(v, actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected list, got {actual!r}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}: {actual!r}"]
        remaining = list(actual)
        out = []
        for i, e in enumerate(expected):
            hit = next((a for a in remaining if not mismatches(e, a)), None)
            if hit is None:
                out.append(f"{path}[{i}]: no match for {e!r} in {remaining!r}")
            else:
                remaining.remove(hit)
        return out
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return [] if abs(float(expected) - float(actual)) < 1e-6 else [f"{path}: {actual!r} != {expected!r}"]
        except (TypeError, ValueError):
            pass
    return [] if expected == actual else [f"{path}: {actual!r} != {expected!r}"]
