"""`noticeflow diff` and `noticeflow compare`: what changed, and who does what, on the records.

Notices are extracted on the fly from paths, or read as stored records from the warehouse
(`--db`) by document id or by county and year.
"""
from __future__ import annotations

import pathlib
from typing import List, Optional

import typer

from noticeflow.flows.cli import _err, app
from noticeflow.schemas.errors import NoticeflowError

DEFAULT_DB = "noticeflow.duckdb"
FORMAT_HELP = "table | json | md | html"


class DiffInputError(NoticeflowError):
    """Arguments that name no record (a missing file, an unknown document id, no such year)."""


def _connect(db: str):
    if not pathlib.Path(db).exists():
        raise DiffInputError(f"{db}: no warehouse here; run `noticeflow ingest PATH --db {db}` first or pass notice files")
    from noticeflow.warehouse.access import connect

    return connect(db, read_only=True)


def _extract(path: pathlib.Path) -> dict:
    from noticeflow.flows.extract import extract_file

    return extract_file(path).model_dump(mode="json")


def load_one(ref: str, db: str | None) -> dict:
    """A notice file (extracted now) or a document id in the warehouse."""
    path = pathlib.Path(ref)
    if path.is_file():
        return _extract(path)
    if db is None and not pathlib.Path(DEFAULT_DB).exists():
        raise DiffInputError(f"{ref}: no such file (document ids need a warehouse: --db FILE)")
    from noticeflow.warehouse.changes import fetch_record

    record = fetch_record(_connect(db or DEFAULT_DB), ref)
    if record is None:
        raise DiffInputError(f"{ref}: neither a file nor a unique document id in {db or DEFAULT_DB}")
    return record


def _write(text: str, output: Optional[str]) -> None:
    if output:
        pathlib.Path(output).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
    else:
        typer.echo(text, nl=False)


def _check_format(fmt: str) -> None:
    from noticeflow.diff.report import FORMATS

    if fmt not in FORMATS:
        raise DiffInputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")


@app.command("diff")
def diff_cmd(
    a: Optional[str] = typer.Argument(None, help="Earlier notice: a file, or a document id in --db."),
    b: Optional[str] = typer.Argument(None, help="Later notice: a file, or a document id in --db."),
    county: Optional[str] = typer.Option(None, "--county", help="County as in the records, e.g. 阳城县."),
    from_year: Optional[int] = typer.Option(None, "--from", help="Earlier policy year (with --county)."),
    to_year: Optional[int] = typer.Option(None, "--to", help="Later policy year (with --county)."),
    db: Optional[str] = typer.Option(None, "--db", help=f"Warehouse file (default {DEFAULT_DB})."),
    fmt: str = typer.Option("table", "--format", help=FORMAT_HELP),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
) -> None:
    """Example: noticeflow diff corpus/003_aea4e45528ea7e5a.txt tests/fixtures/yangcheng_2025.txt --format html -o diff.html

    What changed from A to B, field by field (fees by kind, subsidies by group, periods by kind,
    quotas by township), each change with a severity (alert / notice / info), a Chinese one-line
    message and the source clauses of both sides. Or by county and year from the warehouse:
    noticeflow diff --county 阳城县 --from 2024 --to 2025 --db noticeflow.duckdb
    """
    from noticeflow.diff.compare import compare
    from noticeflow.diff.report import render_changes

    try:
        _check_format(fmt)
        if county:
            if a or b or from_year is None or to_year is None:
                raise DiffInputError("--county needs --from YEAR and --to YEAR and no file arguments")
            from noticeflow.warehouse.changes import fetch_county_year

            con = _connect(db or DEFAULT_DB)
            left, right = fetch_county_year(con, county, from_year), fetch_county_year(con, county, to_year)
            missing = [str(y) for y, r in ((from_year, left), (to_year, right)) if r is None]
            if missing:
                raise DiffInputError(f"{county}: no record for policy year {', '.join(missing)} in {db or DEFAULT_DB}")
        elif a and b:
            left, right = load_one(a, db), load_one(b, db)
        else:
            raise DiffInputError("give two notices (files or document ids), or --county NAME --from YEAR --to YEAR")
        changes = compare(left, right)
        _write(render_changes(changes, fmt, left, right), output)
    except NoticeflowError as e:
        _err(str(e))
        raise typer.Exit(2)


@app.command("compare")
def compare_cmd(
    paths: Optional[List[str]] = typer.Argument(None, help="Notice files or folders (else the warehouse)."),
    year: Optional[int] = typer.Option(None, "--year", help="Policy year to line up (required with --db)."),
    db: Optional[str] = typer.Option(None, "--db", help=f"Warehouse file (default {DEFAULT_DB})."),
    fmt: str = typer.Option("table", "--format", help=FORMAT_HELP),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
) -> None:
    """Example: noticeflow compare --year 2023 corpus/

    A county x field matrix: individual fee, then each group's subsidy and individual share side
    by side; "—" where a county's notice does not name the group. From files (only those of
    --year when given) or from the warehouse's current records of --year.
    """
    from noticeflow.diff.compare import year_of
    from noticeflow.diff.matrix import matrix
    from noticeflow.diff.report import render_matrix

    try:
        _check_format(fmt)
        if paths:
            from noticeflow.flows.extract import discover

            records = []
            for item in discover(paths):
                if isinstance(item, NoticeflowError):
                    _err(str(item))
                    continue
                records.append(_extract(item))
            if year is not None:
                records = [r for r in records if year_of(r) == year]
        else:
            if year is None:
                raise DiffInputError("--year YEAR is needed to compare the warehouse's records")
            from noticeflow.warehouse.changes import fetch_year

            records = fetch_year(_connect(db or DEFAULT_DB), year)
        if not records:
            raise DiffInputError(f"no record of policy year {year} to compare" if year else "no records to compare")
        _write(render_matrix(matrix(records), fmt), output)
    except NoticeflowError as e:
        _err(str(e))
        raise typer.Exit(2)
