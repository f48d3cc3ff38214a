"""Schema creation and migration: numbered SQL files applied in order, recorded in schema_version.

Files are `warehouse/migrations/NNN_name.sql`; several teams add their own numbers, so every
file not yet recorded is applied, in numeric order, each in its own transaction.
"""
from __future__ import annotations

import pathlib
import re

import duckdb

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(?P<num>\d{3})_(?P<name>[\w-]+)\.sql$")


def migrations(folder: pathlib.Path = MIGRATIONS) -> list[tuple[int, str, pathlib.Path]]:
    """(number, name, file) of every migration file, in order; duplicate numbers are an error."""
    found = []
    for f in folder.glob("*.sql"):
        m = _NAME.match(f.name)
        if m:
            found.append((int(m["num"]), m["name"], f))
    found.sort()
    nums = [n for n, _, _ in found]
    if len(nums) != len(set(nums)):
        dupes = sorted({n for n in nums if nums.count(n) > 1})
        raise RuntimeError(f"two migrations share a number: {dupes}")
    return found


def applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    return {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection, folder: pathlib.Path = MIGRATIONS) -> list[int]:
    """Apply every migration not yet recorded; returns the numbers applied now."""
    done = applied(con)
    now = []
    for num, name, path in migrations(folder):
        if num in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, current_timestamp)", [num, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        now.append(num)
    if now:
        # Write the new schema into the file now, not only into the WAL: a process killed before
        # its first checkpoint leaves a WAL whose replay must re-run each ALTER ... USING, and
        # replaying timezone() there asks DuckDB to download the ICU extension (offline: fails).
        con.execute("CHECKPOINT")
    return now


# DuckDB's buffer pool defaults to 80% of RAM and keeps what it cached: bound it so a large
# ingest stays within its memory budget (it spills to disk past the limit; 256 MB keeps the
# ingest process near 650 MB on 10,000 notices and completes 10,000 + 15,000 into one
# warehouse). Insertion order is not needed (every query orders what it shows), which lets
# bulk inserts stream.
# No ZSTD for long strings (DuckDB uses it for columns averaging 4 KB or more: the records and
# review_base JSON). ZSTD compresses a whole 2,048-row vector as one frame, so reading one
# notice's record decompressed ~30 MB of its neighbours: 20 ms and a 64 MB buffer for every
# notice page and save, which ran the shared pool out of memory under twenty reviewers. Stored
# plainly a record is one block read (about 1 ms); the file is larger (the 10,000 synthetic
# notices' records take 256 MB instead of 8 MB; real notices compress less). Applies to what is
# written from now on: an existing warehouse's records keep ZSTD until they are loaded again.
CONFIG = {"memory_limit": "256MB", "threads": "2", "preserve_insertion_order": "false",
          "zstd_min_string_length": str(1 << 30)}


def connect(db: str | pathlib.Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file, migrated to the latest schema (unless read-only)."""
    con = duckdb.connect(str(db), read_only=read_only, config=dict(CONFIG))
    if not read_only:
        migrate(con)
    return con
