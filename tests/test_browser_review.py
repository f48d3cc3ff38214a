"""Acceptance in headless Chromium: a reviewer corrects, adds, accepts, undoes and moves on with
the keyboard; issue 13's fixes 1-8; search, pagination, the concurrency refusal, the 390 px
layout, Chinese glyphs, and a timed 20-notice keyboard session on a 300-notice warehouse."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import duckdb
import pytest

from conftest import CHROMIUM_ARGS, ROOT, chromium_path, warehouse_rows
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
CUR = "() => { const u = document.querySelector('.unit.cur'); return u ? u.dataset.unit : null; }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(db, **kw):
    import uvicorn

    from noticeflow.review.app import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db, **kw), host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(10)


@pytest.fixture()
def server(tmp_path):
    src = seed_copy(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    with serve(db) as base:
        yield base, src, db


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    """A generated 300-notice warehouse (scripts/gen_synthetic.py + the loader), built once."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from gen_synthetic import generate

    folder = tmp_path_factory.mktemp("synthetic")
    files = generate(300, folder / "notices", seed=13)
    db = folder / "w300.duckdb"
    ingest(db, files)
    return db


def notice_of(db, path: str) -> str:
    """The notice_id of the notice a file carries (the review app's keys are notices)."""
    (nid,), = rows(db, "SELECT m.notice_id FROM documents d JOIN notice_documents m ON m.doc_key = d.doc_key"
                       " WHERE d.path = ? AND d.is_current", [path])
    return nid


def url_of(base, key):
    return f"{base}/notice?key={quote(key, safe='')}"


rows = warehouse_rows  # conftest


def select_passage(page, server, passage: str) -> None:
    """Open the server's seed notice and select `passage` in its text as a mouse drag would."""
    base, src, _ = server
    page.goto(url_of(base, str(src.resolve())))
    start = page.locator("#text").inner_text().index(passage)
    page.evaluate(SELECT_JS, [start, start + len(passage)])


def press_nav(page, key):
    """Press a key that loads another page, and wait for that page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def unit(page, path):
    return page.locator(f'.unit[data-unit="{path}"]')


# ---------------------------------------------------------------- the reviewer's basic task

def test_correct_add_reload_reingest_and_re_review(server, page):
    base, src, db = server
    key = str(src.resolve())
    url = url_of(base, key)
    page.goto(url)
    fee = unit(page, "fees[0]")
    old = int(float(fee.locator('input[name="f:amount"]').input_value()))
    wrong_fixed = str(old + 30)

    fee.locator('input[name="f:amount"]').fill(wrong_fixed)
    fee.locator('input[name="reason"]').fill("typo")
    fee.locator("button.save-btn").click()
    page.wait_for_load_state()

    text = page.locator("#text").inner_text()
    quote_ = "各乡(镇)人民政府"
    start = text.index(quote_)
    page.evaluate(SELECT_JS, [start, start + len(quote_)])
    assert page.locator("#addform").is_visible()
    page.select_option("#add-section", "targets")
    page.fill('input[name="a:targets:metric"]', "参保率")
    page.fill('input[name="a:targets:population"]', "乡镇")
    page.fill('input[name="a:targets:percent"]', "97")
    page.click("#add-submit")
    page.wait_for_load_state()

    def both_applied():
        page.goto(url)
        assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == wrong_fixed
        added = page.locator(".unit.corrected", has=page.locator('input[name="f:percent"][value="97"]'))
        assert added.count() == 1
        added.locator("button.locate").click()
        assert quote_ in "".join(page.locator("#text .lit").all_inner_texts())

    both_applied()
    ingest(db, [src])
    ingest(db, [src], force=True)
    both_applied()

    raw = src.read_text(encoding="utf-8")
    src.write_text(raw.replace(f"{old}元", f"{old + 10}元", 1), encoding="utf-8")
    ingest(db, [src])
    page.goto(f"{base}/queue")
    row = page.locator("tr.queued")
    assert row.count() == 1 and "fees[0].amount" in row.inner_text() and wrong_fixed in row.inner_text()
    page.goto(url)
    assert page.locator("#rereview").is_visible()
    assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == str(old + 10)


# ---------------------------------------------------------------- 1: the add form

def test_add_form_shows_only_the_chosen_section_and_its_button_stays_on_screen(server, page):
    select_passage(page, server, "各乡(镇)人民政府")
    visible = page.locator("fieldset.addfields:visible")
    assert visible.count() == 1 and visible.get_attribute("data-section") == "cited_documents"
    page.select_option("#add-section", "departments")
    assert page.locator("fieldset.addfields:visible").get_attribute("data-section") == "departments"
    height = page.evaluate("() => document.getElementById('addform').getBoundingClientRect().height")
    assert height < 900 * 0.6
    total = page.evaluate("() => document.documentElement.scrollHeight")
    off = 0
    positions = list(range(0, total, 300))
    for y in positions:
        page.evaluate(f"() => window.scrollTo(0, {y})")
        box = page.locator("#add-submit").bounding_box()
        off += not (box and 0 <= box["y"] and box["y"] + box["height"] <= 900)
    assert len(positions) > 5 and off == 0, f"Add is off-screen at {off} of {len(positions)} positions"


# ---------------------------------------------------------------- 2: re-apply a list element

def test_re_apply_lands_a_list_element_correction_after_its_sentence_changed(tmp_path, page):
    src = seed_copy(tmp_path, "003_aea4e45528ea7e5a.txt")
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    key = str(src.resolve())
    with serve(db) as base:
        page.goto(url_of(base, key))
        tier = unit(page, "subsidy_tiers[3]")
        assert "80%" in tier.locator(".quote").inner_text()
        tier.locator('select[name="f:pay_first"]').select_option("true")
        tier.locator("button.save-btn").click()
        page.wait_for_load_state()
        raw = src.read_text(encoding="utf-8")
        at = raw.index("80%", raw.index("城乡低保对象按"))  # only the tier's sentence changes: 80% -> 85%
        src.write_text(raw[:at] + "85%" + raw[at + 3:], encoding="utf-8")
        ingest(db, [src])
        page.goto(f"{base}/queue")
        why = page.locator("tr.queued .problem").inner_text()
        assert "passage changed" in why and "old value" not in why
        page.locator('tr.queued button[value="reapply"]').click()
        page.wait_for_load_state()
        assert page.url.endswith("/queue") and page.locator("tr.queued").count() == 0
        page.goto(url_of(base, key))
        moved = page.locator(".unit", has=page.locator(".quote", has_text="85%"))
        assert moved.locator('select[name="f:pay_first"]').input_value() == "true"
        assert page.locator("#rereview").count() == 0


# ---------------------------------------------------------------- 3: Chinese in the log

def test_corrections_log_shows_chinese_as_chinese(server, page):
    select_passage(page, server, "各乡(镇)人民政府")
    page.select_option("#add-section", "targets")
    page.fill('input[name="a:targets:metric"]', "居民参保率")
    page.fill('input[name="a:targets:percent"]', "95")
    page.click("#add-submit")
    page.wait_for_load_state()
    log_text = page.locator("#history").inner_text()
    assert "居民参保率" in log_text and "\\u" not in log_text
    assert "补充" in log_text  # the operation in Chinese too (code as tooltip)
    assert page.locator('#history abbr.code[title="add"]').count() == 1


# ---------------------------------------------------------------- 5: status follows re-review

def test_a_reviewed_notice_shows_needs_re_review_when_its_correction_waits(server, page):
    base, src, db = server
    key = str(src.resolve())
    page.goto(url_of(base, key))
    fee = unit(page, "fees[0]")
    fee.locator('input[name="f:amount"]').fill("390")
    with page.expect_navigation():
        fee.locator('input[name="f:amount"]').press("Enter")
    page.click("#mark-reviewed")
    page.wait_for_load_state()
    assert page.locator("#review-status").get_attribute("title") == "reviewed"
    src.write_text(src.read_text(encoding="utf-8").replace("350元", "360元", 1), encoding="utf-8")
    ingest(db, [src])
    page.goto(url_of(base, key))
    assert page.locator("#review-status").get_attribute("title") == "needs_re_review"
    assert page.locator("#review-status").inner_text() == "待复核"
    page.goto(f"{base}/?status=reviewed")
    assert page.locator("tr.nrow").count() == 0
    page.goto(f"{base}/?status=needs_re_review")
    assert page.locator("tr.nrow").count() == 1


# ---------------------------------------------------------------- 6: typed values and scroll kept

def test_a_refused_value_stays_typed_and_the_text_keeps_its_place(server, page):
    base, src, _ = server
    page.set_viewport_size({"width": 1400, "height": 700})
    page.goto(url_of(base, str(src.resolve())))
    dept = page.locator(".unit.u-element[data-unit^='departments[']").nth(3)
    dept.locator('input[name^="f:"]').first.focus()  # its passage scrolls into view, far down the text
    before = page.evaluate("() => document.getElementById('textpane').scrollTop")
    assert before > 100
    fee = unit(page, "fees[0]")
    amount = fee.locator('input[name="f:amount"]')
    amount.fill("abc")
    page.evaluate("() => document.getElementById('textpane').scrollTop = 400")
    with page.expect_navigation():
        amount.press("Enter")
    assert page.locator("#form-error").is_visible()
    assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == "abc"
    assert abs(page.evaluate("() => document.getElementById('textpane').scrollTop") - 400) < 5
    unit(page, "fees[0]").locator('input[name="f:amount"]').fill("352")
    page.evaluate("() => document.getElementById('textpane').scrollTop = 500")
    with page.expect_navigation():
        unit(page, "fees[0]").locator('input[name="f:amount"]').press("Enter")
    page.wait_for_load_state()
    assert page.locator("#form-error").count() == 0
    assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == "352"
    assert abs(page.evaluate("() => document.getElementById('textpane').scrollTop") - 500) < 5


# ---------------------------------------------------------------- 7: 390 px

def test_list_and_notice_fit_a_390_px_phone(server, browser):
    base, src, _ = server
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    pg = ctx.new_page()
    try:
        for target in (f"{base}/", f"{base}/queue", f"{base}/dashboard", url_of(base, str(src.resolve()))):
            pg.goto(target)
            sw, cw = pg.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert sw <= cw, f"{target}: {sw} px wide on a {cw} px screen"
        assert pg.locator("#text").bounding_box()["width"] > 300
        assert pg.locator(".unit").first.bounding_box()["width"] > 300
    finally:
        ctx.close()


# ---------------------------------------------------------------- 8: busy warehouse

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_pages_while_another_process_writes_say_so_and_keep_the_save(tmp_path, page):
    from noticeflow.review.db import Warehouse

    src = seed_copy(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    with serve(db, warehouse=Warehouse(db, wait=0.3)) as base:
        page.goto(url_of(base, str(src.resolve())))
        unit(page, "fees[0]").locator('input[name="f:amount"]').fill("366")
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "2.5"], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            with page.expect_navigation():
                unit(page, "fees[0]").locator('input[name="f:amount"]').press("Enter")
            page.wait_for_load_state()
            assert "another process" in page.locator("#unavailable").inner_text()
            assert page.locator('#resend input[name="f:amount"]').get_attribute("value") == "366"
        finally:
            holder.wait(10)
        page.click("#resend button")
        page.wait_for_load_state()
        assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == "366"
    assert rows(db, "SELECT new_value FROM corrections") == [("366",)]


# ---------------------------------------------------------------- value-level evidence, codes

def test_values_are_highlighted_inside_their_clause_and_codes_read_in_chinese(tmp_path, page):
    src = seed_copy(tmp_path, "004_ae73945a28b9e6b0.txt")
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    with serve(db) as base:
        page.goto(url_of(base, str(src.resolve())))
        amount = unit(page, "fees[0]").locator('input[name="f:amount"]').input_value()
        val = page.locator('#text .val[data-val~="fees[0].amount"]')
        assert val.inner_text() == amount
        unit(page, "fees[0]").locator('input[name="f:amount"]').focus()
        assert page.locator("#text .vlit").first.inner_text() == amount
        assert page.locator("#text .lit").count() >= 1  # the whole clause, lighter
        # dates, title and region show their quote inline
        for u in ("title", "issue_date", "region"):
            assert unit(page, u).locator("q.evq").inner_text().strip()
        # the passages a region_conflict names are marked
        conflict = page.locator("#text .conflict").all_inner_texts()
        assert {"崞岚县", "岢岚县"} <= set(conflict)
        chip = page.locator('#loose-flags .flag[data-flag="region_conflict"], .unit[data-unit="region"] .flag').first
        assert chip.get_attribute("title") == "region_conflict" and "县名前后不一致" in chip.inner_text()
        kind = unit(page, "fees[0]").locator('select[name="f:kind"] option:checked')
        assert kind.inner_text() == "个人缴费" and kind.get_attribute("title") == "individual"
        tiers = page.locator('.unit.u-element[data-unit^="subsidy_tiers["] label.chk').all_inner_texts()
        assert any("推算" in t for t in tiers) and not any("subsidy_amount" in t for t in tiers)


# Draw CJK characters in the text pane's own font and compare them with a character no font has
# (U+0378 is unassigned): without a CJK font each comes out as that same .notdef box.
GLYPHS_JS = """() => {
      const font = getComputedStyle(document.getElementById('text')).font;
      const c = document.createElement('canvas'); c.width = 64; c.height = 64;
      const g = c.getContext('2d');
      function pixels(ch) {
        g.clearRect(0, 0, 64, 64); g.font = font.replace(/\\d+px/, '40px'); g.fillStyle = '#000';
        g.fillText(ch, 4, 48); return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
      }
      const tofu = pixels('\\u0378');
      const chars = Array.from('城乡居民医疗保险征缴');
      return {same: chars.filter(ch => pixels(ch) === tofu).length,
              distinct: new Set(chars.map(pixels)).size, n: chars.length,
              width: (g.font = font.replace(/\\d+px/, '40px'), g.measureText('医').width)};
    }"""


def test_chinese_renders_with_real_glyphs_not_boxes(server, page):
    base, src, _ = server
    page.goto(url_of(base, str(src.resolve())))
    result = page.evaluate(GLYPHS_JS)
    assert result["same"] == 0, f"{result['same']} of {result['n']} CJK characters render as missing glyphs"
    assert result["distinct"] == result["n"]
    assert 34 <= result["width"] <= 46  # a full-width glyph of a 40 px font


# ---------------------------------------------------------------- keyboard

def test_a_whole_correction_task_with_the_keyboard_alone(server, page):
    base, src, db = server
    key = str(src.resolve())
    page.goto(base + "/")
    page.keyboard.press("?")
    assert page.locator("#help").is_visible() and "next unreviewed notice" in page.locator("#help").inner_text()
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()
    press_nav(page, "n")  # next unreviewed notice: the notice its file carries
    assert page.locator("#nhead").get_attribute("data-key") == notice_of(db, key)
    for _ in range(40):
        if page.evaluate(CUR) == "fees[0]":
            break
        page.keyboard.press("j")
    assert page.evaluate(CUR) == "fees[0]"
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("e")
    page.keyboard.type("377")
    press_nav(page, "Enter")  # save
    assert page.evaluate(CUR) == "fees[0]"  # the cursor stays on the value
    page.keyboard.press("j")
    accepted = page.evaluate(CUR)
    press_nav(page, "a")  # accept the next value as it is
    assert unit(page, accepted).locator(".ok").count() == 1
    assert page.evaluate(CUR) == accepted  # still where the reviewer was
    page.keyboard.press("k")
    assert page.evaluate(CUR) == "fees[0]"
    press_nav(page, "u")  # undo the fee correction
    assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == "350"
    page.keyboard.press("e")
    page.keyboard.type("378")
    press_nav(page, "Enter")
    press_nav(page, "r")  # reviewed, and on to the next unreviewed (none left: the list)
    assert page.locator("#all-done").is_visible() or page.url.startswith(base + "/?")
    got = rows(db, "SELECT op, new_value, reviewer FROM corrections ORDER BY id")
    assert [(op, v) for op, v, _ in got] == [("set", "377"), ("accept", None), ("set", "350"), ("set", "378")]
    assert rows(db, "SELECT status FROM review_status") == [("reviewed",)]
    assert rows(db, "SELECT amount FROM fees") == [(378.0,)]


# ---------------------------------------------------------------- search, pagination, undo, conflicts

def test_search_and_pagination_on_300_notices(synthetic_db, tmp_path, page):
    db = tmp_path / "w.duckdb"
    shutil.copy(synthetic_db, db)
    con = duckdb.connect(str(db), read_only=True)
    county, n_county = con.execute("SELECT county, count(*) FROM records WHERE county IS NOT NULL"
                                   " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    docno = con.execute("SELECT doc_number FROM records WHERE doc_number IS NOT NULL ORDER BY path LIMIT 1").fetchone()[0]
    n_docno = con.execute("SELECT count(*) FROM records WHERE contains(json_extract_string(record, '$.text'), ?)",
                          [docno]).fetchone()[0]
    phrase = "丧失劳动能力的残疾人"
    n_phrase = con.execute("SELECT count(*) FROM records WHERE contains(json_extract_string(record, '$.text'), ?)",
                           [phrase]).fetchone()[0]
    con.close()
    assert 0 < n_phrase < 300
    with serve(db) as base:
        page.goto(base + "/")
        assert page.locator("tr.nrow").count() == 50 and "page 1 of 6" in page.locator("#pager").inner_text()
        first = page.locator("tr.nrow").first.get_attribute("data-key")
        press_nav(page, "]")
        assert "page 2 of 6" in page.locator("#pager").inner_text()
        assert page.locator("tr.nrow").first.get_attribute("data-key") > first
        seen = set()
        for p in range(1, 7):
            page.goto(f"{base}/?page={p}")
            seen.update(page.locator("tr.nrow").evaluate_all("rs => rs.map(r => r.dataset.key)"))
        assert len(seen) == 300

        def search(text):
            page.goto(base + "/")
            page.keyboard.press("/")
            page.keyboard.type(text)
            press_nav(page, "Enter")
            return int(page.locator("#count").inner_text().split()[0])
        assert search(county) == n_county
        assert all(county in t for t in page.locator("tr.nrow .c-county").all_inner_texts())
        assert search(docno) == n_docno
        assert search(phrase) == n_phrase
        page.goto(f"{base}/?flag=tier_arithmetic&status=unreviewed")
        assert page.locator("tr.nrow").count() > 0
        assert all("资助档次金额对不上" in t for t in page.locator("tr.nrow .c-flags").all_inner_texts())


def test_undo_from_the_history_appends_the_inverse(server, page):
    base, src, db = server
    page.goto(url_of(base, str(src.resolve())))
    fee = unit(page, "fees[0]")
    fee.locator('input[name="f:amount"]').fill("444")
    with page.expect_navigation():
        fee.locator('input[name="f:amount"]').press("Enter")
    fee = unit(page, "fees[0]")
    fee.locator("details.hist summary").click()
    assert "444" in fee.locator("details.hist").inner_text()
    fee.locator(".undo-form button").click()
    page.wait_for_load_state()
    assert unit(page, "fees[0]").locator('input[name="f:amount"]').input_value() == "350"
    assert rows(db, "SELECT op, old_value, new_value FROM corrections ORDER BY id") == [
        ("set", "350", "444"), ("set", "444", "350")]


def test_a_save_over_someone_elses_change_is_refused_with_both_values(server, browser):
    base, src, db = server
    url = url_of(base, str(src.resolve()))
    ctx_a, ctx_b = (browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(2))
    a, b = ctx_a.new_page(), ctx_b.new_page()
    try:
        a.goto(url)
        b.goto(url)
        unit(a, "fees[0]").locator('input[name="f:amount"]').fill("400")
        with a.expect_navigation():
            unit(a, "fees[0]").locator('input[name="f:amount"]').press("Enter")
        unit(b, "fees[0]").locator('input[name="f:amount"]').fill("410")
        with b.expect_navigation():
            unit(b, "fees[0]").locator('input[name="f:amount"]').press("Enter")
        box = b.locator("#conflict")
        assert box.is_visible()
        assert box.locator(".c-loaded").inner_text() == "350"
        assert box.locator(".c-now").inner_text().startswith("400")
        assert box.locator(".c-typed").inner_text() == "410"
        assert unit(b, "fees[0]").locator('input[name="f:amount"]').input_value() == "410"
        assert rows(db, "SELECT new_value FROM corrections") == [("400",)]
        b.click("#conflict a.button")  # keep theirs: reload shows the other reviewer's save
        b.wait_for_load_state()
        assert unit(b, "fees[0]").locator('input[name="f:amount"]').input_value() == "400"
    finally:
        ctx_a.close()
        ctx_b.close()


# ---------------------------------------------------------------- the timed session

def test_twenty_notices_corrected_with_the_keyboard_in_under_a_minute(synthetic_db, tmp_path, page):
    db = tmp_path / "w.duckdb"
    shutil.copy(synthetic_db, db)
    done = []
    with serve(db) as base:
        page.goto(base + "/")
        t0 = time.monotonic()
        press_nav(page, "n")
        for _ in range(20):
            key = page.locator("#nhead").get_attribute("data-key")
            page.keyboard.press("3")  # the fees section (document, cited documents, fees)
            if page.evaluate(CUR) != "fees[0]":  # a notice that cites nothing: fees are second
                page.keyboard.press("2")
            old = unit(page, "fees[0]").locator('input[name="f:amount"]').input_value()
            new = str(int(float(old)) + 5)
            page.keyboard.press("e")
            page.keyboard.type(new)
            press_nav(page, "Enter")
            press_nav(page, "r")
            done.append((key, float(new)))
        elapsed = time.monotonic() - t0
    print(f"\n20 keyboard corrections on a 300-notice warehouse: {elapsed:.1f} s")
    assert elapsed < 60
    assert len({k for k, _ in done}) == 20
    con = duckdb.connect(str(db), read_only=True)
    try:
        for key, amount in done:
            assert con.execute("SELECT amount FROM fees f JOIN notices n ON n.best_doc_key = f.doc_key AND n.is_current"
                               " WHERE n.notice_id = ? AND f.idx = 0", [key]).fetchone() == (amount,)
        assert con.execute("SELECT count(DISTINCT notice_key) FROM review_status WHERE status = 'reviewed'").fetchone() == (20,)
    finally:
        con.close()


def test_the_glyph_check_sees_boxes_when_no_cjk_font_is_installed(server, browser, tmp_path):
    """The check above can fail: a Chromium whose fontconfig knows only DejaVu draws boxes."""
    import os

    base, src, _ = server
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>'
                    f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    b = browser.browser_type.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                    env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    try:
        pg = b.new_page()
        pg.goto(url_of(base, str(src.resolve())))
        result = pg.evaluate(GLYPHS_JS)
    finally:
        b.close()
    assert result["same"] == result["n"]
