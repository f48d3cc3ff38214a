import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    """Debian's Chromium for Playwright; skipped where absent, a failure where CI requires it."""
    import os

    import pytest

    path = pathlib.Path("/usr/bin/chromium")
    if not path.exists():
        if os.environ.get("NOTICEFLOW_REQUIRE_BROWSER"):
            pytest.fail("NOTICEFLOW_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    return str(path)


def query_rows(db, sql: str, *args) -> list[tuple]:
    """Rows of a query on a warehouse file, opened read-only for that one query."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()


def warehouse_rows(db, sql, args=()):
    """query_rows once the review app's background refreshes of the analyst rows are written
    (tests of the app read what it saved)."""
    from noticeflow.review.refresher import flush_all

    flush_all()
    return query_rows(db, sql, *args)
