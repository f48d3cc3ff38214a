"""What an extraction worker hands the loader: documents with their analyst rows already in Arrow.

A worker flattens its records and packs the rows into one Arrow table per warehouse table, so
the loading process receives a few compact columnar buffers per batch instead of ~900 Python
objects per notice (which, 800 notices in flight, was most of the loader's memory). A `_doc`
column says which document of the batch a row belongs to, so the loader can still drop or
replace one document's rows (a duplicate, a reviewer's correction). Pure: Arrow only, no DuckDB.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from noticeflow.warehouse.rows import TABLES

DOC = "_doc"  # row -> index of its document in Batch.loaded


class _NoPandas:
    """An import finder that hides pandas (see `arrow_without_pandas`)."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def arrow_without_pandas() -> None:
    """Let pyarrow build tables from Python lists without importing pandas (~45 MB a process).

    pyarrow imports pandas the first time it converts a Python sequence, only to ask whether the
    input is a pandas object; the ingest process and its workers never pass one, and each pays
    for the import (two workers and the loader: ~130 MB of the 10,000-notice run). pyarrow
    looks once: hide pandas for that first look, so it remembers "no pandas" for that question.
    An explicit `to_pandas()` still imports it (pyarrow tries again when asked to convert), and
    a process that has pandas already is left as it is."""
    import sys

    if "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([])
    finally:
        sys.meta_path.remove(finder)


@dataclass
class Loaded:
    """A document extracted and validated, ready to load (its rows live in the Batch)."""
    path: str
    sha256: str
    size_bytes: int | None
    format: str | None
    record_json: str
    key: str | None = None    # the doc_key when it is not doc_key(sha256): a notice with attachments


@dataclass
class Failed:
    """A file that could not be ingested, with a one-line reason."""
    path: str
    sha256: str | None
    error: str


@dataclass
class Batch:
    loaded: list[Loaded] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)  # every table has a `_doc` column

    def __len__(self) -> int:
        return len(self.loaded) + len(self.failed)


def pack(docs: Iterable[tuple[Loaded, dict[str, list[dict]]]], failed: Iterable[Failed] = ()) -> Batch:
    """A batch from (document, rows per table) pairs, as `warehouse.rows.flatten` builds them."""
    batch = Batch(failed=list(failed))
    by_table: dict[str, list[dict]] = {t: [] for t in TABLES}
    for i, (item, rows) in enumerate(docs):
        batch.loaded.append(item)
        for t in TABLES:
            for r in rows.get(t, ()):
                r[DOC] = i
                by_table[t].append(r)
    batch.tables = {t: pa.Table.from_pylist(rs) for t, rs in by_table.items() if rs}
    return batch


def merge(batches: Iterable[Batch]) -> Batch:
    """One batch from several (renumbering `_doc`); column types are unified across the parts
    (a column that was all null in one part takes the type it has in another)."""
    out, parts = Batch(), {t: [] for t in TABLES}
    for b in batches:
        offset = len(out.loaded)
        out.loaded += b.loaded
        out.failed += b.failed
        for t, table in b.tables.items():
            if offset:
                i = table.schema.get_field_index(DOC)
                table = table.set_column(i, DOC, pc.add(table.column(i), pa.scalar(offset, table.schema.field(i).type)))
            parts[t].append(table)
    out.tables = {t: ts[0] if len(ts) == 1 else pa.concat_tables(ts, promote_options="permissive")
                  for t, ts in parts.items() if ts}
    return out


def without(table: pa.Table, docs: set[int]) -> pa.Table:
    """The table minus the rows of the given documents."""
    if not docs:
        return table
    return table.filter(pc.invert(pc.is_in(table.column(DOC), value_set=pa.array(sorted(docs), table.schema.field(DOC).type))))

