"""Extraction throughput on one process: the corpus text files repeated to >= N documents.

Why: the pipeline must keep up with a province's worth of notices on a laptop; this says how
many documents a second one core extracts and which extractor the time goes to.

usage: taskset -c 0 python scripts/bench_extract.py [--docs 500] [corpus_dir]
"""
from __future__ import annotations

import argparse
import itertools
import pathlib
import sys
import time
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from noticeflow.extractors import record as record_mod  # noqa: E402
from noticeflow.extractors.canonical import canonicalize  # noqa: E402
from noticeflow.extractors.record import PIPELINE, build_record  # noqa: E402
from noticeflow.readers import read_document  # noqa: E402


def timed(module, totals: dict):
    """Wrap `module.extract` so each call adds its duration to totals[module name]."""
    inner = module.extract
    name = module.__name__.rsplit(".", 1)[-1]

    def extract(text, ctx):
        t0 = time.perf_counter()
        try:
            return inner(text, ctx)
        finally:
            totals[name] += time.perf_counter() - t0

    return inner, extract


def run(files: list[pathlib.Path], n_docs: int) -> dict:
    totals: dict[str, float] = defaultdict(float)
    originals = {}
    for module in PIPELINE:
        originals[module], module.extract = timed(module, totals)
    check = record_mod.check

    def timed_check(rec):
        t0 = time.perf_counter()
        try:
            return check(rec)
        finally:
            totals["checks"] += time.perf_counter() - t0

    record_mod.check = timed_check
    try:
        build_record(canonicalize(read_document(files[0]).raw_text), read_document(files[0]).source, "0" * 64)  # warm-up
        totals.clear()
        t_start, cpu_start = time.perf_counter(), time.process_time()
        for path in itertools.islice(itertools.cycle(files), n_docs):
            t0 = time.perf_counter()
            doc = read_document(path)
            t1 = time.perf_counter()
            text = canonicalize(doc.raw_text)
            t2 = time.perf_counter()
            build_record(text, doc.source, doc.doc_id, doc.flags)
            totals["read"] += t1 - t0
            totals["canonicalize"] += t2 - t1
        wall = time.perf_counter() - t_start
        cpu = time.process_time() - cpu_start
    finally:
        for module, inner in originals.items():
            module.extract = inner
        record_mod.check = check
    return dict(wall=wall, cpu=cpu, totals=dict(totals), docs=n_docs)


def report(res: dict, n_files: int) -> str:
    wall, docs, totals = res["wall"], res["docs"], res["totals"]
    lines = [f"{docs} documents ({n_files} distinct files) in {wall:.2f} s: "
             f"{docs / wall:.1f} docs/s, {1000 * wall / docs:.2f} ms/doc",
             f"CPU time {res['cpu']:.2f} s: {docs / res['cpu']:.1f} docs/s of CPU "
             f"(wall above CPU means other processes share the core)"]
    accounted = sum(totals.values())
    totals["other (record validation)"] = max(wall - accounted, 0.0)
    lines.append(f"{'step (wall time)':28} {'ms/doc':>8} {'share':>7}")
    for name, t in sorted(totals.items(), key=lambda kv: -kv[1]):
        lines.append(f"{name:28} {1000 * t / docs:8.2f} {100 * t / wall:6.1f}%")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(ROOT / "corpus"))
    ap.add_argument("--docs", type=int, default=500, help="documents to extract (default 500)")
    args = ap.parse_args(argv)
    files = sorted(pathlib.Path(args.corpus).glob("*.txt"))
    if not files:
        sys.exit(f"bench_extract: no .txt notices in {args.corpus}")
    print(report(run(files, max(args.docs, len(files))), len(files)))


if __name__ == "__main__":
    main()
