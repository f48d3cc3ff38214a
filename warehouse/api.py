"""The warehouse for notebooks: `noticeflow.open(db)` -> each table and view as a DuckDB relation.

    wh = noticeflow.open("noticeflow.duckdb")
    wh.fees.df()                                    # pandas
    wh.fee_by_county_year.filter("policy_year = 2024").pl()   # polars
    wh.sql("SELECT county, amount FROM fees WHERE kind = ?", ["individual"]).arrow()

A relation is lazy: nothing is read until `.df()` / `.pl()` / `.arrow()` / `.fetchall()`, and
filters and projections run inside DuckDB.
"""
from __future__ import annotations

import pathlib

import duckdb

from noticeflow.warehouse.migrate import connect


class Warehouse:
    def __init__(self, db: str | pathlib.Path, read_only: bool = True):
        path = pathlib.Path(db)
        if read_only and not path.exists():
            raise FileNotFoundError(f"{path}: no such warehouse (run `noticeflow ingest` first)")
        self.path = path
        self.con: duckdb.DuckDBPyConnection = connect(path, read_only=read_only)

    def names(self) -> list[str]:
        """Every table and view an analyst can read (the migration bookkeeping left out)."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " AND table_name <> 'schema_version' ORDER BY table_name").fetchall()
        return [r[0] for r in rows]

    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        if name not in self.names():
            raise AttributeError(f"the warehouse has no table or view {name!r}; it has {', '.join(self.names())}")
        return self.con.table(name)

    def sql(self, query: str, params: list | None = None) -> duckdb.DuckDBPyRelation:
        """A relation over `query` (with `?` parameters)."""
        return self.con.sql(query, params=params) if params else self.con.sql(query)

    def __getattr__(self, name: str) -> duckdb.DuckDBPyRelation:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.table(name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.names()))

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<noticeflow warehouse {self.path}: {len(self.names())} tables and views>"
