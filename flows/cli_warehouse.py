"""Warehouse verbs of `noticeflow`: ingest, query, export, serve (registered on flows.cli.app).

Prefect and DuckDB are imported inside the commands so `noticeflow extract` stays fast.
"""
from __future__ import annotations

import json
import os
import sys
from typing import List, Optional

import typer

from noticeflow.flows.cli import _err, app

DEFAULT_DB = "noticeflow.duckdb"


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:400]


def _print_summary(s: dict, verbose: bool = False) -> None:
    from noticeflow.flows.extract import skipped_summary

    typer.echo(
        f"ingested {s['ingested']} (new {s['new']}, new version {s['new_version']}), "
        f"unchanged {s['unchanged']}, quarantined {s['quarantined']}, changes {s['changes']} "
        f"-> {s['db']}")
    if s["flags_by_code"]:
        typer.echo("flags: " + ", ".join(f"{c} {n}" for c, n in s["flags_by_code"].items()))
    for path, error in s["quarantine"]:
        typer.echo(f"quarantined: {path}: {error}", err=True)
    for path, reason in s.get("unattached") or []:
        typer.echo(f"not ingested: {path}: {reason}", err=True)
    if s.get("skipped"):
        typer.echo(skipped_summary(s["skipped"]) + ("" if verbose else "; --verbose lists them"), err=True)
        if verbose:
            for path in s["skipped"]:
                typer.echo(f"skipped: {path}", err=True)
    if s.get("changes_error"):
        typer.echo(f"changes stage stopped: {s['changes_error']}", err=True)
    if s.get("prefect"):
        typer.echo(f"Prefect flow run {s['prefect']}: recorded in ingest_runs "
                   "(set NOTICEFLOW_ALWAYS_FLOW=1 to run the flow anyway)")


TIMING_KEYS = ("discover", "hash", "plan", "extract_wait", "load", "changes", "corrections",
               "worker_read", "worker_extract", "worker_validate")


def unchanged_run(paths: list[str], db: str) -> dict | None:
    """The fast path of an embedded ingest that has nothing to do: when every file is unchanged
    (same path, bytes and extractor version) and none is unreadable, record the run in
    `ingest_runs` ("N unchanged") without starting Prefect's temporary API (its start alone
    takes longer than the whole check). Returns None when anything needs the flow."""
    import time
    import uuid

    from noticeflow.flows.extract import find_notices, with_attachments
    from noticeflow.warehouse import store
    from noticeflow.warehouse.migrate import connect
    from noticeflow.warehouse.version import EXTRACTOR_VERSION

    if not os.path.exists(db):
        return None
    t = dict.fromkeys(TIMING_KEYS, 0.0)
    t_start = t0 = time.perf_counter()
    found = find_notices(paths)
    files = found.files
    t["discover"] = time.perf_counter() - t0
    if found.failed or not files:
        return None
    t0 = time.perf_counter()
    prints, failed = store.fingerprint_files(files)
    prints = with_attachments(prints, found.notices)
    t["hash"] = time.perf_counter() - t0
    if failed:
        return None
    con = connect(db)
    try:
        t0 = time.perf_counter()
        todo, unchanged = store.plan(con, prints)
        t["plan"] = time.perf_counter() - t0
        if todo:
            return None
        from noticeflow.warehouse.changes import pending_doc_ids

        if pending_doc_ids(con):  # an earlier run loaded documents but died before diffing them
            return None
        run_id = uuid.uuid4().hex[:12]
        store.start_run(con, run_id, [str(p) for p in paths])
        t["flow_body"] = time.perf_counter() - t_start
        summary = {
            "run_id": run_id, "db": str(db), "extractor_version": EXTRACTOR_VERSION,
            "discovered": len(files), "skipped": found.skipped,
            "unattached": [(e.path, e.reason) for e in found.unattached],
            "ingested": 0, "new": 0, "new_version": 0,
            "unchanged": unchanged, "quarantined": 0, "changes": 0, "flags_by_code": {},
            "quarantine": [], "timings": {k: round(v, 3) for k, v in t.items()},
            "prefect": "skipped (nothing to extract)",
        }
        store.finish_run(con, run_id, summary)
        return summary
    finally:
        con.close()


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="Files or directories of notices (read recursively)."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any file was quarantined."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Extraction processes (default: CPU count)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Documents per task and per transaction (default 200)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Name every file skipped as a type noticeflow cannot read."),
) -> None:
    """Example: noticeflow ingest corpus/ --db noticeflow.duckdb

    Runs the Prefect ingest flow (embedded temporary API unless PREFECT_API_URL is set):
    unchanged files are skipped by sha256, changed files become new versions, bad files go to
    the quarantine table. Exit status 1 only with --strict and quarantined files.
    """
    from noticeflow.flows import prefect_env

    if prefect_env.embedded() and not os.environ.get("NOTICEFLOW_ALWAYS_FLOW"):
        try:
            summary = unchanged_run(paths, db)
        except Exception:
            summary = None  # the flow does the same work and reports any problem properly
        if summary is not None:
            _report(summary, as_json, verbose)
            raise typer.Exit(0)
    prefect_env.configure(quiet=True)
    try:
        from noticeflow.flows import ingest as ingest_mod
    except Exception as e:
        _err(f"cannot start the ingest flow: {_one_line(e)}")
        raise typer.Exit(2)
    progress = None
    if sys.stdout.isatty() and not as_json:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress("[progress.description]{task.description}", BarColumn(),
                            MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
        bar = progress.add_task("ingesting", total=None)

        def hook(event: str, n: int) -> None:
            if event == "total":
                progress.update(bar, total=n)
            else:
                progress.advance(bar, n)

        ingest_mod.PROGRESS = hook
        progress.start()
    try:
        options = {k: v for k, v in (("workers", workers), ("batch_size", batch_size)) if v}
        summary = ingest_mod.run(paths, db=db, **options)
    except KeyboardInterrupt:
        _err("interrupted; rerun to finish (everything loaded so far is kept)")
        raise typer.Exit(130)
    except Exception as e:
        _err(f"ingest failed: {_one_line(e)}")
        raise typer.Exit(2)
    finally:
        if progress is not None:
            progress.stop()
        ingest_mod.PROGRESS = None
    _report(summary, as_json, verbose)
    raise typer.Exit(1 if strict and summary["quarantined"] else 0)


def _report(summary: dict, as_json: bool, verbose: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        for path, error in summary["quarantine"]:
            _err(f"quarantined: {path}: {error}")
        if summary.get("changes_error"):
            _err(f"changes stage stopped: {summary['changes_error']}")
    else:
        _print_summary(summary, verbose)


def _open(db: str):
    import duckdb

    if not os.path.exists(db):
        _err(f"no warehouse at {db} (run `noticeflow ingest PATH --db {db}` first)")
        raise typer.Exit(2)
    try:
        return duckdb.connect(db, read_only=True)
    except Exception as e:
        _err(f"cannot open {db}: {_one_line(e)}")
        raise typer.Exit(2)


@app.command()
def query(
    sql: str = typer.Argument(..., help="One SQL statement (read-only)."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file."),
    fmt: str = typer.Option("table", "--format", help="table, csv, json (one array) or jsonl (one object per line)."),
) -> None:
    """Example: noticeflow query "select county, policy_year, amount from fees where kind = 'individual'"

    Runs SQL against the warehouse (opened read-only) and prints the rows.
    """
    from noticeflow.flows.output import FORMATS, render

    if fmt not in FORMATS:
        _err(f"unknown --format {fmt!r} (use {', '.join(FORMATS)})")
        raise typer.Exit(2)
    con = _open(db)
    try:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description] if cur.description else []
        types = [d[1] for d in cur.description] if cur.description else []
        rows = cur.fetchall() if cols else []
    except Exception as e:
        _err(f"query failed: {_one_line(e)}")
        raise typer.Exit(1)
    finally:
        con.close()
    sys.stdout.write(render(fmt, cols, types, rows))


@app.command()
def export(
    parquet: str = typer.Option(..., "--parquet", help="Folder for one .parquet file per table."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file."),
) -> None:
    """Example: noticeflow export --parquet out/warehouse

    Writes every warehouse table to DIR/<table>.parquet.
    """
    from noticeflow.warehouse.store import export_parquet

    con = _open(db)
    try:
        files = export_parquet(con, parquet)
    except Exception as e:
        _err(f"export failed: {_one_line(e)}")
        raise typer.Exit(1)
    finally:
        con.close()
    typer.echo(f"wrote {len(files)} files to {parquet}")


@app.command()
def serve(
    paths: List[str] = typer.Argument(..., help="Folders to ingest on each scheduled run."),
    cron: str = typer.Option("0 6 * * *", "--cron", help="Cron schedule, Asia/Shanghai time."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file (made absolute)."),
    name: str = typer.Option("noticeflow-ingest", "--name", help="Deployment name."),
) -> None:
    """Example: PREFECT_API_URL=http://127.0.0.1:4200/api noticeflow serve corpus/ --cron "0 6 * * *"

    Deploys the ingest flow on a schedule against a running Prefect server (`prefect server
    start`) and serves it until interrupted.
    """
    if not os.environ.get("PREFECT_API_URL"):
        _err("serve needs a Prefect server: start one with `prefect server start` and set "
             "PREFECT_API_URL=http://127.0.0.1:4200/api")
        raise typer.Exit(2)
    from noticeflow.flows import prefect_env

    prefect_env.configure()
    try:
        from prefect.schedules import Cron

        from noticeflow.flows.ingest import ingest as ingest_flow

        schedule = Cron(cron, timezone="Asia/Shanghai")
        ingest_flow.serve(
            name=name, schedules=[schedule],
            parameters={"paths": [os.path.abspath(p) for p in paths], "db": os.path.abspath(db)})
    except KeyboardInterrupt:
        raise typer.Exit(0)
    except Exception as e:
        _err(f"serve failed: {_one_line(e)}")
        raise typer.Exit(1)
