"""Dask worker preload for tests: a file whose name contains KILLS-WORKER aborts the worker
process while it is being read, the way a crash in native code would (a test cannot rely on
a real one). Loaded with `dask worker ... --preload tests/dask_crash_preload.py`."""
import os

from noticeflow.flows import ingest_worker



def _patch() -> None:
    read = ingest_worker.read
    if getattr(read, "crashes_on_marker", False):  # Dask may run a preload twice
        return

    def read_or_crash(path, *args, **kwargs):
        if "KILLS-WORKER" in os.path.basename(path):
            os.abort()
        return read(path, *args, **kwargs)

    read_or_crash.crashes_on_marker = True
    ingest_worker.read = read_or_crash


_patch()
