"""Clean stops: Ctrl-C and SIGTERM end a run between transactions, and no helper outlives us.

Stopping is raising `Stopped` in the main thread (where the flow and the loader run), so every
`finally` runs: the current batch's transaction commits or rolls back, the Dask cluster and
Prefect's temporary API are closed. A transaction is a `deferred()` block: a signal that lands
inside it is held until the block ends, so a commit is never half-undone (a ROLLBACK after a
COMMIT that already went through failed with an ordinary error, which Prefect's task retry
then answered by loading the batch a second time).

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


class Stopped(KeyboardInterrupt):
    """The run was asked to stop (Ctrl-C or SIGTERM). A KeyboardInterrupt, so Prefect and every
    library treat it as an interrupt, never as an error to retry."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 128 + self.signum)


def _raise(signum, frame):
    raise Stopped(signum)


def install() -> None:
    """SIGINT and SIGTERM raise `Stopped` in the main thread (the CLI calls this first)."""
    if threading.current_thread() is threading.main_thread():
        for s in EXIT_CODES:
            signal.signal(s, _raise)


def exit_code(exc: BaseException) -> int:
    """Exit status for a stop: 130 for Ctrl-C, 143 for SIGTERM (Prefect's TerminationSignal too)."""
    sig = getattr(exc, "signum", None) or getattr(exc, "signal", None)
    return EXIT_CODES.get(sig, 130)


@contextmanager
def deferred():
    """Hold SIGINT/SIGTERM until the block ends, then deliver them to whoever handles them
    (ours, or Prefect's bridge during a flow run). For the main thread; a no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in EXIT_CODES}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])


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
