"""Clean stops: Ctrl-C and SIGTERM end a run between transactions, and no helper outlives us.

A signal only records the request; the run raises `Stopped` in the main thread (where the flow
and the loader run) at its next safe point (`check()`, between batches and while it waits), so
every `finally` runs: the current batch's transaction commits or rolls back, the Dask cluster
and Prefect's temporary API are closed. A transaction is a `deferred()` block that no stop
enters: a ROLLBACK after a COMMIT that already went through used to fail with an ordinary
error, which Prefect's task retry answered by loading the batch a second time.

Child processes we start watch for our death (`exit_with_parent`), so even kill -9 of the CLI
leaves nothing running: a parent-death signal where Linux has one, and a watchdog thread that
exits when the parent pid changes (the parent-death signal follows the *thread* that forked,
which is not always the main thread).
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
from contextlib import contextmanager

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
FALLBACK_S = 2.0  # a stop not taken at a safe point by then is raised wherever the run is


class Stopped(KeyboardInterrupt):
    """The run was asked to stop. A KeyboardInterrupt, so Prefect and every library treat it as
    an interrupt, never as an error to retry."""
    signum = signal.SIGINT

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 128 + self.signum)


class Interrupted(Stopped):
    signum = signal.SIGINT


class Terminated(Stopped):
    signum = signal.SIGTERM


_BY_SIGNAL = {signal.SIGINT: Interrupted, signal.SIGTERM: Terminated}
_requested: list[int] = []
_deferred = [0]
_installed: list[bool] = []


def _request(signum, frame) -> None:
    """A signal handler that only takes note: the run stops at its next safe point (`check`).
    Raising from the handler itself would land anywhere, and libraries turn exceptions raised
    inside them into their own errors (pydantic wraps one raised in a serializer), which is how
    a SIGTERM used to end as an ordinary failure, or be ignored."""
    if _requested:  # a second Ctrl-C: the user insists
        if not _deferred[0]:
            raise _BY_SIGNAL.get(signum, Stopped)()
        return
    _requested.append(signum)
    threading.Thread(target=_fallback, name="noticeflow-stop-fallback", daemon=True).start()


def _fallback() -> None:
    """Raise the stop in the main thread if no safe point took it in time (a phase that blocks,
    such as a cluster starting), never inside a `deferred()` block."""
    import time

    deadline = time.monotonic() + FALLBACK_S
    while time.monotonic() < deadline or _deferred[0]:
        if not _requested:
            return
        time.sleep(0.05)
    if _requested:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(threading.main_thread().ident), ctypes.py_object(_BY_SIGNAL.get(_requested[0], Stopped)))


def install() -> None:
    """SIGINT and SIGTERM request a stop (the CLI calls this first; the flow again, because
    Prefect installs its own SIGTERM handler for the flow run)."""
    if threading.current_thread() is threading.main_thread():
        for s in EXIT_CODES:
            signal.signal(s, _request)
        _installed.append(True)


def reinstall() -> None:
    """Take SIGTERM back from Prefect inside a flow run the CLI started (a run started by a
    Prefect worker or `serve` keeps Prefect's handler, which turns SIGTERM into cancellation)."""
    if _installed:
        install()


def check() -> None:
    """A safe point: raise the requested stop here (outside `deferred()` blocks)."""
    if _requested and not _deferred[0]:
        raise _BY_SIGNAL.get(_requested[0], Stopped)()


def is_stop(exc: BaseException) -> bool:
    """A stop request: ours, Ctrl-C, or Prefect's TerminationSignal."""
    return isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "TerminationSignal"


def exit_code(exc: BaseException) -> int:
    """Exit status for a stop: 130 for Ctrl-C, 143 for SIGTERM (Prefect's TerminationSignal too)."""
    if isinstance(exc, Stopped):
        return exc.exit_code
    sig = getattr(exc, "signal", None)
    return EXIT_CODES.get(sig, 130)


def exit_now(code: int) -> None:
    """Exit at once with `code` once a stopped run has cleaned up: flush, then skip the
    interpreter's teardown (and logging's: flushing Prefect's API log handler would wait on an
    API that is gone)."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed pipe: nothing more to say anyway
            pass
    os._exit(code)


@contextmanager
def deferred():
    """No stop inside the block (a transaction): a stop requested meanwhile is raised when it
    ends, by the next `check()` or by the fallback."""
    _deferred[0] += 1
    try:
        yield
    finally:
        _deferred[0] -= 1


# -- children that die with their parent -------------------------------------------------------

PR_SET_PDEATHSIG = 1


def _set_parent_death_signal(sig: int = signal.SIGTERM) -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux/glibc: the watchdog still works
        pass


def exit_with_parent(parent: int | None = None, sig: int = signal.SIGTERM, poll_s: float = 0.5,
                     death_signal: bool = True) -> None:
    """Call first thing in a child process: it gets `sig` when its parent dies (kill -9 too), and
    exits at most 3 s later whatever its handler does. `death_signal=False` when the thread that
    started the child ends before the parent does (the kernel would then signal too early)."""
    parent = parent or os.getppid()
    if death_signal:
        _set_parent_death_signal(sig)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os.kill(os.getpid(), sig)

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(poll_s)
        os.kill(os.getpid(), sig)
        time.sleep(3)  # a handler that ignores the signal does not keep us alive
        os._exit(1)

    threading.Thread(target=watch, name="noticeflow-parent-watch", daemon=True).start()
