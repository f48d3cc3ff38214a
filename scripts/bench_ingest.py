"""Benchmark `noticeflow ingest` end to end: N synthetic notices, then a re-ingest of the same.

    python scripts/bench_ingest.py [--n 10000] [--dir /tmp/nf_bench] [--workers 2]

Runs the real CLI in a subprocess (Prefect's temporary API included) and prints wall time, peak
RSS (getrusage of children, plus the sampled sum over the process tree: main + workers), and
the share of wall time spent in Prefect overhead, waiting for extraction, and loading.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gen_synthetic import generate  # noqa: E402


def _is_api_server(pid: int) -> bool:
    """Prefect's temporary API: a `python -m uvicorn ... prefect.server` child of the CLI."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"uvicorn" in fh.read()
    except OSError:
        return False


def tree_rss_kb(pid: int) -> tuple[int, int, int]:
    """Sum of VmRSS over a process and all its descendants (Linux /proc), as (whole tree,
    the main process alone, Prefect's temporary API server process)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as fh:
                info = dict(line.split(":", 1) for line in fh if ":" in line)
            p = int(d)
            children.setdefault(int(info["PPid"]), []).append(p)
            rss[p] = int(info.get("VmRSS", "0 kB").split()[0])
        except (OSError, ValueError, KeyError):
            continue
    total, server, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        if p != pid and _is_api_server(p):
            server += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total, rss.get(pid, 0), server


def run_ingest(folder: pathlib.Path, db: pathlib.Path, workers: int | None, cwd: pathlib.Path):
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(folder), "--db", str(db), "--json"]
    if workers:
        cmd += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    peak = [0, 0, 0, 0]  # tree, main, server, tree without the server
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)

    def sample() -> None:
        while proc.poll() is None:
            tree, main, server = tree_rss_kb(proc.pid)
            peak[0] = max(peak[0], tree)
            peak[1] = max(peak[1], main)
            peak[2] = max(peak[2], server)
            peak[3] = max(peak[3], tree - server)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}): {err.strip()[-800:]}")
    summary = json.loads(out.strip().splitlines()[-1])
    return wall, peak, summary


def report(label: str, wall: float, peak: list[int], s: dict) -> None:
    t = s["timings"]
    io = t["discover"] + t["hash"] + t["plan"]
    ext, load = t["extract_wait"], t["load"] + t["changes"]
    overhead = max(0.0, wall - io - ext - load)
    pct = lambda x: f"{100 * x / wall:5.1f}%"  # noqa: E731
    print(f"\n== {label}: {wall:.1f} s wall, {s['discovered']} files, ingested {s['ingested']}, "
          f"unchanged {s['unchanged']}, quarantined {s['quarantined']}")
    print(f"   peak RSS (sampled): process tree {peak[0] / 1024:.0f} MB; without Prefect's temporary "
          f"API server {peak[3] / 1024:.0f} MB; main process {peak[1] / 1024:.0f} MB; "
          f"API server {peak[2] / 1024:.0f} MB")
    if s.get("prefect"):
        print(f"   Prefect flow run {s['prefect']} (CLI fast path)")
    print(f"   Prefect overhead (startup, task runs, API, artifact): {overhead:6.1f} s {pct(overhead)}")
    print(f"   discover + sha256 + plan:                            {io:6.1f} s {pct(io)}")
    print(f"   waiting for extraction (workers busy):                {ext:6.1f} s {pct(ext)}")
    print(f"   loading into DuckDB (+ changes):                      {load:6.1f} s {pct(load)}")
    own = t["load"] - t.get("corrections", 0.0)
    print(f"     of which: warehouse load {own:.1f} s, corrections.effective_record "
          f"{t.get('corrections', 0.0):.1f} s, changes.load_changes {t['changes']:.1f} s")
    print(f"   worker CPU: read {t['worker_read']:.1f} s, extract {t['worker_extract']:.1f} s, "
          f"validate+flatten {t['worker_validate']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dir", type=pathlib.Path, default=None, help="reuse/generate notices here")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="nf_bench_"))
    folder = args.dir or work / "notices"
    if not folder.exists() or not any(folder.rglob("*.txt")):
        t0 = time.perf_counter()
        generate(args.n, folder)
        print(f"generated {args.n} notices in {time.perf_counter() - t0:.1f} s -> {folder}")
    db = work / "bench.duckdb"
    try:
        first = run_ingest(folder, db, args.workers, work)
        report("first ingest", *first)
        again = run_ingest(folder, db, args.workers, work)
        report("re-ingest", *again)
        maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"\npeak RSS of the largest process (getrusage children): {maxrss / 1024:.0f} MB")
        print(f"targets: first <= 120 s: {first[0]:.1f} s; re-ingest <= 10 s: {again[0]:.1f} s; "
              f"RSS <= 1024 MB: {max(first[1][0], again[1][0]) / 1024:.0f} MB (tree), "
              f"{max(first[1][3], again[1][3]) / 1024:.0f} MB (main + workers, without the API server)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
