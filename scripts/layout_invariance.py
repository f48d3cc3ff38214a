"""Per-transform summary of the layout-invariance check (issue 9).

    python scripts/layout_invariance.py                 # the table
    python scripts/layout_invariance.py --pairs         # also every pair under 98%, worst first
    python scripts/layout_invariance.py --write-xfail   # rewrite tests/cases/layout_xfail.yaml

For each transform of tests/layout_transforms.py, over the seeds and tests/devcorpus/notices:
how many notices, the share of the original records' facts (score.py's facts()) the transformed
records keep, how many pairs stay under 98%, the worst notice, and the facts the transform made up.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))

import layout_measure as M  # noqa: E402
import layout_transforms as L  # noqa: E402

XFAIL_HEADER = """\
# Layout-invariance pairs (transform, notice) that keep < 98% of their facts today.
# Run as strict xfails by tests/test_layout_invariance.py: a pair an extractor change fixes
# XPASSes and fails, so it must come off this list. Regenerate, do not hand-edit:
#     python scripts/layout_invariance.py --write-xfail
# `kept` is the share of the original record's facts (score.py facts()) the transformed one has.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", action="store_true", help="list every pair under the threshold")
    ap.add_argument("--write-xfail", action="store_true", help=f"rewrite {M.XFAIL_FILE.relative_to(M.ROOT)}")
    args = ap.parse_args()
    if not M.SCORE_PY.exists():
        print(f"error: {M.SCORE_PY} not found (../shared beside the repo)", file=sys.stderr)
        return 2

    notices = M.notice_paths()
    outcomes = [M.measure(t, p) for t in L.TRANSFORMS for p in notices]
    print(f"{'transform':18} {'notices':>7} {'kept':>7} {'<98%':>5}  {'worst notice':34} {'worst':>6} {'extra':>6}")
    for t in L.TRANSFORMS:
        rows = [o for o in outcomes if o.transform == t]
        total = sum(o.total for o in rows)
        kept = sum(o.kept for o in rows)
        worst = min(rows, key=lambda o: o.fraction)
        under = sum(o.fraction < M.THRESHOLD for o in rows)
        extra = sum(sum(o.extra.values()) for o in rows)
        print(f"{t:18} {len(rows):7} {kept / total:7.1%} {under:5}  {worst.notice[:34]:34} {worst.fraction:6.1%} {extra:6}")
    failing = sorted((o for o in outcomes if o.fraction < M.THRESHOLD), key=lambda o: o.fraction)
    print(f"{len(failing)} of {len(outcomes)} pairs under {M.THRESHOLD:.0%}")
    if args.pairs:
        for o in failing:
            lost = ", ".join(str(k[:3]) for k in sorted(o.missing.elements())[:4])
            print(f"  {o.fraction:6.1%}  {o.transform}:{o.notice}  lost {o.total - o.kept}: {lost}")
    if args.write_xfail:
        lines = [XFAIL_HEADER, "kind: layout_xfail", "cases:"]
        for o in sorted(failing, key=lambda o: (list(L.TRANSFORMS).index(o.transform), o.notice)):
            lines.append(f"  - {{transform: {o.transform}, notice: {o.notice}, kept: {o.fraction:.3f}}}")
        M.XFAIL_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(failing)} pairs to {M.XFAIL_FILE.relative_to(M.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
