"""`noticeflow`: one group of verbs mirroring the Python API."""
from __future__ import annotations

import json
import sys
from typing import List

import typer

from noticeflow.schemas import Record
from noticeflow.schemas.errors import NoticeflowError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Chinese medical-insurance collection notices -> policy records.")


def _err(msg: str) -> None:
    typer.echo(f"noticeflow: {msg}", err=True)


@app.command()
def extract(
    paths: List[str] = typer.Argument(..., help="Files or directories (read recursively)."),
    pretty: bool = typer.Option(False, "--pretty", help="Indented JSON for people."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Name every file skipped as a type noticeflow cannot read."),
) -> None:
    """Example: noticeflow extract corpus/ > records.jsonl

    One JSON record per notice on stdout (JSON Lines); an Excel or Word attachment beside its
    notice is read into that notice's record. Bad inputs get a one-line error on stderr; the
    rest are still extracted; exit status 1 if any input failed. Files of types noticeflow
    cannot read are counted on stderr (named with --verbose).
    """
    from noticeflow.flows.extract import extract_file, in_batches, plan, skipped_summary

    failed = 0
    out = sys.stdout
    skipped: list[str] = []
    for item in in_batches(plan(paths, skipped)):
        if isinstance(item, NoticeflowError):
            _err(str(item))
            failed += "no notice beside it" not in str(item)   # reported, not a failure
            continue
        try:
            record = extract_file(item.path, item.attachments)
        except NoticeflowError as e:
            _err(str(e)); failed += 1
            continue
        except Exception as e:  # last line of defence: one line, never a traceback
            _err(f"{item.path}: internal error ({type(e).__name__}: {e})"); failed += 1
            continue
        data = record.model_dump(mode="json")
        out.write(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None) + "\n")
        out.flush()
    if skipped:
        _err(skipped_summary(skipped) + ("" if verbose else "; --verbose lists them"))
        for path in skipped if verbose else ():
            _err(f"skipped: {path}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def schema() -> None:
    """Example: noticeflow schema > record.schema.json

    Prints the JSON Schema of the policy record (contract v1).
    """
    typer.echo(json.dumps(Record.model_json_schema(), ensure_ascii=False, indent=2))


from noticeflow.flows import cli_diff  # noqa: E402,F401
from noticeflow.flows import cli_review  # noqa: E402,F401


from noticeflow.flows import cli_warehouse  # noqa: E402,F401  (registers ingest/query/export/serve)


def main() -> None:
    app()


if __name__ == "__main__":
    # `python -m flows.cli`: run the imported module's app, where the cli_* modules register.
    from noticeflow.flows.cli import main as _main

    _main()
