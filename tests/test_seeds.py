"""The seed notices scored against ../shared/gold with the evaluation's own scorer."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="../shared/gold not beside the repo")


def _score(paths: list[str], tmp_path) -> tuple[float, dict[str, float], str]:
    out = tmp_path / "records.jsonl"
    with out.open("w") as fh:
        subprocess.run([sys.executable, "-m", "noticeflow", "extract", *paths], stdout=fh, check=True, cwd=ROOT)
    res = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), str(SHARED / "gold"), str(out), "--verbose"],
                         capture_output=True, text=True, check=True)
    fams = {m[0]: float(m[1]) for m in re.findall(r"^(\w+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)", res.stdout, re.M)}
    macro = float(re.search(r"macro-F1 ([\d.]+)", res.stdout).group(1))
    return macro, fams, res.stdout


def test_seed_text_scores(tmp_path) -> None:
    macro, fams, report = _score(sorted(str(p) for p in (SHARED / "seeds").glob("*.txt")), tmp_path)
    assert macro >= 0.98, report
    low = {f: s for f, s in fams.items() if s < 0.95}
    assert not low, report
