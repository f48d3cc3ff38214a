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
    # The temporary API shuts down when the run ends; give it time to start on a slow disk.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
