"""Acceptance: a reviewer in headless Chromium corrects a value, adds a missed element by
selecting its passage, and the work survives reloads, re-ingests and a changed source."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from conftest import CHROMIUM_ARGS, ROOT, chromium_path
from test_review_corrections import ingest, seed_copy

pytestmark = [pytest.mark.browser]

SELECT_JS = """([start, end]) => {
  // select canonical-text code points [start, end) the way a mouse drag would
  const segs = Array.from(document.querySelectorAll('#text [data-s]'));
  function point(pos) {
    for (const s of segs) {
      const a = parseInt(s.dataset.s, 10), t = s.firstChild, cps = Array.from(t.data);
      if (pos >= a && pos <= a + cps.length) return [t, cps.slice(0, pos - a).join('').length];
    }
  }
  const [sn, so] = point(start), [en, eo] = point(end);
  const r = document.createRange(); r.setStart(sn, so); r.setEnd(en, eo);
  const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
  document.getElementById('text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path):
    import uvicorn

    from noticeflow.review.app import create_app

    src = seed_copy(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", src, db
    srv.should_exit = True
    th.join(5)


@pytest.fixture()
def page():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    yield pg
    browser.close()
    pw.stop()


def test_correct_add_reload_reingest_and_re_review(server, page):
    from urllib.parse import quote

    base, src, db = server
    key = str(src.resolve())
    url = f"{base}/notice?key={quote(key, safe='')}"
    page.goto(url)
    fee = page.locator('.unit[data-unit="fees[0]"]')
    old = int(float(fee.locator('input[name="f:amount"]').input_value()))
    wrong_fixed = str(old + 30)

    # 1. correct a wrong value
    fee.locator('input[name="f:amount"]').fill(wrong_fixed)
    fee.locator('input[name="reason"]').fill("typo")
    fee.locator("button.save-btn").click()
    page.wait_for_load_state()

    # 2. add a missed element by selecting its passage in the text
    text = page.locator("#text").inner_text()
    quote_ = "各乡(镇)人民政府"
    start = text.index(quote_)
    assert page.evaluate("() => document.getElementById('text').textContent").index(quote_) == start
    page.evaluate(SELECT_JS, [start, start + len(quote_)])
    assert page.locator("#addform").is_visible()
    assert page.locator("#add-quote").inner_text().endswith(quote_)
    page.select_option("#add-section", "targets")
    page.fill('input[name="a:targets:metric"]', "参保率")
    page.fill('input[name="a:targets:population"]', "乡镇")
    page.fill('input[name="a:targets:percent"]', "97")
    page.click("#add-submit")
    page.wait_for_load_state()

    def both_applied():
        page.goto(url)
        assert page.locator('.unit[data-unit="fees[0]"] input[name="f:amount"]').input_value() == wrong_fixed
        added = page.locator(".unit.corrected", has=page.locator('input[name="f:percent"][value="97"]'))
        assert added.count() == 1
        # its passage is highlighted; clicking the value lights the selected passage
        added.locator("button.locate").click()
        lit = page.locator("#text .lit")
        assert quote_ in "".join(lit.all_inner_texts())

    both_applied()  # reload


    ingest(db, [src])              # re-ingest the corpus: unchanged
    ingest(db, [src], force=True)  # re-extracted
    both_applied()

    # 3. the source changes under the correction: it goes to "needs re-review"
    raw = src.read_text(encoding="utf-8")
    assert f"{old}元" in raw
    src.write_text(raw.replace(f"{old}元", f"{old + 10}元", 1), encoding="utf-8")
    ingest(db, [src])
    page.goto(f"{base}/queue")
    row = page.locator("tr.queued")
    assert row.count() == 1 and "fees[0].amount" in row.inner_text() and wrong_fixed in row.inner_text()
    page.goto(url)
    assert page.locator("#rereview").is_visible()
    assert page.locator('.unit[data-unit="fees[0]"] input[name="f:amount"]').input_value() == str(old + 10)
    # the added element's passage is unchanged, so it is still applied
    assert page.locator(".unit.corrected", has=page.locator('input[name="f:percent"][value="97"]')).count() == 1
