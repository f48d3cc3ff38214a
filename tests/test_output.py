"""Query output conventions (flows/output.py), as data cases run on an in-memory DuckDB."""
from __future__ import annotations

import json

import duckdb
import pytest
import yaml

from conftest import ROOT
from noticeflow.flows.output import render

CASES = yaml.safe_load((ROOT / "tests" / "cases" / "output" / "formats.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_output_format(case) -> None:
    cur = duckdb.connect().execute(case["sql"])
    cols = [d[0] for d in cur.description]
    types = [d[1] for d in cur.description]
    out = render(case["format"], cols, types, cur.fetchall())
    if "expected_json" in case:
        assert json.loads(out) == case["expected_json"]
    if "expected" in case:
        assert out == case["expected"]
    for s in case.get("contains", []):
        assert s in out
    if "contains_joined" in case:  # wrapped over several lines, but every character is there
        flat = "".join(line.strip(" │┃|") for line in out.splitlines())
        assert case["contains_joined"] in flat
        assert max(len(line) for line in out.splitlines()) <= 120
    for s in case.get("absent", []):
        assert s not in out
