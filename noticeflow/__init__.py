"""noticeflow for notebooks and scripts: the same work as the CLI, as Python calls.

    import noticeflow
    record = noticeflow.extract("corpus/003_aea4e45528ea7e5a.txt")   # a validated Record
    record = noticeflow.extract_text("关于做好2025年度城乡居民基本医疗保险征缴工作的通知…")
    wh = noticeflow.open("noticeflow.duckdb")                           # tables as DuckDB relations
    wh.fees.df()

The parts live in the folders the design card names (`schemas/`, `extractors/`, `readers/`,
`flows/`, `warehouse/`, `diff/`, `review/`) and are installed as `noticeflow.<part>`, so the
distribution claims no generic top-level name. Imports here are lazy: `import noticeflow` stays
cheap and pulls in neither Prefect nor DuckDB.
"""
from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from noticeflow.schemas import Record
    from noticeflow.warehouse.api import Warehouse

__all__ = ["extract", "extract_text", "open"]


def extract(path: str | pathlib.Path) -> "Record":
    """Read one notice file (any supported format) and extract its record."""
    from noticeflow.flows.extract import extract_file

    return extract_file(pathlib.Path(path))


def extract_text(text: str, path: str = "<text>") -> "Record":
    """Extract the record of a notice given as text (no file needed)."""
    from noticeflow.flows.extract import extract_string

    return extract_string(text, path)


def open(db: str | pathlib.Path = "noticeflow.duckdb", read_only: bool = True) -> "Warehouse":  # noqa: A001
    """The warehouse at `db`, each table and view as a DuckDB relation (`.df()`, `.pl()`, `.arrow()`)."""
    from noticeflow.warehouse.api import Warehouse

    return Warehouse(db, read_only=read_only)
