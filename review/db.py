"""The review app's one way into the warehouse: every query and write goes through `Warehouse`.

Why one accessor: DuckDB lets one process at a time open a file for writing, and the ingest
runs in another process. Each unit of work (the queries of one page, one save) takes a cursor
for as long as it needs and gives it back; the file itself is opened on the first cursor and
closed when the last one is returned (the server waits `linger` seconds first, in a timer
thread, since reopening and the checkpoint on close cost), so between bursts of requests
another process can open it. How the
file is shared between processes (the warehouse's own module) plugs in at `_open`.

Failures become `Unavailable` with a one-line reason a reviewer can act on (busy, disk full,
not a warehouse); the app answers those with a 503 page, never a bare 500.
"""
from __future__ import annotations

import contextlib
import pathlib
import threading
import time
from typing import Iterator

import duckdb

from noticeflow.warehouse import corrections as log
from noticeflow.warehouse import migrate

# The loader's settings, with room for 20 reviewers' queries at once (the loader's 256 MB is
# sized for one ingest transaction, and a page's hash tables are 64 MB each).
CONFIG = {**migrate.CONFIG, "memory_limit": "1GB"}


class Unavailable(Exception):
    """The warehouse cannot be used right now; `str()` says why in one line."""

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


def describe(db: str, e: BaseException) -> Unavailable:
    """A DuckDB error as what the reviewer is told."""
    text = str(e)
    low = text.lower()
    if "no space left" in low or "disk full" in low or "not enough space" in low:
        return Unavailable(f"{db}: the disk is full, nothing was saved ({text.splitlines()[0][:160]})")
    if "lock" in low and ("conflicting" in low or "could not set" in low):
        return Unavailable(f"{db}: another process (an ingest?) is writing the warehouse; try again in a moment")
    if isinstance(e, duckdb.IOException) or "not a valid duckdb" in low or "corrupt" in low:
        return Unavailable(f"{db}: cannot read the warehouse ({text.splitlines()[0][:160]})", retry=False)
    return Unavailable(f"{db}: warehouse error ({text.splitlines()[0][:160]})")


class Warehouse:
    """Short-lived cursors over one DuckDB file, shared by the threads of this process."""

    def __init__(self, path: str | pathlib.Path, wait: float = 5.0, linger: float = 0.0):
        self.path = str(path)
        self.wait = wait  # how long a request waits for another process's lock, then 503
        self.linger = linger  # seconds the file stays open after the last request (reopening costs)
        self._generation = 0
        self._lock = threading.Lock()        # guards _con and _users
        self._writing = threading.Lock()     # one write at a time (DuckDB would conflict)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._schema_ok = False

    def check(self) -> None:
        """Raise Unavailable unless the file opens as a warehouse (at startup: fail fast)."""
        if not pathlib.Path(self.path).exists():
            raise Unavailable(f"{self.path}: no warehouse here; run `noticeflow ingest PATH --db {self.path}` first",
                              retry=False)
        with self.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.tables").fetchone()

    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.wait
        while True:
            try:
                return duckdb.connect(self.path, config=CONFIG)
            except duckdb.IOException as e:
                if "lock" not in str(e).lower() or time.monotonic() > deadline:
                    raise describe(self.path, e) from e
                time.sleep(0.05)
            except duckdb.Error as e:
                raise describe(self.path, e) from e

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one unit of work; hold it only for the queries, not for rendering."""
        with self._lock:
            if self._con is None:
                self._con = self._open()
            self._users += 1
            con = self._con
        try:
            cur = con.cursor()
            try:
                if not self._schema_ok:
                    with self._writing:
                        log.ensure_schema(cur)
                    self._schema_ok = True
                yield cur
            except duckdb.Error as e:
                raise describe(self.path, e) from e
            finally:
                cur.close()
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self.linger <= 0 and self._con is not None:
                    self._con.close()
                    self._con = None
                elif self._users == 0:
                    self._generation += 1
                    t = threading.Timer(self.linger, self._close_idle, [self._generation])
                    t.daemon = True
                    t.start()

    def _close_idle(self, generation: int) -> None:
        """Close the file once nobody used it for `linger` seconds (another process may open it)."""
        with self._lock:
            if self._users == 0 and self._generation == generation and self._con is not None:
                self._con.close()  # checkpoints: off the request path, in this timer thread
                self._con = None

    def close(self) -> None:
        with self._lock:
            if self._con is not None and self._users == 0:
                self._con.close()
                self._con = None

    @contextlib.contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one write (a save, a status change), one at a time in this process."""
        with self.cursor() as cur, self._writing:
            yield cur
