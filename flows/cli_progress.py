"""The ingest progress display: which phase the run is in, and n/N at d docs/s with an ETA.

Driven by `flows.ingest.PROGRESS(event, value)`; drawn on stderr so `--json` / stdout stay clean,
and only on a terminal.
"""
from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class IngestProgress:
    def __init__(self) -> None:
        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=self.console, transient=True)
        self.task = self.bar.add_task("starting", total=None, rate="")
        self.extract_start: float | None = None
        self.done = 0

    def __enter__(self) -> "IngestProgress":
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    def __call__(self, event: str, value) -> None:
        if event == "phase":
            if value == "extracting":
                self.extract_start = time.perf_counter()
            self.bar.update(self.task, description=str(value))
        elif event == "total":
            self.bar.update(self.task, total=int(value), completed=0)
        elif event == "done":
            self.done += int(value)
            rate = ""
            if self.extract_start is not None:
                dt = time.perf_counter() - self.extract_start
                rate = f"{self.done / dt:.1f} docs/s" if dt > 0 else ""
            self.bar.update(self.task, advance=int(value), rate=rate)
