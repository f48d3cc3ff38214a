"""Regenerate the review workspace's screenshots in docs/ (never run by the test suite).

    python scripts/screenshots.py            # writes docs/review_list.png, review_notice.png,
                                             # review_queue.png, review_phone.png

Loads the seed corpus into a temporary warehouse, makes a few corrections as a reviewer would
(one of them then overtaken by a changed source, so the queue has something to show), serves
the app on 127.0.0.1 and photographs the pages in Debian's Chromium.
"""
from __future__ import annotations

import pathlib
import shutil
import socket
import sys
import tempfile
import threading
import time
from urllib.parse import quote

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
DOCS = ROOT / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from noticeflow.review.app import create_app
    from noticeflow.warehouse import corrections as log
    from noticeflow.warehouse import migrate
    from test_review_corrections import ingest  # the loader the ingest flow uses, minus Prefect

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="nf_shots_"))
    try:
        corpus = tmp / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        db = tmp / "w.duckdb"
        files = sorted(corpus.iterdir())
        ingest(db, files)
        main_key = str((corpus / "000_beb0d831110dae00.txt").resolve())
        other = corpus / "003_aea4e45528ea7e5a.txt"
        con = migrate.connect(db)
        try:
            rec = log.extraction(con, main_key)
            log.propose(con, main_key, rec, "set", "fees[0].amount", 360, "王芳", "核对原件")
            log.refresh(con, main_key)
            o = log.extraction(con, str(other.resolve()))
            log.propose(con, str(other.resolve()), o, "set", "subsidy_tiers[3].pay_first", True, "李明", "先缴后补")
        finally:
            con.close()
        raw = other.read_text(encoding="utf-8")
        at = raw.index("80%", raw.index("城乡低保对象按"))
        other.write_text(raw[:at] + "85%" + raw[at + 3:], encoding="utf-8")
        ingest(db, [other])

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
        th = threading.Thread(target=srv.run, daemon=True)
        th.start()
        while not srv.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = b.new_page(viewport={"width": 1440, "height": 900})
            page.goto(base + "/")
            page.screenshot(path=str(DOCS / "review_list.png"))
            page.goto(f"{base}/notice?key={quote(main_key, safe='')}")
            page.keyboard.press("3")  # the fee: its clause lit, the value brighter inside it
            page.screenshot(path=str(DOCS / "review_notice.png"))
            page.goto(base + "/queue")
            page.screenshot(path=str(DOCS / "review_queue.png"))
            phone = b.new_page(viewport={"width": 390, "height": 844})
            phone.goto(f"{base}/notice?key={quote(main_key, safe='')}")
            phone.screenshot(path=str(DOCS / "review_phone.png"))
            b.close()
        srv.should_exit = True
        th.join(10)
        for name in ("review_list", "review_notice", "review_queue", "review_phone"):
            print(DOCS / f"{name}.png")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
