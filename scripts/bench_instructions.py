"""Instructions per document of extraction, counted by callgrind: the same count on every run,
whatever else the machine is doing (the docs/s of bench_extract move by a factor of three with
the machine's load, so two trees are compared by this count).

    python scripts/bench_instructions.py [--rounds 4]     # needs valgrind, gcc, valgrind's headers

Extracts the corpus/*.txt seeds once (warm-up: lazy tables, compiled patterns), then `rounds`
times more with callgrind's instrumentation switched on only around that loop (a two-function C
helper loaded with ctypes issues the client requests), and prints the count per document.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
HELPER = """#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS_AT("measured"); }
"""


def _loop(helper: str, rounds: int) -> None:
    """Run inside valgrind: warm up, then the counted rounds."""
    import ctypes

    sys.path.insert(0, str(ROOT))
    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.readers import read_document

    files = sorted((ROOT / "corpus").glob("*.txt"))

    def once() -> None:
        for f in files:
            d = read_document(f)
            build_record(canonicalize(d.raw_text), d.source, d.doc_id, d.flags)

    once()
    cg = ctypes.CDLL(helper)
    cg.cg_start()
    for _ in range(rounds):
        once()
    cg.cg_stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=4, help="counted passes over the seeds (default 4)")
    ap.add_argument("--inner", nargs=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.inner:
        _loop(args.inner[0], args.rounds)
        return 0
    missing = [t for t in ("valgrind", "gcc") if not shutil.which(t)]
    if missing or not pathlib.Path("/usr/include/valgrind/callgrind.h").is_file():
        sys.exit(f"bench_instructions: needs valgrind, gcc and valgrind's headers ({', '.join(missing) or 'callgrind.h'} missing)")
    n_docs = args.rounds * len(list((ROOT / "corpus").glob("*.txt")))
    with tempfile.TemporaryDirectory(prefix="nf_cg_") as tmp:
        src, lib = pathlib.Path(tmp) / "cg.c", pathlib.Path(tmp) / "cg.so"
        src.write_text(HELPER)
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
        out = pathlib.Path(tmp) / "callgrind.out"
        env = dict(os.environ, PYTHONHASHSEED="0")  # set and dict orders fixed: the count repeats
        subprocess.run(["valgrind", "--tool=callgrind", "--cache-sim=no", "--instr-atstart=no",
                        f"--callgrind-out-file={out}.%p", sys.executable, __file__, "--rounds", str(args.rounds),
                        "--inner", str(lib)], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dumps = sorted(pathlib.Path(tmp).glob("callgrind.out.*.1"))
        total = int(re.search(r"^totals: (\d+)", dumps[0].read_text(), re.M).group(1)) if dumps else 0
    if not total:
        sys.exit("bench_instructions: callgrind wrote no measured dump")
    print(f"{n_docs} documents: {total / n_docs / 1e6:.2f} M instructions per document ({total:,} in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
