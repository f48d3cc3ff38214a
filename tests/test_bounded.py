"""Bounded work on every input: no text makes extraction slow or big (issue 12).

Each pathological text of tests/fixtures/pathological.yaml (100,000 newlines, a 5-million
character line, 20,000-row tables, 10,000 repetitions of the characters the extractors key on,
a notice repeated 200 times, deep brackets) goes through canonicalize + build_record + JSON in a
forked child of tests/bounded_runner.py, which reports the child's CPU time and peak RSS.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

SPEC_PATH = ROOT / "tests" / "fixtures" / "pathological.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
LIMITS = SPEC["limits"]


def _params():
    for case in SPEC["cases"]:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
        yield pytest.param(case["id"], id=case["id"], marks=marks)


@pytest.fixture(scope="module")
def measured() -> dict:
    """Every case run once (a child per case, killed at 3x the time limit)."""
    env = {**os.environ, "NOTICEFLOW_KILL_AFTER": str(3 * LIMITS["seconds"])}
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "bounded_runner.py"), str(SPEC_PATH)],
                         capture_output=True, text=True, env=env, timeout=1800)
    assert out.returncode == 0, out.stderr[-2000:]
    return {r["id"]: r for r in map(json.loads, out.stdout.splitlines())}


@pytest.mark.parametrize("case_id", _params())
def test_pathological_text_is_bounded(measured, case_id) -> None:
    r = measured[case_id]
    assert "error" not in r, r["error"]
    assert r["cpu_s"] < LIMITS["seconds"], f"{r['cpu_s']:.1f} s of CPU for {r['chars']:,} characters"
    assert r["rss_mb"] < LIMITS["rss_mb"], f"peak RSS {r['rss_mb']} MB for {r['chars']:,} characters"
