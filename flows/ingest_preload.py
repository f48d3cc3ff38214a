"""Dask worker preload (`dask worker ... --preload noticeflow.flows.ingest_preload`): warm the
extractors when the worker starts. A module of its own so that importing `flows.ingest_worker`
elsewhere (tests, the CLI) does not run the warm-up."""
from noticeflow.warehouse.batch import arrow_without_pandas

arrow_without_pandas()  # before anything converts a Python list to Arrow

from noticeflow.flows.ingest_worker import warm  # noqa: E402

warm()
