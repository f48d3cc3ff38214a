"""Dask worker preload (`dask worker ... --preload noticeflow.flows.ingest_preload`): warm the
extractors when the worker starts. A module of its own so that importing `flows.ingest_worker`
elsewhere (tests, the CLI) does not run the warm-up."""
from noticeflow.flows.ingest_worker import warm

warm()
