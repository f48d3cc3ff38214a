"""What the extraction fork server imports before it forks workers: the worker code, warmed.

See `flows.ingest_worker.warm`. A module of its own so that importing `flows.ingest_worker`
elsewhere (tests, the CLI) does not run the warm-up.
"""
from noticeflow.flows.ingest_worker import warm

warm()
