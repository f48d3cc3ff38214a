"""Benchmark the shared warehouse (warehouse.access): what a reader pays, alone and during an ingest.

    python scripts/bench_sharing.py [--base 4000] [--ingest 2000] [--readers 4] [--dir /tmp/nf_share]

Builds a warehouse of `--base` generated notices (kept in --dir for the next run), then prints:
the cost of one statement on the process that owns the file and on another process (the Unix
socket round trip); a notice page's reads (`warehouse.corrections` extraction, log, statuses)
from `--readers` processes, quiet and while `noticeflow ingest` loads `--ingest` more notices
into a copy; and the needs-re-review queue. Loopback only, bounded by the ingest's length.
Run `taskset -c 0 python scripts/bench_extract.py` next to it to scale the figures.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pathlib
import random
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gen_synthetic import generate  # noqa: E402

WINDOW_S = 45.0  # how long the readers read, quiet or during the ingest


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def figures(name: str, lat: list[float]) -> str:
    return (f"{name}: {len(lat)} reads, p50 {pct(lat, .5):.0f} ms, p95 {pct(lat, .95):.0f} ms, "
            f"max {max(lat) * 1000:.0f} ms")


def reader(db: str, keys: list[str], until: float, out) -> None:
    from noticeflow.warehouse import access
    from noticeflow.warehouse import corrections as log

    rnd, lat = random.Random(os.getpid()), []
    while time.time() < until:
        key = rnd.choice(keys)
        t0 = time.perf_counter()
        with access.connect(db, read_only=True) as con:
            log.extraction(con, key)
            log.load(con, key)
            log.statuses(con)
        lat.append(time.perf_counter() - t0)
        time.sleep(rnd.uniform(0.02, 0.1))
    out.put(lat)


def read_for(db: str, keys: list[str], n: int, seconds: float) -> list[float]:
    q = mp.get_context("spawn").Queue()
    until = time.time() + seconds
    ps = [mp.get_context("spawn").Process(target=reader, args=(db, keys, until, q)) for _ in range(n)]
    for p in ps:
        p.start()
    lat = [x for _ in ps for x in q.get()]
    for p in ps:
        p.join()
    return lat


def round_trips(db: str) -> None:
    """One statement on the owner's own session, and from a second process through the socket."""
    from noticeflow.warehouse import access

    code = ("import sys, time\nfrom noticeflow.warehouse import access\n"
            "con = access.connect(sys.argv[1], read_only=True)\n"
            "t0 = time.perf_counter()\n"
            "for _ in range(500): con.execute('SELECT 1').fetchall()\n"
            "print((time.perf_counter() - t0) / 500 * 1000)\n")
    with access.connect(db, read_only=True) as con:
        t0 = time.perf_counter()
        for _ in range(500):
            con.execute("SELECT 1").fetchall()
        local = (time.perf_counter() - t0) / 500 * 1000
        remote = float(subprocess.run([sys.executable, "-c", code, db], capture_output=True, text=True,
                                      check=True).stdout)
    print(f"SELECT 1 + fetch: {local:.2f} ms on the owner's session, {remote:.2f} ms from another process")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=int, default=4000)
    ap.add_argument("--ingest", type=int, default=2000)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--dir", type=pathlib.Path, default=pathlib.Path("/tmp/nf_share"))
    a = ap.parse_args()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    base_db = a.dir / f"base{a.base}.duckdb"
    if not base_db.exists():
        generate(a.base, a.dir / f"notices{a.base}", seed=7)
        subprocess.run([sys.executable, "-m", "noticeflow", "ingest", str(a.dir / f"notices{a.base}"),
                        "--db", str(base_db)], env=env, check=True, capture_output=True)
    more = a.dir / f"more{a.ingest}"
    if not more.exists():
        generate(a.ingest, more, seed=11)
    db = str(a.dir / "shared.duckdb")
    for f in (db, db + ".wal"):
        if os.path.exists(f):
            os.remove(f)
    shutil.copy(base_db, db)

    from noticeflow.warehouse import access
    from noticeflow.warehouse import corrections as log

    with access.connect(db, read_only=True) as con:
        keys = [k for (k,) in con.execute("SELECT path FROM documents").fetchall()]
        t0 = time.perf_counter()
        log.needs_review_items(con)
        queue = time.perf_counter() - t0
    print(f"warehouse of {len(keys)} notices; needs-re-review queue {queue * 1000:.0f} ms")
    round_trips(db)
    print(figures(f"{a.readers} readers, quiet", read_for(db, keys, a.readers, WINDOW_S)))
    ingest = subprocess.Popen([sys.executable, "-m", "noticeflow", "ingest", str(more), "--db", db],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    lat = read_for(db, keys, a.readers, WINDOW_S)
    out, err = ingest.communicate()
    print(figures(f"{a.readers} readers during the ingest of {a.ingest}", lat))
    print("ingest:", (out.strip().splitlines() or [err.strip()[-300:]])[0])
    if ingest.returncode:
        sys.exit(f"the ingest failed: {err.strip()[-500:]}")


if __name__ == "__main__":
    main()
