"""The review app over HTTP: escaping, CSRF, validation, filters, bind policy, exports."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import quote

import duckdb
import pytest
from fastapi.testclient import TestClient

from conftest import ROOT
from noticeflow.review.app import create_app
from noticeflow.review.security import Security, StartupError
from test_review_corrections import ingest, seed_copy
from noticeflow.warehouse import corrections as log

XSS = "<script>alert('x')</script>"


@pytest.fixture()
def wh(tmp_path):
    src = seed_copy(tmp_path)
    evil = src.parent / "evil.txt"
    evil.write_text(src.read_text(encoding="utf-8").replace("各乡(镇)人民政府", XSS + "各乡(镇)人民政府", 1)
                    .replace("〔2022〕20号", "〔2022〕21号"), encoding="utf-8")  # another notice, not a copy
    db = tmp_path / "w.duckdb"
    ingest(db, [src, evil])
    client = TestClient(create_app(db), base_url="http://127.0.0.1:8000")
    return client, notice_of(db, src), notice_of(db, evil), db


def notice_of(db, path) -> str:
    """The review app lists notices: the key of the one this file carries."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT notice_id FROM notice_documents m JOIN documents d USING (doc_key)"
                           " WHERE d.path = ?", [str(path.resolve())]).fetchone()[0]
    finally:
        con.close()


def _csrf(client, key):
    html = client.get("/notice", params={"key": key}).text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_notice_text_is_escaped(wh):
    client, _, evil, _ = wh
    html = client.get("/notice", params={"key": evil}).text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert XSS not in html
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


def test_writes_need_the_session_csrf_token_and_same_origin(wh):
    client, key, _, db = wh
    token = _csrf(client, key)
    amount = client.get("/api/notice", params={"key": key}).json()["record"]["fees"][0]["amount"]
    body = {"key": key, "prefix": "fees[0]", "f:amount": "999", "o:amount": f"{amount:g}", "k:amount": "num"}
    assert client.post("/notice/save", data=body, follow_redirects=False).status_code == 403
    assert client.post("/notice/save", data={**body, "csrf": "forged"}, follow_redirects=False).status_code == 403
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")  # another session's token
    assert other.post("/notice/save", data={**body, "csrf": token}, follow_redirects=False).status_code == 403
    r = client.post("/notice/save", data={**body, "csrf": token}, headers={"Origin": "http://evil.example"},
                    follow_redirects=False)
    assert r.status_code == 403
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0
    con.close()
    r = client.post("/notice/save", data={**body, "csrf": token}, headers={"Origin": "http://127.0.0.1:8000"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_invalid_value_is_a_form_error_and_nothing_is_stored(wh):
    client, key, _, db = wh
    token = _csrf(client, key)
    r = client.post("/notice/save", data={"csrf": token, "key": key, "prefix": "fees[0]", "f:amount": "abc",
                                          "o:amount": "350", "k:amount": "num"})
    assert r.status_code == 422 and "fees[0].amount" in r.text and "Not saved" in r.text
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0
    con.close()


def test_list_filters_and_status(wh):
    client, key, evil, _ = wh
    html = client.get("/").text
    assert html.count('href="/notice?key=') == 2
    token = _csrf(client, key)
    client.post("/notice/status", data={"csrf": token, "key": key, "status": "reviewed"})
    reviewed = client.get("/", params={"status": "reviewed"}).text
    assert quote(key, safe="") in reviewed and quote(evil, safe="") not in reviewed
    assert client.get("/", params={"county": "没有这个县"}).text.count('href="/notice?key=') == 0


def test_concurrent_saves_over_http_both_persist(wh):
    import threading

    client, key, _, _ = wh
    token = _csrf(client, key)
    rec = client.get("/api/notice", params={"key": key}).json()["record"]
    amount = rec["fees"][0]["amount"]
    forms = [{"prefix": "fees[0]", "f:amount": str(amount + 5), "o:amount": f"{amount:g}", "k:amount": "num"},
             {"prefix": "fees[0]", "f:qualifier": "at_least", "o:qualifier": "exact", "k:qualifier": "select"}]
    barrier, codes = threading.Barrier(2), []

    def post(f):
        barrier.wait()
        codes.append(client.post("/notice/save", data={"csrf": token, "key": key, **f},
                                 follow_redirects=False).status_code)

    ts = [threading.Thread(target=post, args=(f,)) for f in forms]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert codes == [303, 303]
    fee = client.get("/api/notice", params={"key": key}).json()["record"]["fees"][0]
    assert fee["amount"] == amount + 5 and fee["qualifier"] == "at_least"


def test_non_loopback_bind_needs_a_token():
    with pytest.raises(StartupError):
        Security.for_bind("0.0.0.0", None, env={})
    assert Security.for_bind("0.0.0.0", "s3cret-token", env={}).needs_token
    assert Security.for_bind("10.0.0.5", None, env={"NOTICEFLOW_REVIEW_TOKENS": "alice:tok-alice-1"}).tokens
    assert not Security.for_bind("127.0.0.1", None, env={}).needs_token
    r = subprocess.run([sys.executable, "-m", "noticeflow", "review", "--host", "0.0.0.0", "--db", "x.duckdb"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert r.returncode != 0 and "refusing" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_token_protected_server_asks_for_a_token(wh):
    _, key, _, db = wh
    client = TestClient(create_app(db, Security.for_bind("0.0.0.0", "s3cret-token", env={})),
                        base_url="http://localhost:8000")
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_gold_export_and_labelstudio_roundtrip(wh, tmp_path):
    from noticeflow.review.gold import to_gold
    from noticeflow.review.labelstudio import export_tasks, import_tasks

    client, key, _, db = wh
    con = duckdb.connect(str(db))
    rec = log.extraction(con, key)
    log.propose(con, key, rec, "set", "fees[0].amount", rec["fees"][0]["amount"] + 1, "alice")
    log.set_status(con, key, rec["doc_id"], "reviewed", "alice")
    con.close()
    out = tmp_path / "gold"
    r = subprocess.run([sys.executable, "-m", "noticeflow", "corrections", "export", str(out), "--db", str(db)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    gold = json.loads((out / "000_beb0d831110dae00.json").read_text(encoding="utf-8"))
    shared = json.loads((ROOT.parent / "shared" / "gold" / "000_beb0d831110dae00.json").read_text(encoding="utf-8"))
    assert list(gold) == list(shared) and gold["fees"][0]["amount"] == rec["fees"][0]["amount"] + 1
    assert "evidence" not in json.dumps(gold) and "text" not in gold

    con = duckdb.connect(str(db))
    eff = log.apply_corrections(rec, log.load(con, key)).record
    task = export_tasks([(key, eff)])[0]
    result = task["predictions"][0]["result"]
    assert any(r["value"]["labels"] == ["fees"] and r["value"]["text"] == eff["fees"][0]["evidence"]["quote"]
               for r in result)
    # the annotator deletes the wrong fee region
    kept = [r for r in result if r["value"]["labels"] != ["fees"]]
    task["annotations"] = [{"completed_by": 7, "result": kept}]
    written, notes = import_tasks(con, [task])
    assert written == 1 and not notes
    assert log.apply_corrections(rec, log.load(con, key)).record["fees"] == []
    assert to_gold(log.apply_corrections(rec, log.load(con, key)).record)["fees"] == []
    con.close()
