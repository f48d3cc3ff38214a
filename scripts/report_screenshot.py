"""Regenerate docs/report.png, the README's picture of `noticeflow report`.

    python scripts/report_screenshot.py [--year 2023]

Loads corpus/ (text and PDF) and tests/fixtures/yangcheng_2025.txt into a temporary warehouse
with the ingest's own loader (no Prefect), runs the diff stage, renders the report and
photographs it in Debian's Chromium (Playwright, /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import hashlib
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def build_warehouse(db: pathlib.Path) -> None:
    from noticeflow.flows.ingest_worker import process_many
    from noticeflow.warehouse import migrate, store
    from noticeflow.warehouse.changes import load_changes, pending_doc_ids

    files = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "corpus").glob("*.pdf"))
    files.append(ROOT / "tests" / "fixtures" / "yangcheng_2025.txt")
    con = migrate.connect(db)
    try:
        prints = [(str(f), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files]
        batch, _ = process_many(prints)
        store.load_batch(con, batch, run_id="screenshot")
        load_changes(con, pending_doc_ids(con))
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("-o", "--output", default=str(ROOT / "docs" / "report.png"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from noticeflow.warehouse import migrate
    from noticeflow.warehouse.report import render

    with tempfile.TemporaryDirectory(prefix="noticeflow-shot-") as tmp:
        db, page_file = pathlib.Path(tmp) / "w.duckdb", pathlib.Path(tmp) / "report.html"
        build_warehouse(db)
        con = migrate.connect(db, read_only=True)
        try:
            page_file.write_text(render(con, args.year), encoding="utf-8")
        finally:
            con.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
            page.goto(page_file.as_uri())
            page.evaluate("window.noticeflowReady")
            page.screenshot(path=args.output, full_page=True)
            browser.close()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
