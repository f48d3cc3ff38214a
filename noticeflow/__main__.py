"""`python -m noticeflow ...` is the `noticeflow` command."""
from noticeflow.flows.cli import main

main()
