"""Score notices read from scans and photos against the same gold as their text.

Each notice (the seeds and tests/devcorpus/notices) is rendered by scripts/render_scans.py as an
image-only PDF and a PNG photo, read back through the reader (OCR) and the extractors, and
scored with /work/shared/tools/score.py's facts. Prints one line per notice (macro-F1 of text,
scan PDF, photo) and the per-family F1 table per corpus and format; exit status 1 if a scan is
more than --tolerance below its text, or if an evidence quote is not text[start:end].

usage: python scripts/score_scans.py [--jobs 2] [--ci] [NOTICE.txt ...]
  --ci: the CI selection (every seed and the dev-corpus notices named in CI_DEV).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing as mp
import pathlib
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = ROOT / "tests" / "devcorpus"
FORMATS = ("text", "scan", "photo")
sys.path.insert(0, str(ROOT / "scripts"))


def _score_module():
    spec = importlib.util.spec_from_file_location("score", SHARED / "tools" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# The CI selection of the dev corpus (tests/test_scans.py): named, so that adding notices to the
# corpus does not change what CI checks; each of another province, and between them a joint
# notice, an OCR'd text, a CMS export with pipe tables, a half-width space-aligned quota table, a
# non-notice with a table, long aligned leadership, a 万人 quota table and a letter-spaced title.
CI_DEV = ("01_hubei_yunxi_2024", "04_gansu_jingyuan_2022", "08_guangdong_zijin_2025",
          "102_qinghai_huzhu_2024", "106_tianjin_jizhou_2024", "19_heilongjiang_wangkui_2024",
          "23_anhui_yuexi_2024", "29_xinjiang_wensu_2025")


def notices(ci: bool = False) -> list[tuple[str, pathlib.Path, pathlib.Path]]:
    """(corpus, notice, gold) of the seeds and the dev corpus; `ci`: the dev notices of CI_DEV."""
    seeds = [("seeds", p, SHARED / "gold" / f"{p.stem}.json") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    dev = [("dev", p, DEV / "gold" / f"{p.stem}.json") for p in sorted((DEV / "notices").glob("*.txt"))
           if (DEV / "gold" / f"{p.stem}.json").is_file() and (not ci or p.stem in CI_DEV)]
    return [s for s in seeds if s[2].is_file()] + dev


def read_all(item: tuple[str, pathlib.Path, pathlib.Path]) -> dict:
    """One notice in the three formats -> {format: record JSON or error line}."""
    import render_scans
    from noticeflow.flows.extract import extract_file
    from noticeflow.schemas.errors import NoticeflowError

    corpus, txt, gold = item
    out = {"corpus": corpus, "name": txt.stem, "gold": str(gold)}
    with tempfile.TemporaryDirectory() as tmp:
        pdf, png = render_scans.render(txt, pathlib.Path(tmp))
        for fmt, path in zip(FORMATS, (txt, pdf, png)):
            try:
                out[fmt] = extract_file(path).model_dump(mode="json")
            except NoticeflowError as e:
                out[fmt] = str(e)
    return out


def run(items: list, jobs: int = 2, save: pathlib.Path | None = None) -> list[dict]:
    """Every notice read in `jobs` processes; with `save`, each result is appended there as it
    comes (a long run can be reported on with --load before it ends)."""
    out = []
    # Not a multiprocessing.Pool: its daemonic workers may not fork the reader's killable child.
    with ProcessPoolExecutor(max(1, jobs), mp_context=mp.get_context("fork")) as pool:
        for result in pool.map(read_all, items):
            out.append(result)
            if save:
                with open(save, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return out


def facts_of(score, record, gold: dict, misses: list | None = None) -> tuple[Counter, Counter, Counter]:
    scored = gold.get("departments_scored", True)
    G = score.facts(gold, gold_side=True, scored_departments=scored)
    P = score.facts(record, scored_departments=scored) if isinstance(record, dict) else Counter()
    tp, fp, fn = Counter(), Counter(), Counter()
    for key in set(G) | set(P):
        m = min(G[key], P[key])
        tp[key[0]] += m
        fp[key[0]] += P[key] - m
        fn[key[0]] += G[key] - m
        if misses is not None and G[key] != P[key]:
            misses.append(f"{'missing' if G[key] > m else 'extra  '} {key}")
    return tp, fp, fn


def f1(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def macro(tp: Counter, fp: Counter, fn: Counter) -> float:
    fams = set(tp) | set(fp) | set(fn)
    return sum(f1(tp[f], fp[f], fn[f]) for f in fams) / len(fams) if fams else 0.0


def bad_evidence(record) -> list[str]:
    """Evidence spans whose quote is not text[start:end]."""
    if not isinstance(record, dict):
        return []
    text, bad = record["text"], []

    def walk(x):
        if isinstance(x, dict):
            if {"start", "end", "quote"} <= set(x) and isinstance(x["start"], int):
                if text[x["start"]:x["end"]] != x["quote"]:
                    bad.append(f"{x['start']}:{x['end']} {x['quote']!r}")
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk({k: v for k, v in record.items() if k != "text"})
    return bad


def corpus_macros(results: list[dict]) -> dict[tuple[str, str], float]:
    """(corpus, format) -> macro-F1 over the corpus's notices in that format (facts pooled)."""
    score = _score_module()
    totals: dict[tuple[str, str], list[Counter]] = defaultdict(lambda: [Counter(), Counter(), Counter()])
    for r in results:
        gold = json.loads(pathlib.Path(r["gold"]).read_text(encoding="utf-8"))
        for fmt in FORMATS:
            for acc, c in zip(totals[(r["corpus"], fmt)], facts_of(score, r[fmt], gold, [])):
                acc.update(c)
    return {k: macro(*v) for k, v in totals.items()}


def report(results: list[dict], tolerance: float = 0.10, verbose: bool = False) -> tuple[str, list[str]]:
    """The printed table and the list of failures."""
    score = _score_module()
    lines, failures = [f"{'notice':44} {'text':>6} {'scan':>6} {'photo':>6}"], []
    totals: dict[tuple[str, str], list[Counter]] = defaultdict(lambda: [Counter(), Counter(), Counter()])
    for r in results:
        gold = json.loads(pathlib.Path(r["gold"]).read_text(encoding="utf-8"))
        m = {}
        for fmt in FORMATS:
            misses: list[str] = []
            tp, fp, fn = facts_of(score, r[fmt], gold, misses)
            if verbose:
                lines += [f"  {r['name']} {fmt}: {m_}" for m_ in sorted(misses)]
            m[fmt] = macro(tp, fp, fn)
            for acc, c in zip(totals[(r["corpus"], fmt)], (tp, fp, fn)):
                acc.update(c)
            if not isinstance(r[fmt], dict):
                failures.append(f"{r['name']} {fmt}: {r[fmt]}")
            failures += [f"{r['name']} {fmt}: evidence {b}" for b in bad_evidence(r[fmt])]
        for fmt in ("scan", "photo"):
            if m[fmt] < m["text"] - tolerance:
                failures.append(f"{r['name']} {fmt}: macro-F1 {m[fmt]:.3f} < text {m['text']:.3f} - {tolerance}")
        lines.append(f"{r['corpus'] + '/' + r['name']:44} {m['text']:6.3f} {m['scan']:6.3f} {m['photo']:6.3f}")
    for corpus in sorted({c for c, _ in totals}):
        fams = sorted(set().union(*(set(totals[(corpus, f)][0]) | set(totals[(corpus, f)][2]) for f in FORMATS)))
        n = sum(1 for r in results if r["corpus"] == corpus)
        lines += ["", f"{corpus} ({n} notices): F1 per family", f"{'family':12} {'text':>6} {'scan':>6} {'photo':>6}"]
        for fam in fams + ["macro"]:
            row = []
            for fmt in FORMATS:
                tp, fp, fn = totals[(corpus, fmt)]
                row.append(macro(tp, fp, fn) if fam == "macro" else f1(tp[fam], fp[fam], fn[fam]))
            lines.append(f"{fam:12} " + " ".join(f"{v:6.3f}" for v in row))
    return "\n".join(lines), failures


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notices", nargs="*", type=pathlib.Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--verbose", action="store_true", help="list each missing and extra fact")
    ap.add_argument("--save", type=pathlib.Path, help="write the records (JSON lines) here")
    ap.add_argument("--load", type=pathlib.Path, help="report on records saved by --save (no OCR)")
    args = ap.parse_args(argv)
    items = notices(args.ci)
    if args.notices:
        wanted = {p.stem for p in args.notices}
        items = [i for i in items if i[1].stem in wanted]
    if args.load:
        results = [json.loads(ln) for ln in args.load.read_text(encoding="utf-8").splitlines() if ln.strip()]
    else:
        if args.save:
            args.save.write_text("", encoding="utf-8")
        results = run(items, args.jobs, args.save)
    table, failures = report(results, args.tolerance, args.verbose)
    print(table)
    if failures:
        print("\n" + "\n".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
