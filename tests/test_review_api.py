"""The review app over HTTP and the CLI: issue 13's API-level fixes (4, 5, 8, 10-13), team use
(tokens, concurrency, undo, accept), flags recomputed, search and the dashboard."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import duckdb
import pytest
from fastapi.testclient import TestClient

from conftest import ROOT, warehouse_rows
from noticeflow.review import security as sec
from noticeflow.review.app import create_app
from noticeflow.review.db import Unavailable, Warehouse
from noticeflow.review.security import Security, StartupError
from noticeflow.warehouse import corrections as log
from test_review_corrections import ingest, seed_copy

BASE = "http://127.0.0.1:8000"
SEED_TIERS = "003_aea4e45528ea7e5a.txt"  # has percent tiers (城乡低保对象 80%)


def _env():
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _csrf(client, key="") -> str:
    html = client.get("/notice", params={"key": key}).text if key else client.get("/").text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _fee_form(client, key, new, loaded=None):
    rec = client.get("/api/notice", params={"key": key}).json()["record"]
    old = rec["fees"][0]["amount"] if loaded is None else loaded
    return {"csrf": _csrf(client, key), "key": key, "prefix": "fees[0]", "f:amount": str(new),
            "o:amount": f"{old:g}", "k:amount": "num", "anchor_quote": rec["fees"][0]["evidence"]["quote"]}


@pytest.fixture()
def wh(tmp_path):
    src = seed_copy(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    return TestClient(create_app(db), base_url=BASE), str(src.resolve()), db, src


_rows = warehouse_rows  # conftest


# ---------------------------------------------------------------- 4: export --all

def test_export_all_writes_one_file_per_notice_and_prints_each_once(tmp_path):
    """Fix 4: a notice's .txt and .pdf no longer overwrite each other: they are one notice
    (issue 11), exported once, under its best document's name."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    db = tmp_path / "w.duckdb"
    ingest(db, sorted(corpus.iterdir()))
    out = tmp_path / "gold"
    r = subprocess.run([sys.executable, "-m", "noticeflow", "corrections", "export", str(out), "--all", "--db", str(db)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120, env=_env())
    assert r.returncode == 0, r.stderr
    printed = r.stdout.split()
    n_notices = len({p.stem for p in corpus.iterdir()})
    assert len(printed) == len(set(printed)) == n_notices == 5
    files = sorted(out.rglob("*.json"))
    assert len(files) == n_notices
    assert sorted(f.name for f in files) == sorted({p.stem + ".json" for p in corpus.iterdir()})
    txt = json.loads((out / "000_beb0d831110dae00.json").read_text(encoding="utf-8"))
    assert txt["seed"] == "000_beb0d831110dae00.txt"  # the text layer stands for the notice


# ---------------------------------------------------------------- 5: status

def test_reviewed_notice_with_a_correction_waiting_for_re_review_is_not_reviewed(wh):
    client, key, db, src = wh
    assert client.post("/notice/save", data=_fee_form(client, key, 380), follow_redirects=False).status_code == 303
    client.post("/notice/status", data={"csrf": _csrf(client, key), "key": key, "status": "reviewed"})
    assert client.get("/api/notice", params={"key": key}).json()["status"] == "reviewed"
    src.write_text(src.read_text(encoding="utf-8").replace("350元", "360元", 1), encoding="utf-8")
    ingest(db, [src])
    assert client.get("/api/notice", params={"key": key}).json()["status"] == "needs_re_review"
    assert "待复核" in client.get("/", params={"status": "needs_re_review"}).text
    assert client.get("/", params={"status": "reviewed"}).text.count('class="nrow"') == 0
    r = client.post("/notice/status", data={"csrf": _csrf(client, key), "key": key, "status": "reviewed"})
    assert r.status_code == 422 and "re-review" in r.text
    cid = _rows(db, "SELECT correction_id FROM needs_re_review")[0][0]
    client.post("/corrections/resolve", data={"csrf": _csrf(client), "id": cid, "action": "dismiss"})
    assert client.get("/api/notice", params={"key": key}).json()["status"] == "reviewed"


# ---------------------------------------------------------------- 8: busy warehouse, short reads

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_page_while_another_process_holds_the_warehouse_is_a_503_with_the_reason(wh, tmp_path):
    client, key, db, _ = wh
    client = TestClient(create_app(db, warehouse=Warehouse(db, wait=0.3)), base_url=BASE)
    form = _fee_form(client, key, 390)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        t = time.monotonic()
        r = client.get("/")
        assert r.status_code == 503 and "another process" in r.text and r.headers["retry-after"]
        assert time.monotonic() - t < 3
        r = client.post("/notice/save", data=form, follow_redirects=False)
        assert r.status_code == 503 and 'name="f:amount" value="390"' in r.text  # kept to send again
    finally:
        holder.wait(10)
    assert client.get("/").status_code == 200
    resend = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text))
    assert client.post("/notice/save", data=resend, follow_redirects=False).status_code == 303
    assert client.get("/api/notice", params={"key": key}).json()["record"]["fees"][0]["amount"] == 390


def test_queue_reads_only_notices_with_corrections(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    db = tmp_path / "w.duckdb"
    ingest(db, sorted(corpus.glob("*.txt")))
    client = TestClient(create_app(db), base_url=BASE)
    key = str((corpus / "000_beb0d831110dae00.txt").resolve())
    client.post("/notice/save", data=_fee_form(client, key, 380))
    read = []
    real = log.extractions
    monkeypatch.setattr(log, "extractions", lambda con, keys=None: read.append(keys) or real(con, keys))
    assert client.get("/queue").status_code == 200
    from noticeflow.warehouse import access

    with access.connect(db, read_only=True) as con:
        notice = log.notice_key_of(con, key)  # corrections are kept per notice (issue 11)
    assert notice != key and read == [[notice]]


# ---------------------------------------------------------------- 10: DNS rebinding

def test_only_the_bound_host_names_are_answered(wh):
    _, key, db, _ = wh
    evil = TestClient(create_app(db), base_url="http://evil.example:8000")
    assert evil.get("/").status_code == 421
    assert evil.post("/notice/save", data={"key": key}).status_code == 421
    ok = TestClient(create_app(db), base_url="http://localhost:8000")
    assert ok.get("/").status_code == 200
    # a page on another origin posting to a rebound name is refused even with our Host
    form = _fee_form(ok, key, 999)
    r = ok.post("/notice/save", data=form, headers={"Origin": "http://evil.example:8000"}, follow_redirects=False)
    assert r.status_code == 403
    assert not _rows(db, "SELECT * FROM corrections")
    wide = Security.for_bind("0.0.0.0", "s3cret-token-1", env={}, allow_hosts=("review.example.org",))
    assert wide.host_ok("review.example.org:8000") and wide.host_ok("127.0.0.1") and not wide.host_ok("evil.example")


# ---------------------------------------------------------------- 11: sessions

def _token_app(db, clock=None, tokens="alice:tok-alice-1,bob:tok-bob-22"):
    s = Security.for_bind("0.0.0.0", None, env={sec.TOKENS_ENV: tokens})
    if clock:
        s.clock = clock
    return TestClient(create_app(db, s), base_url=BASE), s


def test_login_issues_a_new_session_id_and_sessions_expire(wh):
    _, key, db, _ = wh
    now = [1000.0]
    client, s = _token_app(db, clock=lambda: now[0])
    assert client.get("/").status_code == 401
    before = client.cookies.get(sec.SESSION_COOKIE)
    r = client.post("/login", data={"token": "tok-alice-1"}, follow_redirects=False)
    assert r.status_code == 303
    after = client.cookies.get(sec.SESSION_COOKIE)
    assert after and after != before
    fixed = TestClient(client.app, base_url=BASE, cookies={sec.SESSION_COOKIE: before})
    assert fixed.get("/").status_code == 401  # the pre-login id is worth nothing
    assert client.get("/").status_code == 200
    now[0] += sec.IDLE + 1
    assert client.get("/").status_code == 401


def test_wrong_tokens_are_throttled(wh):
    _, _, db, _ = wh
    client, _ = _token_app(db)
    codes = [client.post("/login", data={"token": f"wrong-{i:04d}"}).status_code for i in range(sec.FAILS + 2)]
    assert codes[:sec.FAILS] == [401] * sec.FAILS and codes[sec.FAILS:] == [429, 429]
    assert client.post("/login", data={"token": "tok-alice-1"}).status_code == 429  # even the right one, for now


# ---------------------------------------------------------------- 12: form parts, blank tokens

def test_a_file_part_is_refused_and_nothing_is_stored(wh):
    client, key, db, _ = wh
    form = _fee_form(client, key, 999)
    r = client.post("/notice/save", data={k: v for k, v in form.items() if k != "f:amount"},
                    files={"f:amount": ("x.bin", b"\0" * (2 * 1024 * 1024), "application/octet-stream")})
    assert r.status_code == 400 and "files are not accepted" in r.text or "Too many files" in r.text
    assert not _rows(db, "SELECT * FROM corrections")
    r = client.post("/notice/save", files={"reason": ("r.txt", b"x")}, data={"csrf": form["csrf"], "key": key})
    assert r.status_code == 400


@pytest.mark.parametrize("bad", ["        ", "tok with space", "tok\tx12345", "short"], ids=["spaces", "inner-space", "tab", "short"])
def test_blank_or_short_tokens_refuse_to_start(bad, tmp_path):
    with pytest.raises(StartupError):
        Security.for_bind("0.0.0.0", bad, env={})
    f = tmp_path / "tokens.txt"
    f.write_text(f"alice: {bad}\n" if bad.strip() else "alice: \n", encoding="utf-8")
    with pytest.raises(StartupError, match=str(f)):
        Security.for_bind("0.0.0.0", None, env={}, tokens_file=str(f))


# ---------------------------------------------------------------- 13: broken warehouse, full disk

def test_a_corrupt_warehouse_is_one_line_at_startup(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 1000)
    r = subprocess.run([sys.executable, "-m", "noticeflow", "review", "--db", str(bad)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 1 and str(bad) in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


class FullDisk(Warehouse):
    """A warehouse whose disk is full: every write fails the way DuckDB reports it."""

    full = True

    def atomic(self, fn):
        if self.full:
            raise Unavailable(f"{self.path}: the disk is full, nothing was saved (No space left on device)")
        return super().atomic(fn)


def test_a_save_on_a_full_disk_keeps_what_the_reviewer_typed(wh):
    _, key, db, _ = wh
    w = FullDisk(db)
    client = TestClient(create_app(db, warehouse=w), base_url=BASE)
    form = _fee_form(client, key, 377)
    form["reason"] = "县财政局核实"
    r = client.post("/notice/save", data=form, follow_redirects=False)
    assert r.status_code == 503 and "disk is full" in r.text
    assert 'name="f:amount" value="377"' in r.text and "县财政局核实" in r.text
    w.full = False
    resend = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text))
    assert client.post("/notice/save", data=resend, follow_redirects=False).status_code == 303
    assert _rows(db, "SELECT new_value, reason FROM corrections") == [("377", "县财政局核实")]


# ---------------------------------------------------------------- team use

def test_tokens_file_names_the_reviewer(wh, tmp_path):
    _, key, db, _ = wh
    f = tmp_path / "reviewers.txt"
    f.write_text("# team\nalice: tok-alice-1\n李四: tok-lisi-22\n", encoding="utf-8")
    s = Security.for_bind("0.0.0.0", None, env={}, tokens_file=str(f))
    client = TestClient(create_app(db, s), base_url=BASE)
    client.post("/login", data={"token": "tok-lisi-22"})
    csrf = _csrf(client, key)
    client.post("/whoami", data={"csrf": csrf, "reviewer": "mallory"})  # ignored: the token names you
    client.post("/notice/save", data=_fee_form(client, key, 381))
    assert _rows(db, "SELECT reviewer FROM corrections") == [("李四",)]


def test_a_save_over_a_value_changed_since_loading_is_refused_with_both_values(wh):
    client, key, db, _ = wh
    bob = TestClient(client.app, base_url=BASE)
    alice_form = _fee_form(client, key, 400)
    bob_form = _fee_form(bob, key, 410)  # both loaded the page showing 350
    assert client.post("/notice/save", data=alice_form, follow_redirects=False).status_code == 303
    r = bob.post("/notice/save", data=bob_form, follow_redirects=False)
    assert r.status_code == 409
    row = re.search(r'<tr class="conflict-row".*?</tr>', r.text, re.S).group(0)
    assert ">350<" in row and "400" in row and "410" in row
    assert 'name="f:amount" value="410"' in r.text  # what bob typed is still in the form
    assert _rows(db, "SELECT new_value FROM corrections") == [("400",)]
    # bob decides to overwrite: the refusal's own form carries the value he now saw
    retry = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                            re.search(r'<form[^>]*id="overwrite".*?</form>', r.text, re.S).group(0)))
    assert bob.post("/notice/save", data=retry, follow_redirects=False).status_code == 303
    assert client.get("/api/notice", params={"key": key}).json()["record"]["fees"][0]["amount"] == 410


def test_undo_appends_the_inverse_and_accept_marks_values(wh):
    client, key, db, _ = wh
    client.post("/notice/save", data=_fee_form(client, key, 420))
    cid = _rows(db, "SELECT id FROM corrections")[0][0]
    client.post("/notice/undo", data={"csrf": _csrf(client, key), "key": key, "id": cid})
    rows = _rows(db, "SELECT op, field_path, old_value, new_value, reason FROM corrections ORDER BY id")
    assert rows == [("set", "fees[0].amount", "350", "420", None), ("set", "fees[0].amount", "420", "350", f"undo #{cid}")]
    assert client.get("/api/notice", params={"key": key}).json()["record"]["fees"][0]["amount"] == 350
    client.post("/notice/accept", data={"csrf": _csrf(client, key), "key": key, "all": "1"})
    data = client.get("/api/notice", params={"key": key}).json()
    accepted = {c["path"] for c in data["corrections"] if c["status"] == "accepted"}
    flagged = {f["field"] for f in data["record"]["flags"] if f.get("field")}
    assert "fees[0]" in accepted and "title" in accepted and not accepted & flagged
    # a value changed after it was accepted is no longer accepted
    client.post("/notice/save", data=_fee_form(client, key, 330))
    data = client.get("/api/notice", params={"key": key}).json()
    assert "fees[0]" not in {c["path"] for c in data["corrections"] if c["status"] == "accepted"}


def test_flags_are_recomputed_after_a_correction(wh):
    client, key, db, _ = wh
    rec = client.get("/api/notice", params={"key": key}).json()["record"]
    assert not [f for f in rec["flags"] if f["code"] == "tier_arithmetic"]
    client.post("/notice/save", data=_fee_form(client, key, 360))  # tiers were 350 = subsidy + share
    rec = client.get("/api/notice", params={"key": key}).json()["record"]
    broken = sorted(f["field"] for f in rec["flags"] if f["code"] == "tier_arithmetic")
    assert broken == [f"subsidy_tiers[{i}]" for i in range(len(rec["subsidy_tiers"]))]
    # the analyst tables say so too
    assert len(_rows(db, "SELECT * FROM flags WHERE code = 'tier_arithmetic'")) == len(broken)
    html = client.get("/notice", params={"key": key}).text
    unit = re.search(r'data-unit="subsidy_tiers\[0\]".*?class="save-form"', html, re.S).group(0)
    assert 'title="tier_arithmetic"' in unit and "资助档次金额对不上" in unit  # shown where it applies
    client.post("/notice/save", data=_fee_form(client, key, 350))
    rec = client.get("/api/notice", params={"key": key}).json()["record"]
    assert not [f for f in rec["flags"] if f["code"] == "tier_arithmetic"]


def test_search_filters_pagination_and_dashboard(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    db = tmp_path / "w.duckdb"
    ingest(db, sorted(corpus.iterdir()))
    client = TestClient(create_app(db), base_url=BASE)
    con = duckdb.connect(str(db), read_only=True)
    recs = {k: r for k, r in log.extractions(con).items()}
    con.close()
    county = next(r["region"]["county"] for r in recs.values() if r.get("region"))
    docno = next(r["doc_number"]["value"] for r in recs.values() if r.get("doc_number"))
    phrase = "丧失劳动能力的残疾人"

    def keys(**params):
        html = client.get("/", params=params).text
        return sorted(re.findall(r'<tr data-key="([^"]+)" class="nrow"', html))
    assert keys(q=county) == sorted(k for k, r in recs.items() if county in json.dumps(r, ensure_ascii=False))
    assert keys(q=docno) == sorted(k for k, r in recs.items() if docno in r["text"])
    assert keys(q=phrase) == sorted(k for k, r in recs.items() if phrase in r["text"])
    assert len(keys()) == 5  # five notices, each carried by a .txt and a .pdf
    province = next(r["region"]["province"] for r in recs.values() if r.get("region"))
    assert keys(province=province) == sorted(k for k, r in recs.items() if (r.get("region") or {}).get("province") == province)
    key = sorted(recs)[0]
    client.post("/notice/save", data=_fee_form(client, key, 333))
    client.post("/notice/status", data={"csrf": _csrf(client, key), "key": key, "status": "reviewed"})
    me = _rows(db, "SELECT reviewer FROM corrections")[0][0]
    assert keys(reviewer=me) == [key] and keys(status="reviewed") == [key]
    dash = client.get("/dashboard").text
    row = re.search(r'<table class="log" id="per-reviewer">.*?</table>', dash, re.S).group(0)
    assert me in row and re.search(r'<td class="num">1</td><td class="num">1</td>', row)
    nxt = client.get("/next", params={"after": ""}, follow_redirects=False)
    assert nxt.status_code == 303 and "key=" in nxt.headers["location"] and key.replace("/", "%2F") not in nxt.headers["location"]


def test_every_code_has_a_chinese_label():
    import typing

    from noticeflow.review.labels import labels
    from noticeflow.schemas import record as r

    tier_derived = typing.get_args(typing.get_args(r.Tier.model_fields["derived"].annotation)[0])
    vocab = {"flag": r.FlagCode, "severity": r.Severity, "fee_kind": r.FeeKind, "tier_mode": r.TierMode,
             "period_kind": r.PeriodKind}
    got = labels()
    for kind, literal in vocab.items():
        assert set(typing.get_args(literal)) <= set(got[kind]), kind
    assert set(tier_derived) <= set(got["derived"])
    assert set(log.STATUSES) | {log.NEEDS_RE_REVIEW} <= set(got["status"])
    assert set(log.OPS) <= set(got["op"])
    assert all(re.search(r"[\u4e00-\u9fff]", v) for codes in got.values() for v in codes.values())
