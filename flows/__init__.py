"""Orchestration on top of the extractors: reading files, the CLI, Prefect flows."""
