"""Pure functions from canonical notice text to record parts. No I/O, no Prefect, no database."""
