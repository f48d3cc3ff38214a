"""The review app's one way into the warehouse: every query and write goes through `Warehouse`.

Why one accessor: the ingest runs in another process while reviewers read and save. Each unit
of work (the queries of one page, one save) takes a session for as long as it needs and gives
it back, and rendering happens after. Sessions come from `warehouse.access`, which lets
several processes share the DuckDB file (one owns it and serves the others): a page reads one
consistent snapshot and never holds up the ingest's writes; a save is one short autocommit unit.

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

from noticeflow.warehouse import access
from noticeflow.warehouse import corrections as log


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
    if isinstance(e, access.WarehouseBusy) or ("lock" in low and ("conflicting" in low or "could not set" in low)):
        return Unavailable(f"{db}: another process (an ingest?) is writing the warehouse; try again in a moment")
    if isinstance(e, duckdb.IOException) or "not a valid duckdb" in low or "corrupt" in low:
        return Unavailable(f"{db}: cannot read the warehouse ({text.splitlines()[0][:160]})", retry=False)
    return Unavailable(f"{db}: warehouse error ({text.splitlines()[0][:160]})")


SESSIONS = 4  # units of work in DuckDB at once per app (see Warehouse)


class Warehouse:
    """Short sessions on one warehouse file, through `warehouse.access` (which shares the file
    with an ingest or a query running in another process)."""

    def __init__(self, path: str | pathlib.Path, wait: float = 5.0, linger: float = 0.0, sessions: int = SESSIONS):
        self.path = str(path)
        # At most `sessions` units in DuckDB at once (the others wait their turn, a few ms): twenty
        # reviewers' pages at once gain nothing on two cores and together ran the memory pool out.
        self._slots = threading.BoundedSemaphore(max(1, sessions))
        self.wait = wait  # how long a request waits for a process outside noticeflow, then 503
        self.linger = linger  # seconds an idle session keeps the file open after the last request
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # `writing()` sessions, one at a time
        self._notices: dict[str, list] = {}  # notice key -> [lock, holders]: `serial`
        self._users = 0
        self._keeper = None  # an idle session that keeps this process the file's owner
        self._generation = 0

    def check(self) -> None:
        """Raise Unavailable unless the file opens as a warehouse (at startup: fail fast)."""
        if not pathlib.Path(self.path).exists():
            raise Unavailable(f"{self.path}: no warehouse here; run `noticeflow ingest PATH --db {self.path}` first",
                              retry=False)
        with self.writing() as cur:
            log.ensure_schema(cur)
            cur.execute("SELECT count(*) FROM information_schema.tables").fetchone()

    def _open(self, read_only: bool):
        try:
            return access.connect(self.path, read_only=read_only, wait=self.wait, on_wait=lambda message: None)
        except duckdb.Error as e:
            raise describe(self.path, e) from e

    @contextlib.contextmanager
    def _session(self, read_only: bool) -> Iterator:
        with self._slots:
            with self._lock:
                self._users += 1
            try:
                con = self._open(read_only)
            except BaseException:
                self._release()
                raise
            try:
                yield con
            except duckdb.Error as e:
                raise describe(self.path, e) from e
            finally:
                con.close()
                self._release()

    def _release(self) -> None:
        """Keep one idle session for `linger` seconds: reopening the file and the checkpoint when
        it closes cost more than a page, so a burst of requests opens it once."""
        with self._lock:
            self._users -= 1
            if self.linger <= 0:
                return
            self._generation += 1
            if self._keeper is None:
                try:
                    self._keeper = self._open(read_only=True)
                except Unavailable:
                    return
            t = threading.Timer(self.linger, self._close_idle, [self._generation])
            t.daemon = True
            t.start()

    def _close_idle(self, generation: int) -> None:
        keeper = None
        with self._lock:
            if self._users == 0 and self._generation == generation:
                keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()

    def close(self) -> None:
        with self._lock:
            keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()

    @contextlib.contextmanager
    def cursor(self) -> Iterator:
        """A read-only session for one page: one consistent snapshot, never in a writer's way.
        Hold it only for the queries, not for rendering."""
        with self._session(read_only=True) as con:
            yield con

    @contextlib.contextmanager
    def serial(self, key: str) -> Iterator:
        """Reviewer writes to one notice, one at a time in this process: a save checks what
        the reviewer loaded against the log and appends to it as one step (optimistic
        concurrency), so two saves of the same notice never both pass the check. Saves of
        different notices, and the background refresh of analyst rows, do not wait for each
        other: they only append rows (or rewrite rows no save writes), and DuckDB's MVCC
        keeps their transactions apart."""
        with self._lock:
            slot = self._notices.setdefault(key, [threading.Lock(), 0])
            slot[1] += 1
        try:
            with slot[0]:
                yield
        finally:
            with self._lock:
                slot[1] -= 1
                if not slot[1]:
                    del self._notices[key]

    def notice_of(self, key: str) -> str:
        """The notice a key names (a notice_id, or a document's path): what `serial` locks."""
        with self.cursor() as cur:
            return log.notice_key_of(cur, key)

    def atomic(self, fn):
        """`fn(session)` as one transaction, made again after a transient failure (a write
        conflict with a running ingest, a full shared memory pool): never half stored. Not
        serialised with other writes (see `serial` for a notice's)."""
        with self._session(read_only=False) as con:
            try:
                return access.transaction(con, lambda: fn(con))
            except duckdb.Error as e:
                raise describe(self.path, e) from e

    @contextlib.contextmanager
    def writing(self) -> Iterator:
        """A read-write session for one save or status change, one at a time in this process."""
        with self._writing, self._session(read_only=False) as con:
            yield con
