"""Run pathological texts through extraction, each in a forked child; print one JSON line each.

    python tests/bounded_runner.py CASES.yaml [ID ...]

The parent imports and warms the extractors once, then forks a child per case, so every child
starts from the same baseline and its peak RSS and CPU time (`ru_maxrss`, `ru_utime + ru_stime`
from wait4) are the case's own. (A forked child's RSS counts the parent's pages it maps or
touches, not the parent's file-backed pages it never reads: its baseline is some tens of MB
below a fresh process's. tests/test_bounded.py measures a whole fresh process separately.) CPU time rather than wall time, because the machine's other processes stretch the
wall time, not the work. A child stops at NOTICEFLOW_CPU_CAP seconds of CPU (RLIMIT_CPU, 60)
or NOTICEFLOW_KILL_AFTER seconds of wall time (600), reported as such.
"""
from __future__ import annotations

import json
import os
import pathlib
import resource
import select
import signal
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
SEED = SEEDS[0]
PIECES = {"@seed": SEED, "@seeds": "\n\n".join(SEEDS), "@head": SEED[:400],
          "@seed-line": SEED.replace("\n", "")}
CPU_CAP_S = int(os.environ.get("NOTICEFLOW_CPU_CAP", 60))       # RLIMIT_CPU of each child
KILL_AFTER_S = float(os.environ.get("NOTICEFLOW_KILL_AFTER", 600))  # wall clock, a last resort


def build(case: dict) -> str:
    out = []
    for piece, times in case["parts"]:
        if piece in PIECES:
            out.append(PIECES[piece] * times)
        elif "{i}" in piece:
            out.append("".join(piece.replace("{i}", str(i)) for i in range(1, times + 1)))
        else:
            out.append(piece * times)
    text = "".join(out)
    return text[: case["length"]] if case.get("length") else text


def extract(raw: str) -> dict:
    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.schemas import Source

    text = canonicalize(raw)
    record = build_record(text, Source(path="x.txt", format="txt", encoding="utf-8", size_bytes=0), "0" * 64)
    data = json.dumps(record.model_dump(mode="json"), ensure_ascii=False)
    return {"chars": len(raw), "json_chars": len(data), "leadership": len(record.leadership),
            "flags": sorted({f.code for f in record.flags})}


CALIBRATION = "_calibration"


def calibrate(rounds: int = 8) -> float:
    """CPU milliseconds per seed notice of `extract` here and now: how fast this machine is at
    the moment (the same work bench_extract times), for the test to scale its limits by."""
    t0 = time.process_time()
    for _ in range(rounds):
        for text in SEEDS:
            extract(text)
    return 1000 * (time.process_time() - t0) / (rounds * len(SEEDS))


def run_forked(case: dict) -> dict:
    raw = build(case)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: extract, report, exit without running the parent's cleanup
        os.close(r)
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_CAP_S, CPU_CAP_S + 5))  # SIGXCPU, then SIGKILL
        try:
            t0 = time.perf_counter()
            result = extract(raw)
            result["seconds"] = round(time.perf_counter() - t0, 3)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            result = {"error": f"{type(e).__name__}: {e}"[:300]}
        os.write(w, json.dumps(result).encode())
        os._exit(0)
    os.close(w)
    ready, _, _ = select.select([r], [], [], KILL_AFTER_S)
    if not ready:
        os.kill(pid, 9)
    payload = b""
    while ready and (chunk := os.read(r, 65536)):
        payload += chunk
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    if payload:
        result = json.loads(payload)
    elif not ready:
        result = {"error": f"killed after {KILL_AFTER_S:g} s of wall time"}
    elif os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        result = {"error": f"stopped at its CPU limit ({CPU_CAP_S} s)"}
    else:
        result = {"error": f"child died (status {status})"}
    result["rss_mb"] = round(usage.ru_maxrss / 1024)
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    return result


def main() -> None:
    spec = yaml.safe_load(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    wanted = set(sys.argv[2:])
    extract(SEED)  # warm: vocabularies, the spaCy matcher and division tables exist before the fork
    print(json.dumps({"id": CALIBRATION, "ms_per_notice": calibrate()}), flush=True)
    for case in spec["cases"]:
        if not wanted or case["id"] in wanted:
            print(json.dumps({"id": case["id"], **run_forked(case)}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
