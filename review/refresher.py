"""Rewrites a corrected notice's analyst rows in the background, so a save returns as soon as
its correction is in the log.

The review pages compute each record from the extraction and the log, so they show a save at
once; the analyst tables (fees, flags, ...) follow within a moment. Which notices still need it
is in the warehouse (`corrections.stale`: newest correction newer than the last refresh), so
nothing is missed if the server stops first: the next start catches up.
"""
from __future__ import annotations

import logging
import threading
import weakref

from noticeflow.review.db import Unavailable, Warehouse
from noticeflow.warehouse import corrections as log

_log = logging.getLogger(__name__)
BATCH = 100  # notices per refresh transaction
# Seconds the refresher lets saves gather before a refresh: its cost is mostly per transaction
# (each analyst table rewritten, the notices restamped, the changes index read: ~0.3 s on 10,000
# notices), so twenty reviewers saving get one refresh a second, not one per save.
SETTLE = 1.0
_live: "weakref.WeakSet[Refresher]" = weakref.WeakSet()


def flush_all(timeout: float = 60.0) -> None:
    """Wait for every refresher of this process (a test, before it reads the tables itself)."""
    for r in list(_live):
        r.flush(timeout)


class Refresher:
    def __init__(self, warehouse: Warehouse):
        self.wh = warehouse
        self._pending: set[str] = set()
        self._cv = threading.Condition()
        self._busy = False
        self._stop = False
        self._hurry = 0  # flushes waiting: no settling meanwhile
        self._thread = threading.Thread(target=self._run, name="review-refresher", daemon=True)
        self._thread.start()
        _live.add(self)

    def catch_up(self) -> None:
        """Queue every notice the analyst tables are behind on (at startup)."""
        try:
            with self.wh.cursor() as cur:
                keys = log.stale(cur)
        except Unavailable as e:
            _log.warning("cannot check for stale analyst rows: %s", e)
            return
        for k in keys:
            self.poke(k)

    def poke(self, key: str) -> None:
        with self._cv:
            self._pending.add(key)
            self._cv.notify_all()

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until every queued notice is refreshed (tests, shutdown)."""
        with self._cv:
            self._hurry += 1
            self._cv.notify_all()
            try:
                return self._cv.wait_for(lambda: not self._pending and not self._busy, timeout)
            finally:
                self._hurry -= 1

    def stop(self) -> None:
        self.flush()
        with self._cv:
            self._stop = True
            self._cv.notify_all()

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._pending or self._stop)
                if self._stop and not self._pending:
                    return
                self._cv.wait_for(lambda: self._stop or self._hurry > 0, SETTLE)  # saves made meanwhile join
                keys, self._pending, self._busy = sorted(self._pending), set(), True
            failed = []
            for i in range(0, len(keys), BATCH):  # every notice saved meanwhile, in one transaction
                batch = keys[i:i + BATCH]
                try:
                    self.wh.atomic(lambda cur, batch=batch: log.refresh_many(cur, batch))
                except Exception as e:  # noqa: BLE001 - kept for the next round, never lost
                    _log.warning("refresh of %d notice(s) failed, will retry: %s", len(batch), e)
                    failed += batch
            with self._cv:
                self._busy = False
                self._pending.update(failed)
                self._cv.notify_all()
            if failed:
                threading.Event().wait(1.0)
