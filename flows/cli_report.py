"""`noticeflow report`: the analyst report, one self-contained HTML page of charts."""
from __future__ import annotations

import pathlib
from typing import Optional

import typer

from noticeflow.flows.cli import _err, app

DEFAULT_DB = "noticeflow.duckdb"


@app.command()
def report(
    output: str = typer.Option(..., "--output", "-o", help="HTML file to write."),
    year: Optional[int] = typer.Option(None, "--year", help="Policy year (default: the latest in the warehouse)."),
    province: Optional[str] = typer.Option(None, "--province", help="Only this province, as in the records (山西省)."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file."),
) -> None:
    """Example: noticeflow report --year 2023 -o report.html

    One HTML page an analyst can mail: the individual fee by county over the years, the subsidy
    for each category across counties, the collection windows, quota totals against the body's
    targets, and the year's alerts from the diff stage. The charting JavaScript (Vega-Lite) is
    inside the page: it opens offline.
    """
    from noticeflow.flows.cli_warehouse import _one_line, _open
    from noticeflow.warehouse.report import ReportError, render

    con = _open(db)
    try:
        page = render(con, year, province)
    except ReportError as e:
        _err(f"{db}: {e}")
        raise typer.Exit(1)
    except Exception as e:
        _err(f"report failed: {_one_line(e)}")
        raise typer.Exit(1)
    finally:
        con.close()
    try:
        pathlib.Path(output).write_text(page, encoding="utf-8")
    except OSError as e:
        _err(f"{output}: cannot write ({e.strerror or e})")
        raise typer.Exit(1)
    typer.echo(f"wrote {output}")
