"""Load benchmark of the review app: concurrent reviewers on loopback, with an ingest beside them.

    python scripts/bench_review.py --db W.duckdb [--clients 20] [--gets 2000] [--posts 200] [--ingest 1000]
    python scripts/bench_review.py --n 10000          # generates and ingests the warehouse first

Copies the warehouse to a temporary folder (the original is not written), starts
`noticeflow review` on 127.0.0.1 in a subprocess, and runs `--clients` threads, each a reviewer
with its own session: together they GET `--gets` pages (list pages with filters, search and
page numbers, and notice pages) and POST `--posts` corrections, each to a different notice's
fee, with the value their notice page showed. With `--ingest N`, N new synthetic notices are
ingested into the same warehouse by `noticeflow ingest` while the clients run. Prints p50/p95/max
latency of pages and saves, errors, and then checks that every save is in the warehouse.

Bounded: every request has a 60 s timeout, the run a 20-minute deadline, and only 127.0.0.1 is
contacted.
"""
from __future__ import annotations

import argparse
import http.client
import os
import pathlib
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import quote, urlencode

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
HOST = "127.0.0.1"
DEADLINE = 20 * 60
TIMEOUT = 60
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_FEE = re.compile(r'data-unit="fees\[0\]".*?name="o:amount" value="([^"]*)"', re.S)
_WHY = re.compile(r'id="unavailable">([^<]*)<')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "noticeflow", *args]


def env() -> dict:
    return {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(ROOT)}


def build_warehouse(n: int, folder: pathlib.Path) -> pathlib.Path:
    from gen_synthetic import generate

    src = folder / "notices"
    generate(n, src)
    db = folder / "bench.duckdb"
    t = time.perf_counter()
    subprocess.run(cli("ingest", str(src), "--db", str(db)), check=True, env=env(), timeout=DEADLINE)
    print(f"built a {n}-notice warehouse in {time.perf_counter() - t:.0f} s", flush=True)
    return db


class Reviewer:
    """One client: a keep-alive connection, its session cookie and CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{HOST}:{self.port}"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
                if attempt:
                    raise
        set_cookie = r.getheader("set-cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        m = _CSRF.search(text)
        if m:
            self.csrf = m.group(1)
        return r.status, text


def plan(keys: list[str], gets: int, posts: int, rng: random.Random) -> list[tuple]:
    """The work: page GETs (a third list pages, the rest notice pages) and one save per notice."""
    provinces = ["山西省", "河南省", "四川省", "云南省", "湖南省"]
    work: list[tuple] = []
    post_keys = rng.sample(keys, posts)
    for k in post_keys:  # the notice page a reviewer reads, then the save of its fee
        work.append(("save", k))
    for _ in range(gets - posts):
        r = rng.random()
        if r < 0.2:
            work.append(("get", "/?" + urlencode({"page": rng.randint(1, max(1, len(keys) // 50))})))
        elif r < 0.27:
            work.append(("get", "/?" + urlencode({"province": rng.choice(provinces)})))
        elif r < 0.30:
            work.append(("get", "/?" + urlencode({"status": "unreviewed", "page": rng.randint(1, 5)})))
        elif r < 0.33:
            work.append(("get", "/?" + urlencode({"q": rng.choice(["临猗", "2023", "城乡居民", "人民政府"])})))
        else:
            work.append(("get", "/notice?key=" + quote(rng.choice(keys), safe="")))
    rng.shuffle(work)
    return work


def run_clients(port: int, work: list[tuple], clients: int) -> dict:
    lock = threading.Lock()
    it = iter(work)
    out = {"get": [], "post": [], "errors": [], "saved": []}
    stop = time.monotonic() + DEADLINE

    def client():
        me = Reviewer(port)
        me.request("GET", "/")
        while time.monotonic() < stop:
            with lock:
                job = next(it, None)
            if job is None:
                return
            try:
                if job[0] == "get":
                    t = time.perf_counter()
                    status, text = me.request("GET", job[1])
                    dt = time.perf_counter() - t
                    with lock:
                        out["get"].append(dt)
                        if status != 200:
                            out["errors"].append(f"GET {job[1][:60]} -> {status}{why(text)}")
                    continue
                key = job[1]
                t = time.perf_counter()
                status, html = me.request("GET", "/notice?key=" + quote(key, safe=""))
                with lock:
                    out["get"].append(time.perf_counter() - t)
                m = _FEE.search(html)
                if status != 200 or not m:
                    with lock:
                        out["errors"].append(f"GET notice {key[-30:]} -> {status}{'' if m else ' (no fee)'}{why(html)}")
                    continue
                old = m.group(1)
                new = str(int(float(old)) + 7)
                body = urlencode({"csrf": me.csrf, "key": key, "prefix": "fees[0]", "f:amount": new,
                                  "o:amount": old, "k:amount": "num", "reason": "bench"})
                t = time.perf_counter()
                status, text = me.request("POST", "/notice/save", body)
                dt = time.perf_counter() - t
                with lock:
                    out["post"].append(dt)
                    if status != 303:
                        out["errors"].append(f"POST {key[-30:]} -> {status}{why(text)}")
                    else:
                        out["saved"].append((key, float(new)))
            except Exception as e:  # noqa: BLE001 - every failure is counted and printed
                with lock:
                    out["errors"].append(f"{job[0]} {job[1][-40:]}: {e.__class__.__name__}: {e}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["wall"] = time.perf_counter() - t0
    return out


def why(html: str) -> str:
    """The reason a 503 page gives, for the error list."""
    m = _WHY.search(html)
    return f": {m.group(1)[-160:]}" if m else ""


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def report(name: str, xs: list[float]) -> str:
    if not xs:
        return f"{name}: none"
    return (f"{name}: n={len(xs)} p50={pct(xs, 50):.0f} ms p95={pct(xs, 95):.0f} ms "
            f"max={max(xs) * 1000:.0f} ms mean={statistics.mean(xs) * 1000:.0f} ms")


def verify(db: pathlib.Path, saved: list[tuple[str, float]]) -> list[str]:
    """Every save is in the corrections log and in the notice's effective record."""
    import duckdb

    from noticeflow.warehouse import corrections as log

    con = duckdb.connect(str(db), read_only=True)
    try:
        missing = []
        for key, amount in saved:
            cs = log.load(con, key)  # a notice's log, whichever of its keys (path or notice_id) it was saved under
            if not any(c.field_path == "fees[0].amount" and c.new_value == amount for c in cs):
                missing.append(f"{key}: no correction to {amount:g}")
                continue
            eff = log.apply_corrections(log.extraction(con, key), cs).record
            if eff["fees"][0]["amount"] != amount:
                missing.append(f"{key}: effective fee {eff['fees'][0]['amount']} != {amount:g}")
        return missing
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="warehouse to copy (default: build one of --n notices)")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--gets", type=int, default=2000)
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--ingest", type=int, default=0, help="notices to ingest while the clients run")
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="nf_bench_review_"))
    server = ingest = server_log = None
    try:
        db = tmp / "bench.duckdb"
        if a.db:
            shutil.copy(a.db, db)
        else:
            db = build_warehouse(a.n, tmp)
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        keys = [k for (k,) in con.execute(
            "SELECT d.path FROM documents d JOIN records r ON r.doc_key = d.doc_key WHERE d.is_current"
            " AND json_array_length(r.record, '$.fees') > 0 ORDER BY 1").fetchall()]
        con.close()
        print(f"warehouse: {len(keys)} notices with a fee; {a.clients} clients, {a.gets} GETs, {a.posts} saves"
              f"{f', ingesting {a.ingest} more meanwhile' if a.ingest else ''}", flush=True)
        port = free_port()
        server_log = open(tmp / "server.log", "w+", encoding="utf-8")  # read at the end; a pipe nobody reads could fill
        server = subprocess.Popen(cli("review", "--db", str(db), "--host", HOST, "--port", str(port)), env=env(),
                                  stderr=server_log, text=True)
        for _ in range(600):
            try:
                http.client.HTTPConnection(HOST, port, timeout=2).request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)
        if a.ingest:
            from gen_synthetic import generate

            more = tmp / "more"
            generate(a.ingest, more, seed=a.seed + 1)
            ingest = subprocess.Popen(cli("ingest", str(more), "--db", str(db)), env=env(),
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        work = plan(keys, a.gets, a.posts, random.Random(a.seed))
        out = run_clients(port, work, a.clients)
        ingest_note = ""
        if ingest is not None:
            t = time.perf_counter()
            try:
                text, _ = ingest.communicate(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                ingest.kill()
                text, _ = ingest.communicate()
            ingest_note = (f"ingest: exit {ingest.returncode}, finished {time.perf_counter() - t:.0f} s after the"
                           f" clients; {(text or '').strip().splitlines()[-1:] or ['(no output)']}")
        print(report("pages", out["get"]))
        print(report("saves", out["post"]))
        print(f"throughput: {len(out['get']) / out['wall']:.1f} pages/s, {len(out['post']) / out['wall']:.1f} saves/s"
              f" over {out['wall']:.1f} s")
        print(f"errors: {len(out['errors'])}")
        for e in out["errors"][:10]:
            print("  " + e)
        if ingest_note:
            print(ingest_note)
        t = time.perf_counter()
        server.terminate()  # it finishes the analyst-row refreshes still queued, then exits
        server.wait(DEADLINE)
        print(f"server stopped {time.perf_counter() - t:.1f} s after SIGTERM (background refreshes drained)",
              flush=True)
        server_log.seek(0)
        lines = [line.rstrip() for line in server_log if line.strip()]
        print(f"server log: {len(lines)} line(s)")
        for line in lines[-5:]:
            print("  " + line[:200])
        missing = verify(db, out["saved"])
        print(f"saves in the warehouse afterwards: {len(out['saved']) - len(missing)} of {len(out['saved'])}")
        for m in missing[:10]:
            print("  missing " + m)
        return 1 if out["errors"] or missing or (ingest is not None and ingest.returncode != 0) else 0
    finally:
        for p in (server, ingest):
            if p is not None and p.poll() is None:
                p.kill()
        if server_log is not None:
            server_log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
