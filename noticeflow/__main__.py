"""`python -m noticeflow ...` is the `noticeflow` command."""
from noticeflow.flows.cli import main

if __name__ == "__main__":  # worker processes spawned by the ingest must not run the CLI again
    main()
