"""Extraction time and peak memory against text length: is every extractor linear?

    taskset -c 0 python scripts/bench_scaling.py [--max-mb 10] [--shape lines|one-line|both]

Why: a notice is a few KB, but crawls and conversions produce files of megabytes (notices
pasted together, pages without line breaks); a path quadratic in the text turns those into
hours and gigabytes. For 10 KB -> 10 MB (UTF-8) of realistic notice text (the seed notices
varied as scripts/gen_synthetic.py varies them, concatenated; `one-line`: with their line
breaks removed) this runs canonicalize + build_record + JSON once per size, each in a forked
child (so each peak RSS is its own), and prints CPU time, microseconds per character and peak
RSS; then the slope of log(CPU) against log(length) over the sizes from 100 KB up: 1.0 is
linear, 2.0 quadratic. Exit status 1 when a slope exceeds --max-slope (1.25).

Figures are CPU seconds of the child (wall time is printed too: on a shared machine it runs
ahead of the CPU time); run `taskset -c 0 python scripts/bench_extract.py` beside it to scale.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import random
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gen_synthetic import SEEDS, load_counties, seed_county, vary  # noqa: E402

SIZES_KB = (10, 30, 100, 300, 1_000, 3_000, 10_000)
FIT_FROM_KB = 100  # below this, fixed costs (a Doc, the checks) hide the slope


def notice_text(n_bytes: int, one_line: bool, seed: int = 7) -> str:
    """Varied seed notices, concatenated until the UTF-8 text holds `n_bytes`."""
    rng = random.Random(seed)
    counties = load_counties()
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    own = [seed_county(t, counties) for t in seeds]
    parts, size, i = [], 0, 0
    while size < n_bytes:
        text = vary(seeds[i % len(seeds)], own[i % len(seeds)], rng, counties)
        if one_line:
            text = text.replace("\n", "")
        parts.append(text + ("" if one_line else "\n\n"))
        size += len(parts[-1].encode())
        i += 1
    return "".join(parts).encode()[:n_bytes].decode("utf-8", "ignore")


def extract(raw: str) -> None:
    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.schemas import Source

    text = canonicalize(raw)
    record = build_record(text, Source(path="bench.txt", format="txt", encoding="utf-8", size_bytes=len(raw)), "0" * 64)
    json.dumps(record.model_dump(mode="json"), ensure_ascii=False)


def measure(kb: int, one_line: bool) -> dict:
    """One size in a forked child: its CPU and wall time of extraction, and its peak RSS."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        raw = notice_text(kb * 1000, one_line)
        t0, c0 = time.perf_counter(), time.process_time()
        extract(raw)
        result = {"chars": len(raw), "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}
        os.write(w, json.dumps(result).encode())
        os._exit(0)
    os.close(w)
    payload = b""
    while chunk := os.read(r, 65536):
        payload += chunk
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    if not payload:
        raise SystemExit(f"the child for {kb} KB died (status {status})")
    return {**json.loads(payload), "rss_mb": usage.ru_maxrss / 1024}


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(y) against log(x)."""
    xs, ys = [math.log(x) for x, _ in points], [math.log(max(y, 1e-6)) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def run(shape: str, max_kb: int) -> float:
    one_line = shape == "one-line"
    print(f"\n{shape}: canonicalize + build_record + JSON, one forked child per size")
    print(f"{'UTF-8':>9} {'chars':>10} {'CPU s':>8} {'wall s':>8} {'µs/char':>8} {'peak RSS MB':>12}")
    points = []
    for kb in (k for k in SIZES_KB if k <= max_kb):
        m = measure(kb, one_line)
        label = f"{kb / 1000:g} MB" if kb >= 1000 else f"{kb} KB"
        print(f"{label:>9} {m['chars']:>10,} {m['cpu']:>8.2f} {m['wall']:>8.2f} "
              f"{1e6 * m['cpu'] / m['chars']:>8.2f} {m['rss_mb']:>12.0f}", flush=True)
        if kb >= FIT_FROM_KB:
            points.append((m["chars"], m["cpu"]))
    s = slope(points) if len(points) >= 2 else float("nan")
    print(f"slope of log(CPU) on log(length), {FIT_FROM_KB} KB and up: {s:.2f} (1 = linear, 2 = quadratic)")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-mb", type=float, default=10)
    ap.add_argument("--shape", choices=("lines", "one-line", "both"), default="both")
    ap.add_argument("--max-slope", type=float, default=1.25)
    args = ap.parse_args()
    extract(notice_text(10_000, False))  # warm: vocabularies and the spaCy matcher before the forks
    shapes = ("lines", "one-line") if args.shape == "both" else (args.shape,)
    slopes = {shape: run(shape, int(args.max_mb * 1000)) for shape in shapes}
    bad = {k: v for k, v in slopes.items() if not v <= args.max_slope}
    if bad:
        print(f"NOT LINEAR: {bad} (slope > {args.max_slope})")
        raise SystemExit(1)
    print(f"linear: every slope <= {args.max_slope}")


if __name__ == "__main__":
    main()
