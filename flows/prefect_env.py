"""Embedded Prefect settings, applied before `prefect` is first imported.

Without `PREFECT_API_URL`, a flow run starts Prefect's temporary local API. Its home (SQLite
database, logs) lives in the project's state folder `.noticeflow/prefect` under the working
directory, and analytics are off, so ingestion works offline on a fresh machine. With
`PREFECT_API_URL` set, the real server and the user's own Prefect settings win.
"""
from __future__ import annotations

import os
import pathlib
import sys

STATE_DIR = ".noticeflow"


def embedded() -> bool:
    """True when no real Prefect server is configured (the temporary local API is used)."""
    return not os.environ.get("PREFECT_API_URL")


def configure(quiet: bool = False) -> None:
    """Point Prefect at the project's state folder; call before importing prefect.

    `quiet` is for the CLI, where the run summary is the output and every problem is reported
    as one line: Prefect's own console log (which prints tracebacks) is silenced; the run's logs
    still reach the Prefect API.
    """
    if "prefect" in sys.modules:  # too late to change settings that are read at import
        return
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    if not embedded():
        return
    home = pathlib.Path.cwd() / STATE_DIR / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    # The temporary API shuts down when the run ends; give it time to start on a slow disk or a
    # busy machine (it took over 60 s with twenty jobs on two cores).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


class TemporaryAPI:
    """Prefect's temporary local API for one run, started the way Prefect starts it (uvicorn
    serving `prefect.server.api.server:create_app` in a subprocess, UI off).

    Written here because Prefect's own starter (`SubprocessASGIServer`) lives in the server
    module itself: importing it loads the whole FastAPI/SQLAlchemy app, ~80 MB, into the
    ingest process, which only needs the API's address. Prefect is pinned (3.8.8), and this
    mirrors that version's command line.
    """

    def __init__(self) -> None:
        self.process = None
        self.url: str | None = None
        self.thread = None  # the thread starting it, when started in the background
        self.error: Exception | None = None  # why it did not start

    def start(self, timeout: float | None = None) -> str:
        import subprocess
        import time

        import httpx
        import prefect
        from prefect.settings import get_current_settings

        timeout = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
        # No block types registered at start (a run uses none): registering them, and even
        # checking the memo of a past registration, first imports every installed Prefect
        # collection into the server (prefect-dask: Dask, distributed and numpy), ~30 MB of
        # its ~240 MB.
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1", "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
               "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
               **get_current_settings().to_environment_variables(exclude_unset=True)}
        env.pop("PREFECT_API_URL", None)
        for _ in range(3):  # another process may take the port between choosing and binding it
            port = _free_port()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "noticeflow.flows.prefect_api", str(os.getpid()), "--app-dir", str(prefect.__module_path__.parent),
                 "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                # its own session: a Ctrl-C in the terminal is for the CLI, which stops the
                # API after the run has said it stopped (no `Error logging to API`)
                env=env, stdin=subprocess.DEVNULL, start_new_session=True)
            self.url = f"http://127.0.0.1:{port}/api"
            deadline = time.monotonic() + timeout
            with httpx.Client() as client:
                while time.monotonic() < deadline and self.process.poll() is None:
                    try:
                        if client.get(f"{self.url}/health", timeout=2).status_code == 200:
                            return self.url
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.1)
            code = self.process.poll()
            self.stop()
            if code is None:
                raise RuntimeError(f"Prefect's temporary API did not start within {timeout:g} s")
        raise RuntimeError(f"Prefect's temporary API exited at start (exit code {code})")

    def stop(self, timeout: float = 5) -> None:
        import subprocess

        proc, self.process = self.process, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
