"""The DuckDB policy warehouse: schema migrations, loading records, analyst views."""
