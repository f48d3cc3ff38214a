"""The Prefect task that Dask workers run: extract a batch of documents, return Arrow rows.

A module of its own, light on imports (no DuckDB, no warehouse loading, no extractors until the
task runs), because every Dask worker imports it to unpickle the task and the flow process to
submit it.

Workers get paths, not bytes. The files are read where they are extracted, so file contents
never travel through the flow process and the scheduler (a 10,000-notice run would otherwise
move every byte twice and hold batches of them in the flow's memory), and a worker on another
machine needs only the shared folder the flow sees (the same requirement a Prefect work pool
has). The sha256 the flow fingerprinted is checked against what the worker read
(`ingest_worker.validate`), so a file that changed in between is reported, never mixed up.
"""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from noticeflow.warehouse.batch import Batch


@task(name="extract_batch", cache_policy=NO_CACHE, retries=0)
def extract_batch(items: list[tuple[str, str]], limit: float) -> tuple[Batch, dict]:
    """(path, sha256) pairs -> (Batch with the rows packed as Arrow, seconds per worker stage).

    The extractors are imported here, in the worker, not with the module: the flow process
    imports this module to submit the task and must not load spaCy and the extractors' tables
    (~60 MB) that only the workers use."""
    from noticeflow.flows.ingest_worker import process_many

    return process_many(items, limit)
