"""The Dask cluster the extract tasks run on: a local one of worker processes, or an existing one.

`noticeflow ingest --dask tcp://scheduler:8786` (also `serve`, `deploy`) uses a cluster that
machines joined with `dask scheduler` / `dask worker tcp://scheduler:8786 --nthreads 1`; without
it, a `LocalCluster` of one single-threaded worker process per core, each under a Dask nanny
that restarts it when it dies (a crash in native code, or its memory limit). Workers read the
files themselves (they get paths, not bytes: see `flows.ingest_tasks`), so every worker machine
must see the files under the same paths as the flow. Prefect's API must be reachable from the
workers too: with workers on other machines, run a real server (`PREFECT_API_URL`).
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import contextmanager

WORKERS = os.cpu_count() or 1
# A worker whose memory passes this is killed and restarted by its nanny, and the document it
# was extracting is quarantined (see `flows.ingest._Extraction`): what bounds a notice's memory.
WORKER_MEMORY = os.environ.get("NOTICEFLOW_WORKER_MEMORY", "2GiB")

# Dask settings for the local cluster. allowed-failures 0: a task whose worker dies fails at
# once (KilledWorker) and the flow retries its documents itself, one per task, to find the one
# that kills workers; Dask's own retries (3 by default) would kill three more workers first.
# No spilling or pausing: results are small and handed over at once; a paused worker would
# wait forever for memory that only a restart frees.
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
    "distributed.worker.memory.terminate": 0.95,
    "distributed.worker.daemon": False,
    # Dask's statistical profiler samples the running task every 10 ms and keeps a call tree
    # per second for the last hour (`profile_history`): ~100 MB a worker by the end of a
    # 10,000-notice run, growing with the run's length. Only Dask's dashboard reads it.
    "distributed.worker.profile.enabled": False,
}

# Set by `started()` so a flow run reuses the cluster its caller started beside Prefect's API.
_LOCAL = None
_LOCK = threading.Lock()


def quiet_logs(level: int = logging.CRITICAL) -> None:
    """Dask logs every worker restart and lost connection; the run summary reports what matters."""
    for name in ("distributed", "distributed.nanny", "distributed.worker", "distributed.scheduler",
                 "distributed.core", "distributed.client", "distributed.comm", "tornado",
                 "distributed.process", "distributed.batched"):
        logging.getLogger(name).setLevel(level)


def new_local(workers: int = WORKERS):
    """A LocalCluster on loopback: `workers` single-threaded processes, no dashboard."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(LOCAL_CONFIG):
        return LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True, host="127.0.0.1",
            scheduler_port=0, dashboard_address=None, memory_limit=WORKER_MEMORY,
            # no dashboard; its HTTP server (health checks) on a free port, not 8787
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.CRITICAL if _quiet() else logging.WARNING,
            # Build the extractors' tables at worker start, not on the first document; and
            # leave the terminal's process group (`dask_setup` below).
            preload=["noticeflow.flows.ingest_preload", "noticeflow.flows.cluster"])


def dask_setup(worker) -> None:
    """Preload hook of the local cluster's workers: a process group of their own, so a Ctrl-C
    in the terminal reaches only the CLI, which then closes the cluster in order (otherwise
    every worker dies of it at once, printing a traceback, while its batch is half done).
    They still die with the CLI: Dask's nanny ends a worker whose parent is gone."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass


def _quiet() -> bool:
    return os.environ.get("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL") == "CRITICAL"


def close(cluster, timeout: float = 3, fast: bool = False) -> None:
    """Close a local cluster: workers get `timeout` seconds to finish, or (`fast`, when the
    run is stopping) are killed first; their batches are lost work, redone by the next run."""
    if cluster is None:
        return
    pids = [getattr(getattr(getattr(n, "process", None), "process", None), "pid", None)
            for n in list(getattr(cluster, "workers", {}).values())]
    if fast:
        _kill(pids)
    try:
        cluster.close(timeout=timeout)
    except BaseException:  # noqa: BLE001 - a timeout, or a second Ctrl-C: kill what is left
        pass
    finally:
        _kill(pids)
        # Dask closes every cluster it knows of again at exit, waiting without a limit.
        from distributed.deploy.spec import SpecCluster

        SpecCluster._instances.discard(cluster)


def _kill(pids) -> None:
    for pid in pids:
        if pid:
            try:
                os.kill(pid, 9)
            except OSError:
                pass


@contextmanager
def _main_not_reimported():
    """Worker processes are spawned, and a spawned process re-runs the caller's `__main__` (a
    script, a notebook, `python -m ...`) unless it is guarded: hide it for the cluster's whole
    life (a nanny restarts a dead worker at any time), so workers import only what tasks need."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main and k in main.__dict__}
    try:
        for k in saved:
            setattr(main, k, None) if k == "__spec__" else delattr(main, k)
        yield
    finally:
        for k, v in saved.items():
            setattr(main, k, v)


@contextmanager
def started(workers: int = WORKERS, address: str | None = None):
    """A local cluster for the block (none when `address` names an existing one); a flow run
    inside the block uses it instead of starting its own."""
    global _LOCAL
    if address:
        yield None
        return
    with _LOCK:
        outer = _LOCAL
    if outer is not None:  # an outer block started one
        yield outer
        return
    with _main_not_reimported():
        c = new_local(workers)
        with _LOCK:
            _LOCAL = c
        stopping = False
        try:
            yield c
        except BaseException as e:
            from noticeflow.flows.stops import is_stop

            stopping = is_stop(e)
            raise
        finally:
            with _LOCK:
                released = _LOCAL is not c  # `release()` closed it already
                _LOCAL = None
            if not released:
                close(c, fast=stopping)


def release() -> None:
    """Close the local cluster a `started()` block holds, before the block ends: called when a
    run's extraction is over, so the workers' memory (~300 MB each) is handed back before the
    diff stage instead of sitting idle beside it. Nothing to do on an existing cluster."""
    global _LOCAL
    with _LOCK:
        c, _LOCAL = _LOCAL, None
    close(c)


@contextmanager
def task_runner(address: str | None = None, workers: int = WORKERS):
    """A started `DaskTaskRunner` on the named cluster, the caller's local one, or a new local one."""
    from prefect_dask import DaskTaskRunner

    with started(workers, address) as local:
        runner = DaskTaskRunner(address=address) if address else DaskTaskRunner(cluster=local)
        try:
            with runner:
                yield runner
        except BaseException as e:
            from noticeflow.flows.stops import is_stop

            if is_stop(e) and local is not None:  # stopping: free the cores now, not after
                close(local, timeout=0.5, fast=True)  # Prefect has recorded the crash
            raise
