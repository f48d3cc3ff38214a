"""`noticeflow review` (the review web app) and `noticeflow corrections ...` (gold, Label Studio)."""
from __future__ import annotations

import json
import pathlib
from typing import Optional

import typer

from noticeflow.flows.cli import _err, app

DEFAULT_DB = "noticeflow.duckdb"
corrections_app = typer.Typer(add_completion=False, no_args_is_help=True,
                              help="Reviewer corrections: gold files and Label Studio exchange.")
app.add_typer(corrections_app, name="corrections")


def _open(db: str):
    if not pathlib.Path(db).exists():
        _err(f"{db}: no warehouse here; run `noticeflow ingest PATH --db {db}` first")
        raise typer.Exit(1)
    from noticeflow.warehouse import access
    from noticeflow.warehouse import corrections as log

    try:
        con = access.connect(db)
    except Exception as e:  # noqa: BLE001 - one line, never a traceback
        _err(f"{db}: cannot open the warehouse ({' '.join(str(e).split())[:300]})")
        raise typer.Exit(1)
    log.ensure_schema(con)
    return con


@app.command()
def review(
    db: str = typer.Option(DEFAULT_DB, "--db", help="Warehouse file written by `noticeflow ingest`."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; non-loopback needs tokens."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    tokens: Optional[str] = typer.Option(None, "--tokens", help="File of `name: token` lines, one per reviewer."),
    token: Optional[str] = typer.Option(None, "--token", help="One shared reviewer token (or NOTICEFLOW_REVIEW_TOKENS=name:tok,...)."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Another host name browsers use for this server (repeatable)."),
) -> None:
    """Example: noticeflow review --db noticeflow.duckdb --tokens reviewers.txt

    Serves the review workspace: notice list with search and filters, notice page with
    highlighted evidence and an editable record, per-value history and undo, the
    needs-re-review queue and a reviewer dashboard. Press ? on any page for the shortcuts.
    """
    from noticeflow.review.db import Unavailable, Warehouse
    from noticeflow.review.security import Security, StartupError

    try:
        security = Security.for_bind(host, token, tokens_file=tokens, allow_hosts=tuple(allow_host))
    except StartupError as e:
        _err(str(e))
        raise typer.Exit(2)
    warehouse = Warehouse(db, linger=0.5)
    try:
        warehouse.check()  # a corrupt or missing file is one line now, not a 500 on every page
    except Unavailable as e:
        _err(str(e))
        raise typer.Exit(1)
    import uvicorn

    from noticeflow.review.app import create_app

    who = f", {len(security.tokens)} reviewer token(s)" if security.needs_token else ""
    typer.echo(f"noticeflow review on http://{host}:{port}/ (db {db}{who}; press ? for shortcuts)", err=True)
    uvicorn.run(create_app(db, security, warehouse), host=host, port=port, log_level="warning")


@corrections_app.command("export")
def export_gold(
    folder: str = typer.Argument(..., help="Folder to write NAME.json gold files into."),
    db: str = typer.Option(DEFAULT_DB, "--db"),
    all_notices: bool = typer.Option(False, "--all", help="Also notices not marked reviewed."),
) -> None:
    """Example: noticeflow corrections export tests/gold_reviewed --db noticeflow.duckdb

    Writes each reviewed notice's effective record in the ../shared/gold values-only format.
    """
    from noticeflow.review.gold import write_gold
    from noticeflow.warehouse import corrections as log

    con = _open(db)
    try:
        st = log.statuses(con)
        items = []
        for key, extracted in log.extractions(con).items():
            if all_notices or st.get(key, {}).get("status") == "reviewed":
                items.append((key, log.apply_corrections(extracted, log.load(con, key)).record))
    finally:
        con.close()
    for f in write_gold(folder, items):
        typer.echo(str(f))
    if not items:
        _err("no reviewed notices (mark one reviewed in `noticeflow review`, or pass --all)")


@corrections_app.command("labelstudio-export")
def labelstudio_export(
    file: str = typer.Argument(..., help="JSON file of Label Studio tasks to write."),
    db: str = typer.Option(DEFAULT_DB, "--db"),
) -> None:
    """Example: noticeflow corrections labelstudio-export tasks.json

    Tasks with the effective records as pre-annotations (labels on text spans); the labelling
    config is written next to it as FILE.config.xml.
    """
    from noticeflow.review.labelstudio import dumps, export_tasks, label_config
    from noticeflow.warehouse import corrections as log

    con = _open(db)
    try:
        items = [(k, log.apply_corrections(r, log.load(con, k)).record) for k, r in log.extractions(con).items()]
    finally:
        con.close()
    out = pathlib.Path(file)
    out.write_text(dumps(export_tasks(items)) + "\n", encoding="utf-8")
    out.with_suffix(".config.xml").write_text(label_config() + "\n", encoding="utf-8")
    typer.echo(f"{out}: {len(items)} tasks", err=True)


@corrections_app.command("labelstudio-import")
def labelstudio_import(
    file: str = typer.Argument(..., help="Label Studio JSON export (tasks with annotations)."),
    db: str = typer.Option(DEFAULT_DB, "--db"),
) -> None:
    """Example: noticeflow corrections labelstudio-import project-1-export.json

    Turns each task's latest annotation into corrections (validated like the web form).
    """
    from noticeflow.review.labelstudio import import_tasks

    try:
        tasks = json.loads(pathlib.Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        _err(f"{file}: cannot read Label Studio JSON ({e})")
        raise typer.Exit(1)
    if not isinstance(tasks, list):
        _err(f"{file}: expected a JSON list of tasks")
        raise typer.Exit(1)
    con = _open(db)
    try:
        written, notes = import_tasks(con, tasks)
    finally:
        con.close()
    for n in notes:
        _err(n)
    typer.echo(f"{written} corrections imported", err=True)
