"""Per-family scores of the extractor on the seeds and on the development corpus (issue 9).

Why: the hidden sets are scored with `../shared/tools/score.py`; this runs that very file (loaded
with importlib, never copied) on what the extractor makes of `../shared/seeds` and of
`tests/devcorpus/notices`, so the figures printed here are the ones the evaluation would print.
`tests/test_devcorpus.py` imports `load_scorer`, `extract_folder` and `tally` from here.

With `--published` it scores the held-out published files instead (tests/devcorpus/published:
web pages and Word files as county sites serve them, attachments grouped as `noticeflow extract
FOLDER` groups them), and, beside them, the plain text of each notice
(tests/devcorpus/published_plain/<stem>.txt), so a reader's losses (format) can be told from the
extractor's (writing).

usage: python scripts/score_corpus.py [--verbose] [--pdf] [--only seeds|devcorpus] [--glob '0[1-9]_*']
       python scripts/score_corpus.py --published [--verbose] [--glob 'p0[89]_*,p1[0-5]_*']
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import pathlib
import signal
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score.py"
DEVCORPUS = ROOT / "tests" / "devcorpus"
SETS = {
    "seeds": (SHARED / "seeds", SHARED / "gold"),
    "devcorpus": (DEVCORPUS / "notices", DEVCORPUS / "gold"),
}
PUBLISHED = DEVCORPUS / "published"
PUBLISHED_PLAIN = DEVCORPUS / "published_plain"


def load_scorer(path: pathlib.Path = SCORER) -> ModuleType:
    """The evaluation's score.py as a module (its `facts`, `norm`, `main`)."""
    if not path.is_file():
        raise SystemExit(f"{path}: scorer not found (../shared must sit beside the repo)")
    spec = importlib.util.spec_from_file_location("noticeflow_eval_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract_folder(folder: pathlib.Path, pattern: str = "*", as_pdf: bool = False) -> tuple[list[dict], list[str]]:
    """Records (JSON form) of every notice in `folder` matching `pattern`, and one line per failure;
    `as_pdf`: each text notice printed to PDF first (scripts/render_pdfs.py) and that PDF read."""
    from noticeflow.flows.extract import NOTICE_SUFFIXES, extract_file
    from noticeflow.readers import read_document
    from noticeflow.schemas.errors import NoticeflowError

    records, errors = [], []
    with tempfile.TemporaryDirectory(prefix="score_pdf_") as tmp:
        for path in sorted(folder.glob(pattern)):
            if not path.is_file() or path.suffix.lower() not in NOTICE_SUFFIXES:
                continue
            try:
                if as_pdf and path.suffix.lower() == ".txt":
                    import render_pdfs  # scripts/ is on sys.path when this runs as a script or from tests

                    plain = pathlib.Path(tmp) / path.name  # some notices are GB18030: printed from their text
                    plain.write_text(read_document(path).raw_text, encoding="utf-8")
                    path = plain.with_suffix(".pdf")
                    render_pdfs.render(plain, path)
                records.append(extract_file(path).model_dump(mode="json"))
            except NoticeflowError as e:
                errors.append(str(e))
    return records, errors


def extract_published(folder: pathlib.Path = PUBLISHED) -> tuple[list[dict], list[str]]:
    """Records of the files in `folder` the way `noticeflow extract FOLDER` makes them: `plan`
    groups each notice with its attachment files, `in_batches` converts legacy Word files."""
    from noticeflow.flows.extract import extract_file, in_batches, plan
    from noticeflow.readers.attachments import Notice
    from noticeflow.schemas.errors import NoticeflowError

    records, errors = [], []
    for item in in_batches(plan([folder], [])):
        if not isinstance(item, Notice):
            errors.append(str(item))
            continue
        try:
            records.append(extract_file(item.path, item.attachments).model_dump(mode="json"))
        except NoticeflowError as e:
            errors.append(str(e))
    return records, errors


def extract_plain(folder: pathlib.Path = PUBLISHED_PLAIN) -> tuple[list[dict], list[str]]:
    """Records of the plain texts of the published notices (each read as a `.txt` notice)."""
    return extract_folder(folder, "*.txt")


@dataclass
class Tally:
    """True/false positives and negatives per family, counted the way score.py counts them."""

    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)   # gold files with no record

    def f1(self) -> dict[str, float]:
        out = {}
        for fam in sorted(set(self.tp) | set(self.fp) | set(self.fn)):
            tp, fp, fn = self.tp[fam], self.fp[fam], self.fn[fam]
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            out[fam] = 2 * p * r / (p + r) if p + r else 0.0
        return out

    def macro(self) -> float:
        f1 = self.f1()
        return sum(f1.values()) / len(f1) if f1 else 0.0


def tally(scorer: ModuleType, gold_files: list[pathlib.Path], records: list[dict]) -> Tally:
    """score.py's matching (gold stem == record source stem) and its `facts`, as numbers."""
    by_stem = {pathlib.Path((r.get("source") or {}).get("path") or "").stem: r for r in records}
    t = Tally()
    for g in sorted(gold_files):
        gold = json.loads(g.read_text(encoding="utf-8"))
        pred = by_stem.get(g.stem)
        if pred is None:
            t.unmatched.append(g.stem)
        scored = gold.get("departments_scored", True)
        G = scorer.facts(gold, gold_side=True, scored_departments=scored)
        P = scorer.facts(pred, scored_departments=scored) if pred else Counter()
        for key in sorted(set(G) | set(P), key=repr):
            fam, m = key[0], min(G[key], P[key])
            t.tp[fam] += m
            t.fn[fam] += G[key] - m
            t.fp[fam] += P[key] - m
            if G[key] > m:
                t.misses.append(f"{g.stem}: missing {key}")
            if P[key] > m:
                t.misses.append(f"{g.stem}: extra   {key}")
    return t


def run_score_py(scorer: ModuleType, gold_dir: pathlib.Path, records: list[dict], verbose: bool) -> None:
    """Write the records as JSONL and let score.py's own main() print its table."""
    with tempfile.TemporaryDirectory(prefix="score_corpus_") as tmp:
        jsonl = pathlib.Path(tmp) / "records.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        argv = [str(SCORER), str(gold_dir), str(jsonl)] + (["--verbose"] if verbose else [])
        saved, sys.argv = sys.argv, argv
        try:
            scorer.main()
        finally:
            sys.argv = saved


@contextlib.contextmanager
def selected_gold(gold_dir: pathlib.Path, pattern: str):
    """A gold folder holding only the files matching `pattern`, or any of its comma-separated
    patterns (score.py scores every file it finds)."""
    if pattern == "*":
        yield gold_dir
        return
    with tempfile.TemporaryDirectory(prefix="score_gold_") as tmp:
        for g in {g for p in pattern.split(",") for g in gold_dir.glob(p + ".json" if not p.endswith(".json") else p)}:
            (pathlib.Path(tmp) / g.name).symlink_to(g.resolve())
        yield pathlib.Path(tmp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", action="store_true", help="also list every missing and extra fact")
    ap.add_argument("--only", choices=sorted(SETS), help="score one set only")
    ap.add_argument("--pdf", action="store_true", help="print each text notice to PDF (scripts/render_pdfs.py) and score that")
    ap.add_argument("--glob", default="*", help="dev-corpus stems to score, e.g. '0[1-9]_*' (default: all; seeds always all); "
                    "with --published, the published stems, several split by commas, e.g. 'p0[89]_*,p1[0-5]_*'")
    ap.add_argument("--published", action="store_true",
                    help="score tests/devcorpus/published (files as served) and their plain texts instead")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `| head` ends the output quietly, no traceback
    scorer = load_scorer()
    if args.published:
        return score_published(scorer, args.verbose, args.glob)
    for name in [args.only] if args.only else list(SETS):
        notices, gold_dir = SETS[name]
        if not notices.is_dir() or not gold_dir.is_dir():
            print(f"== {name}: {notices} or {gold_dir} missing, skipped")
            continue
        pattern = args.glob if name == "devcorpus" else "*"
        records, errors = extract_folder(notices, pattern + ("" if pattern.endswith((".txt", ".pdf")) else ".*"), args.pdf)
        print(f"== {name}: {len(records)} notices in {notices.relative_to(ROOT.parent)}")
        for e in errors:
            print(f"error: {e}")
        with selected_gold(gold_dir, pattern) as gold:
            run_score_py(scorer, gold, records, args.verbose)
        print()
    return 0


def score_published(scorer: ModuleType, verbose: bool, pattern: str = "*") -> int:
    """score.py's table for the published files, then for their plain texts, then macro-F1 per
    notice side by side (file vs plain text); `pattern` selects notices by stem (every file is
    still extracted, so attachments are grouped as they are for the whole folder)."""
    gold_dir = PUBLISHED / "gold"
    gold = sorted({g for p in pattern.split(",") for g in gold_dir.glob(p + ".json")})
    stems = {g.stem for g in gold}
    per_stem = {}
    for label, (records, errors) in (("published files", extract_published()), ("plain texts", extract_plain())):
        if pattern != "*":
            records = [r for r in records if pathlib.Path(r["source"]["path"]).stem in stems]
        print(f"== {label}: {len(records)} notices")
        for e in errors:
            print(f"error: {e}")
        with selected_gold(gold_dir, pattern) as selected:
            run_score_py(scorer, selected, records, verbose)
        by_stem = {pathlib.Path(r["source"]["path"]).stem: r for r in records}
        for g in gold:
            per_stem.setdefault(g.stem, []).append(tally(scorer, [g], [by_stem[g.stem]] if g.stem in by_stem else []).macro())
        print()
    print(f"{'notice':28} {'file':>6} {'plain':>6}")
    for stem, (f, p) in per_stem.items():
        print(f"{stem:28} {f:6.3f} {p:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
