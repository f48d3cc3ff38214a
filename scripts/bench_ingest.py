"""Benchmark `noticeflow ingest` end to end: N synthetic notices, then a re-ingest of the same.

    python scripts/bench_ingest.py [--n 10000] [--dir /tmp/nf_bench] [--workers 2]

Runs the real CLI in a subprocess (Prefect's temporary API included) and prints wall time, peak
memory (the main process's RSS from getrusage, what `/usr/bin/time -v` reports, and the whole
process tree sampled from /proc: PSS, which counts pages the forked workers share once, and the
plain sum of RSS, which counts them in every process), and the share of wall time spent in
Prefect overhead, waiting for extraction, and loading.
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
    """Prefect's temporary API: the `python -m noticeflow.flows.prefect_api ...` child of the CLI."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"prefect.server.api.server" in fh.read()
    except OSError:
        return False


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (libraries, files mapped by several processes) are
    split between the processes sharing them, so a sum over the tree counts each page once,
    unlike a sum of RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> dict[str, int]:
    """Memory of a process and all its descendants (Linux /proc), in kB: `tree` (sum of VmRSS),
    `main` (the CLI process alone), `server` (Prefect's temporary API server), `pss` (sum of
    PSS over the tree) and `pss_no_server`."""
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
    out = {"tree": 0, "main": rss.get(pid, 0), "server": 0, "pss": 0, "pss_no_server": 0}
    stack = [pid]
    while stack:
        p = stack.pop()
        pss = _pss_kb(p)
        out["tree"] += rss.get(p, 0)
        out["pss"] += pss
        if p != pid and _is_api_server(p):
            out["server"] += rss.get(p, 0)
        else:
            out["pss_no_server"] += pss
        stack.extend(children.get(p, []))
    return out


def run_ingest(folder: pathlib.Path, db: pathlib.Path, workers: int | None, cwd: pathlib.Path):
    cmd = [sys.executable, "-m", "noticeflow", "ingest", str(folder), "--db", str(db), "--json"]
    if workers:
        cmd += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    peak = dict.fromkeys(("tree", "main", "server", "tree_no_server", "pss", "pss_no_server"), 0)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)

    def sample() -> None:
        while proc.poll() is None:
            now = tree_rss_kb(proc.pid)
            now["tree_no_server"] = now["tree"] - now["server"]
            for k, v in now.items():
                peak[k] = max(peak[k], v)
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


def report(label: str, wall: float, peak: dict[str, int], s: dict) -> None:
    t = s["timings"]
    io = t["discover"] + t["hash"] + t["plan"]
    ext, load = t["extract_wait"], t["load"] + t["changes"]
    overhead = max(0.0, wall - io - ext - load)
    pct = lambda x: f"{100 * x / wall:5.1f}%"  # noqa: E731
    print(f"\n== {label}: {wall:.1f} s wall, {s['discovered']} files, ingested {s['ingested']}, "
          f"unchanged {s['unchanged']}, quarantined {s['quarantined']}")
    mb = {k: f"{v / 1024:.0f} MB" for k, v in peak.items()}
    print(f"   peak memory (sampled every 0.25 s): main process RSS {mb['main']}; process tree "
          f"PSS {mb['pss']} ({mb['pss_no_server']} without Prefect's temporary API server); "
          f"sum of RSS {mb['tree']} ({mb['tree_no_server']} without it; the server alone {mb['server']})")
    if s.get("prefect"):
        print(f"   Prefect flow run {s['prefect']} (CLI fast path)")
    print(f"   Prefect overhead (startup, task runs, API, artifact): {overhead:6.1f} s {pct(overhead)}")
    print(f"   discover + sha256 + plan:                            {io:6.1f} s {pct(io)}")
    print(f"   waiting for extraction (workers busy):                {ext:6.1f} s {pct(ext)}")
    print(f"   loading into DuckDB (+ changes):                      {load:6.1f} s {pct(load)}")
    own = t["load"] - t.get("corrections", 0.0)
    print(f"     of which: warehouse load {own:.1f} s, corrections.effective_record "
          f"{t.get('corrections', 0.0):.1f} s, changes.load_changes {t['changes']:.1f} s")
    if s.get("changes_error"):
        print(f"   CHANGES STAGE STOPPED: {s['changes_error']}")
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
        worst = {k: max(first[1][k], again[1][k]) / 1024 for k in first[1]}
        print(f"targets: first <= 120 s: {first[0]:.1f} s; re-ingest <= 10 s: {again[0]:.1f} s; "
              f"peak memory <= 1024 MB: main process {maxrss / 1024:.0f} MB RSS; whole process tree "
              f"{worst['pss']:.0f} MB PSS ({worst['pss_no_server']:.0f} MB without the temporary API "
              f"server), {worst['tree']:.0f} MB summed RSS")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
