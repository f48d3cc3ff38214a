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

    held = f", still quarantined {s['still_quarantined']}" if s.get("still_quarantined") else ""
    typer.echo(
        f"ingested {s['ingested']} (new {s['new']}, new version {s['new_version']}), "
        f"unchanged {s['unchanged']}, quarantined {s['quarantined']}{held}, changes {s['changes']}"
        + (f", removed {s['removed']} (file gone)" if s.get("removed") else "") + f" -> {s['db']}")
    if s["flags_by_code"]:
        typer.echo("flags: " + ", ".join(f"{c} {n}" for c, n in s["flags_by_code"].items()))
    for path, error in s["quarantine"]:
        typer.echo(f"quarantined: {path}: {error}", err=True)
    if s.get("still_quarantined"):
        typer.echo(f"{s['still_quarantined']} files stay quarantined (bytes unchanged since they failed; "
                   "--retry-quarantined tries them again; see the quarantine table)", err=True)
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
    run = s.get("flow_run") or {}
    if run.get("url"):
        typer.echo(f"Prefect flow run {run['name']}: {run['url']}")
    if "elapsed_s" in s:
        done = s["ingested"] + s["quarantined"]
        rate = f", {done / s['elapsed_s']:.1f} docs/s" if done and s["elapsed_s"] > 0 else ""
        typer.echo(f"done in {s['elapsed_s']:.1f} s{rate}")


TIMING_KEYS = ("discover", "hash", "plan", "extract_wait", "load", "changes", "corrections",
               "worker_read", "worker_extract", "worker_validate")


def unchanged_run(paths: list[str], db: str, retry_quarantined: bool = False) -> dict | None:
    """The fast path of an embedded ingest that has nothing to do: when every file is unchanged
    (same path, bytes and extractor version) and none is unreadable, record the run in
    `ingest_runs` ("N unchanged") without starting Prefect's temporary API (its start alone
    takes longer than the whole check). Returns None when anything needs the flow."""
    import time
    import uuid

    from noticeflow.flows.extract import find_notices, with_attachments
    from noticeflow.warehouse import store
    from noticeflow.warehouse.access import connect
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
        todo, still_quarantined = (todo, 0) if retry_quarantined else store.skip_quarantined(con, todo)
        t["plan"] = time.perf_counter() - t0
        if todo:
            return None
        from noticeflow.warehouse import notices
        from noticeflow.warehouse.changes import pending_doc_ids

        removed = store.remove_missing(con, [str(p) for p in paths], files)  # files gone from the folders
        notices.backfill(con, store.utcnow())
        if pending_doc_ids(con):  # loaded but not diffed (a run died; a notice's best document changed)
            return None
        run_id = uuid.uuid4().hex[:12]
        store.start_run(con, run_id, [str(p) for p in paths])
        t["flow_body"] = time.perf_counter() - t_start
        summary = {
            "run_id": run_id, "db": str(db), "extractor_version": EXTRACTOR_VERSION,
            "discovered": len(files), "skipped": found.skipped,
            "unattached": [(e.path, e.reason) for e in found.unattached],
            "ingested": 0, "new": 0, "new_version": 0, "removed": len(removed),
            "unchanged": unchanged, "quarantined": 0, "still_quarantined": still_quarantined,
            "changes": 0, "changes_error": None, "flags_by_code": {},
            "quarantine": [], "timings": {k: round(v, 3) for k, v in t.items()},
            "prefect": "skipped (nothing to extract)",
        }
        store.finish_run(con, run_id, summary)
        return summary
    finally:
        con.close()


def _usage_problems(paths: list[str]) -> list[str]:
    """Paths that cannot be ingested at all: URLs, and paths that do not exist."""
    out = []
    for p in paths:
        if "://" in p:
            out.append(f"{p}: a URL, not a local file or folder (download it first)")
        elif not os.path.lexists(p):
            out.append(f"{p}: no such file or directory")
    return out


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="Files or directories of notices (read recursively)."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any file is quarantined."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Local extraction processes (default: CPU count)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Documents per task and per transaction (default 200)."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Extract on an existing Dask cluster (tcp://scheduler:8786)."),
    retry_quarantined: bool = typer.Option(False, "--retry-quarantined", help="Retry quarantined files whose bytes did not change."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as one JSON object."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Name every file skipped as a type noticeflow cannot read."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", min=0.001, help="Seconds per document (PDF parsing included) before it is quarantined (default 30)."),
) -> None:
    """Example: noticeflow ingest corpus/ --db noticeflow.duckdb

    Runs the Prefect ingest flow (embedded temporary API unless PREFECT_API_URL is set; Dask
    workers on this machine unless --dask names a cluster): unchanged files are skipped by
    sha256, changed files become new versions, bad files go to the quarantine table (retried
    when their bytes change). Exit status 1 only with --strict and quarantined files; 2 for a
    usage error; 130/143 when stopped by Ctrl-C/SIGTERM (rerun to finish).
    """
    import time

    from noticeflow.flows import stops

    stops.install()
    t_start = time.perf_counter()
    problems = _usage_problems(paths)
    if problems:  # before anything is created (no warehouse, no state folder)
        for line in problems:
            _err(line)
        raise typer.Exit(2)
    from noticeflow.flows.extract import find_notices, skipped_summary

    found = find_notices(paths)
    if not found.files:
        why = "; ".join(f"{e.path}: {e.reason}" for e in found.failed) or "no notices"
        _err(f"nothing to ingest: {why}" + (f" ({skipped_summary(found.skipped)})" if found.skipped else ""))
        raise typer.Exit(1)

    from noticeflow.flows import prefect_env

    summary = None
    try:
        if prefect_env.embedded() and not os.environ.get("NOTICEFLOW_ALWAYS_FLOW"):
            try:
                summary = unchanged_run(paths, db, retry_quarantined)
            except (KeyboardInterrupt, OSError):
                raise
            except Exception:
                summary = None  # the flow does the same work and reports any problem properly
        if summary is None:
            prefect_env.configure(quiet=True)
            from noticeflow.flows import ingest as ingest_mod
    except KeyboardInterrupt as e:
        _err("interrupted; rerun to finish (everything loaded so far is kept)")
        raise typer.Exit(stops.exit_code(e))
    except OSError as e:
        _err(f"cannot write here ({os.getcwd()}): {e.strerror or e}; run from a writable folder")
        raise typer.Exit(2)
    except Exception as e:
        _err(f"cannot start the ingest flow: {_one_line(e)}")
        raise typer.Exit(2)
    if summary is not None:
        summary["elapsed_s"] = round(time.perf_counter() - t_start, 3)
        _report(summary, as_json, verbose)
        raise typer.Exit(1 if strict and summary["still_quarantined"] else 0)
    from noticeflow.flows.cli_progress import IngestProgress

    progress = IngestProgress() if sys.stderr.isatty() and not as_json else None
    ingest_mod.PROGRESS = progress
    try:
        options = {k: v for k, v in (("workers", workers), ("batch_size", batch_size), ("dask", dask),
                                     ("retry_quarantined", retry_quarantined),
                                     ("time_limit", time_limit)) if v}
        if progress is not None:
            with progress:
                summary = ingest_mod.run(paths, db=db, **options)
        else:
            summary = ingest_mod.run(paths, db=db, **options)
    except BaseException as e:
        if stops.is_stop(e):
            _err("interrupted; rerun to finish (everything loaded so far is kept)")
            # Everything is closed by now (transaction, Dask cluster, Prefect's API); the
            # interpreter's own teardown takes seconds more (native threads), so skip it.
            stops.exit_now(stops.exit_code(e))
        if isinstance(e, (SystemExit, typer.Exit)):
            raise
        _err(f"ingest failed: {_one_line(e)}")
        raise typer.Exit(2)
    finally:
        ingest_mod.PROGRESS = None
    summary["elapsed_s"] = round(time.perf_counter() - t_start, 3)
    _report(summary, as_json, verbose)
    raise typer.Exit(1 if strict and (summary["quarantined"] or summary["still_quarantined"]) else 0)


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
    """A read-only snapshot of the warehouse, shared with a running ingest or review app."""
    from noticeflow.warehouse import access

    if not os.path.exists(db):
        _err(f"no warehouse at {db} (run `noticeflow ingest PATH --db {db}` first)")
        raise typer.Exit(2)
    try:
        return access.connect(db, read_only=True)
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
    from noticeflow.warehouse.access import retrying

    def run():
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description] if cur.description else []
        types = [d[1] for d in cur.description] if cur.description else []
        return cols, types, (cur.fetchall() if cols else [])

    con = _open(db)
    try:
        cols, types, rows = retrying(run)  # again, if the process serving the warehouse left meanwhile
    except Exception as e:
        _err(f"query failed: {_one_line(e)}")
        raise typer.Exit(1)
    finally:
        con.close()
    sys.stdout.write(render(fmt, cols, types, rows))


@app.command()
def export(
    parquet: str = typer.Option(..., "--parquet", help="Folder for one .parquet file per table and per view."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file."),
) -> None:
    """Example: noticeflow export --parquet out/warehouse

    Writes every warehouse table and view to DIR/<name>.parquet (JSON columns typed as JSON,
    timestamps in UTC with their zone).
    """
    from noticeflow.warehouse.access import retrying
    from noticeflow.warehouse.store import export_parquet

    con = _open(db)
    try:
        files = retrying(lambda: export_parquet(con, parquet))  # one snapshot for every table
    except Exception as e:
        _err(f"export failed: {_one_line(e)}")
        raise typer.Exit(1)
    finally:
        con.close()
    typer.echo(f"wrote {len(files)} files to {parquet}")


def _needs_server(verb: str) -> None:
    if not os.environ.get("PREFECT_API_URL"):
        _err(f"{verb} needs a Prefect server: start one with `prefect server start` and set "
             "PREFECT_API_URL=http://127.0.0.1:4200/api")
        raise typer.Exit(2)


def _deployment_parameters(paths: list[str], db: str, dask: str | None, workers: int | None) -> dict:
    problems = _usage_problems(paths)
    if problems:
        for line in problems:
            _err(line)
        raise typer.Exit(2)
    params = {"paths": [os.path.abspath(p) for p in paths], "db": os.path.abspath(db)}
    if dask:
        params["dask"] = dask
    if workers:
        params["workers"] = workers
    return params


# Options `serve` and `deploy` share (Typer takes the same declaration in both commands).
CRON_OPTION = typer.Option("0 6 * * *", "--cron", help="Cron schedule, Asia/Shanghai time.")
DEPLOYED_DB_OPTION = typer.Option(DEFAULT_DB, "--db", help="DuckDB warehouse file (made absolute).")
NAME_OPTION = typer.Option("noticeflow-ingest", "--name", help="Deployment name.")
DASK_OPTION = typer.Option(None, "--dask", help="Extract on an existing Dask cluster (tcp://scheduler:8786).")


@app.command()
def serve(
    paths: List[str] = typer.Argument(..., help="Folders to ingest on each scheduled run."),
    cron: str = CRON_OPTION,
    db: str = DEPLOYED_DB_OPTION,
    name: str = NAME_OPTION,
    dask: Optional[str] = DASK_OPTION,
    workers: Optional[int] = typer.Option(None, "--workers", help="Local extraction processes per run (default: CPU count)."),
) -> None:
    """Example: PREFECT_API_URL=http://127.0.0.1:4200/api noticeflow serve corpus/ --cron "0 6 * * *"

    Deploys the ingest flow on a schedule against a running Prefect server (`prefect server
    start`) and runs the scheduled runs on this machine until stopped (Ctrl-C). For several
    machines, use `noticeflow deploy --pool` and `prefect worker start --pool`.
    """
    _needs_server("serve")
    params = _deployment_parameters(paths, db, dask, workers)
    from noticeflow.flows import prefect_env

    prefect_env.configure()
    try:
        from prefect.schedules import Cron

        from noticeflow.flows.ingest import ingest as ingest_flow

        ingest_flow.serve(name=name, schedules=[Cron(cron, timezone="Asia/Shanghai")], parameters=params)
    except KeyboardInterrupt:
        raise typer.Exit(0)
    except Exception as e:
        _err(f"serve failed: {_one_line(e)}")
        raise typer.Exit(1)


@app.command()
def deploy(
    paths: List[str] = typer.Argument(..., help="Folders to ingest on each scheduled run."),
    pool: str = typer.Option(..., "--pool", help="Prefect process work pool (created when absent)."),
    cron: str = CRON_OPTION,
    db: str = DEPLOYED_DB_OPTION,
    name: str = NAME_OPTION,
    dask: Optional[str] = DASK_OPTION,
    workers: Optional[int] = typer.Option(None, "--workers", help="Local extraction processes per run (default: the worker machine's CPU count)."),
) -> None:
    """Example: noticeflow deploy corpus/ --pool notices --cron "0 6 * * *"

    Creates (or updates) a scheduled deployment of the ingest flow on a Prefect process work
    pool and returns; any number of `prefect worker start --pool NAME` processes, on machines
    that see the files and the warehouse under the same paths, then take its runs. Needs
    PREFECT_API_URL.
    """
    _needs_server("deploy")
    params = _deployment_parameters(paths, db, dask, workers)
    from noticeflow.flows import prefect_env

    prefect_env.configure()
    try:
        from noticeflow.flows.deploy import deploy_to_pool

        deployment_id = deploy_to_pool(name, pool, cron, params)
    except Exception as e:
        _err(f"deploy failed: {_one_line(e)}")
        raise typer.Exit(1)
    typer.echo(f"deployment noticeflow-ingest/{name} ({deployment_id}) on work pool {pool!r}, "
               f"cron {cron!r} (Asia/Shanghai); start workers with: prefect worker start --pool {pool}")
