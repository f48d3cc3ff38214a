"""`noticeflow report`: a self-contained page whose charts carry the warehouse's figures, Chinese
labels drawn with real glyphs, no console errors, no network."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import duckdb
import pytest

from conftest import CHROMIUM_ARGS, ROOT, chromium_path
from test_review_corrections import ingest

SEEDS = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "corpus").glob("*.pdf"))
LATER = ROOT / "tests" / "fixtures" / "yangcheng_2025.txt"  # 阳城县 2025: alerts against 2024


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    """The seeds (text and PDF) and 阳城县's next year, with the diff stage run."""
    from noticeflow.warehouse.changes import load_changes, pending_doc_ids
    from noticeflow.warehouse.migrate import connect

    db = tmp_path_factory.mktemp("report") / "w.duckdb"
    ingest(db, SEEDS + [LATER])
    con = connect(db)
    load_changes(con, pending_doc_ids(con))
    con.close()
    return db


def write_report(wh, tmp_path, *args) -> tuple[pathlib.Path, subprocess.CompletedProcess]:
    out = tmp_path / "report.html"
    res = subprocess.run([sys.executable, "-m", "noticeflow", "report", "--db", str(wh), "-o", str(out), *args],
                         capture_output=True, text=True, timeout=120)
    return out, res


# Every CJK character of the charts' SVG text, drawn in the font the SVG asks for, against a
# character no font has (U+0378): a character without a glyph comes out as that same box.
GLYPHS_JS = """() => {
  const texts = Array.from(document.querySelectorAll('.chart svg text'));
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d');
  function pixels(ch, family) {
    g.clearRect(0, 0, 64, 64); g.font = '40px ' + family; g.fillStyle = '#000';
    g.fillText(ch, 4, 48); return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
  }
  const missing = [], seen = new Set();
  let n = 0;
  for (const t of texts) {
    const family = t.getAttribute('font-family') || getComputedStyle(t).fontFamily;
    for (const ch of Array.from(t.textContent)) {
      if (!/[\\u4e00-\\u9fff]/.test(ch) || seen.has(ch + family)) continue;
      seen.add(ch + family); n++;
      if (pixels(ch, family) === pixels('\\u0378', family)) missing.push(ch);
    }
  }
  return {n: n, missing: missing, labels: texts.map(t => t.textContent)};
}"""


def open_report(browser, path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.evaluate("window.noticeflowReady")
    return page, problems, requests


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def data(page, chart: str) -> list[dict]:
    return page.evaluate(f"window.noticeflowViews[{json.dumps(chart)}].data('table')")


@pytest.mark.browser
def test_report_renders_offline_with_real_chinese_glyphs_and_the_warehouse_figures(wh, tmp_path, browser):
    out, res = write_report(wh, tmp_path, "--year", "2023")
    assert res.returncode == 0, res.stderr
    page, problems, requests = open_report(browser, out)
    try:
        assert problems == []
        assert [u for u in requests if not u.startswith("file://")] == []  # nothing fetched: offline
        glyphs = page.evaluate(GLYPHS_JS)
        assert glyphs["n"] >= 20 and glyphs["missing"] == []
        assert {"临猗县", "随县", "唐河县", "低保对象", "缴费期"} <= set(glyphs["labels"])

        con = duckdb.connect(str(wh), read_only=True)
        try:
            fees = sorted(con.execute(
                "SELECT county, policy_year, amount FROM fees WHERE is_current AND kind = 'individual'"
                " AND applies_to IS NULL AND policy_year <= 2023").fetchall())
            tiers = sorted(con.execute(
                "SELECT county, category, subsidy_amount FROM tier_categories WHERE is_current AND policy_year = 2023"
            ).fetchall(), key=repr)
            quota = sorted(con.execute(
                "SELECT county, value FROM quota_rows WHERE is_current AND is_total AND tasks IS NOT NULL"
                " AND policy_year = 2023").fetchall())
            periods = sorted(con.execute(
                "SELECT county, kind, start_date::VARCHAR, end_date::VARCHAR FROM periods WHERE is_current"
                " AND policy_year = 2023 AND kind IN ('collection', 'concentrated_collection', 'extension')"
                " AND start_date IS NOT NULL AND end_date IS NOT NULL").fetchall())
        finally:
            con.close()
        assert sorted((d["county"], d["policy_year"], d["individual_fee"]) for d in data(page, "fees")) == fees
        assert sorted(((d["county"], d["category"], d["subsidy_amount"]) for d in data(page, "subsidies")),
                      key=repr) == tiers
        assert sorted((d["county"], d["table_tasks"]) for d in data(page, "quota")) == quota
        assert sorted((d["county"], d["kind"], d["start_date"], d["end_date"]) for d in data(page, "calendar")) == periods
        # the points drawn are the rows: one symbol per fee
        assert page.locator("#fees svg .mark-symbol.role-mark path").count() == len(fees)
    finally:
        page.close()


@pytest.mark.browser
def test_the_year_alerts_are_listed_with_their_quotes(wh, tmp_path, browser):
    out, res = write_report(wh, tmp_path, "--year", "2025", "--province", "山西省")
    assert res.returncode == 0, res.stderr
    con = duckdb.connect(str(wh), read_only=True)
    try:
        expected = [m for (m,) in con.execute(
            "SELECT message FROM changes WHERE severity = 'alert' AND right_year = 2025 ORDER BY seq").fetchall()]
    finally:
        con.close()
    assert expected
    page, problems, _ = open_report(browser, out)
    try:
        assert problems == []
        rows = page.locator("#alerts tbody tr")
        assert rows.count() == len(expected)
        assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())] == expected
        assert {d["county"] for d in data(page, "fees")} == {"阳城县", "临猗县", "岢岚县"}  # 山西省 only
    finally:
        page.close()


def test_values_that_look_like_markup_stay_text(tmp_path):
    """A county or message holding `</script>` or HTML cannot break out of the page."""
    from noticeflow.warehouse import report

    rep = report.Report(year=2024, province=None, counts={"notices": 1, "fees": 1, "subsidies": 0,
                                                           "calendar": 0, "quota": 0})
    rep.charts = {"fees": report._base("t", [{"county": "</script><b>x</b>", "policy_year": 2024,
                                               "individual_fee": 1}], mark="point")}
    rep.alerts = [{"county": "<i>县</i>", "left_year": 1, "right_year": 2, "message": "<script>alert(1)</script>",
                   "left_quote": None, "right_quote": "&amp;"}]
    page = report.html(rep)
    assert "</script><b>" not in page and "<script>alert(1)" not in page and "<i>县</i>" not in page
    spec = page.split('id="nf-specs">', 1)[1].split("</script>", 1)[0]
    assert json.loads(spec)["fees"]["data"]["values"][0]["county"] == "</script><b>x</b>"


def test_report_errors_are_one_line(wh, tmp_path):
    _, res = write_report(wh, tmp_path, "--year", "1999")
    assert res.returncode == 1 and res.stderr.strip().count("\n") == 0 and "no notice of policy year 1999" in res.stderr
    _, res = write_report(tmp_path / "absent.duckdb", tmp_path)
    assert res.returncode == 2 and "no warehouse" in res.stderr and "Traceback" not in res.stderr


def test_vendored_javascript_is_what_the_vendoring_script_recorded():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "vendor_vega.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    versions = json.loads((ROOT / "warehouse" / "vendor" / "VERSIONS.json").read_text(encoding="utf-8"))
    assert {k: v["version"].split(".")[0] for k, v in versions.items()} == {"vega": "6", "vega-lite": "6",
                                                                            "vega-embed": "7"}
    for name in versions:
        assert (ROOT / "warehouse" / "vendor" / f"{name}.LICENSE").read_text(encoding="utf-8").strip()


@pytest.mark.browser
def test_the_review_app_serves_the_report_under_its_own_content_security_policy(wh, browser):
    """Linked from every review page; its inline scripts pass the page's CSP (by hash)."""
    from fastapi.testclient import TestClient

    from noticeflow.review.app import create_app

    client = TestClient(create_app(wh), base_url="http://127.0.0.1:8000")
    assert 'href="/report"' in client.get("/").text
    res = client.get("/report", params={"year": 2023})
    assert res.status_code == 200 and "个人缴费标准" in res.text
    csp = res.headers["content-security-policy"]
    assert "'sha256-" in csp and "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert client.get("/report", params={"year": 1999}).status_code == 404
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.route("http://review.test/report", lambda r: r.fulfill(
        status=200, body=res.text, headers={"content-type": "text/html; charset=utf-8", "content-security-policy": csp}))
    try:
        page.goto("http://review.test/report")
        page.evaluate("window.noticeflowReady")
        assert problems == []
        assert page.locator("#subsidies svg .mark-rect.role-mark path").count() == len(data(page, "subsidies"))
    finally:
        page.close()
