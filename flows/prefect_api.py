"""Entry point of Prefect's temporary API process: uvicorn, bound to the life of the CLI.

    python -m noticeflow.flows.prefect_api PARENT_PID UVICORN_ARGS...

The process watches its parent and exits when it is gone (even after kill -9 of the CLI), so a
stopped ingest never leaves an API server listening (it was ~220 MB, forever).
"""
import runpy
import sys

from noticeflow.flows.stops import exit_with_parent


def main() -> None:
    parent = int(sys.argv[1])
    # Started from a short-lived thread of the CLI: no parent-death signal, the watchdog only.
    exit_with_parent(parent, death_signal=False)
    sys.argv = ["uvicorn", *sys.argv[2:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
