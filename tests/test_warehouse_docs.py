"""The warehouse as an analyst meets it: docs/warehouse.md describes every table, view and column
(and nothing that is not there), each README SQL example and each view runs on the corpus, and
the Parquet export keeps timestamps' zones and JSON as JSON for DuckDB, pandas and polars."""
from __future__ import annotations

import json
import re

import duckdb
import pytest

from conftest import ROOT
from test_review_corrections import ingest

DOCS = ROOT / "docs" / "warehouse.md"
HEADING = re.compile(r"^###\s+`(?P<name>\w+)`\s*$")
ROW = re.compile(r"^\|\s*(?P<cells>`[^|]+)\|")
NAME = re.compile(r"`(\w+)`")


def documented() -> dict[str, set[str]]:
    """name -> columns, from the ### `name` sections under ## Tables and ## Views; a section
    that says it has the common or evidence columns gets those sections' columns."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = None
        m = HEADING.match(line)
        if m:
            current = m["name"]
            sections[current] = []
            continue
        if current:
            sections[current].append(line)
    text = DOCS.read_text(encoding="utf-8")
    common = _columns(text.split("### Common columns", 1)[1].split("###", 1)[0].splitlines())
    evidence = _columns(text.split("### Evidence columns", 1)[1].split("##", 1)[0].splitlines())
    out = {}
    for name, lines in sections.items():
        cols = _columns(lines)
        prose = " ".join(line for line in lines if not line.startswith("|"))
        if re.search(r"Common\s+columns", prose):
            cols |= common
        if re.search(r"evidence\s+columns", prose):
            cols |= evidence
        out[name] = cols
    return out


def _columns(lines) -> set[str]:
    cols = set()
    for line in lines:
        m = ROW.match(line)
        if m:
            cols |= set(NAME.findall(m["cells"]))
    return cols


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    from noticeflow.warehouse.changes import load_changes, pending_doc_ids
    from noticeflow.warehouse.migrate import connect

    db = tmp_path_factory.mktemp("docs") / "w.duckdb"
    ingest(db, sorted((ROOT / "corpus").glob("*")) + [ROOT / "tests" / "fixtures" / "yangcheng_2025.txt"])
    con = connect(db)
    load_changes(con, pending_doc_ids(con))
    con.close()
    return db


def schema(db=":memory:") -> dict[str, set[str]]:
    from noticeflow.warehouse.migrate import connect

    con = connect(db)
    try:
        out: dict[str, set[str]] = {}
        for t, c in con.execute("SELECT table_name, column_name FROM information_schema.columns"
                                " WHERE table_schema = 'main'").fetchall():
            out.setdefault(t, set()).add(c)
        return out
    finally:
        con.close()


def test_docs_and_schema_agree_both_ways():
    docs, real = documented(), schema()
    assert sorted(set(real) - set(docs)) == [], "tables or views missing from docs/warehouse.md"
    assert sorted(set(docs) - set(real)) == [], "docs/warehouse.md describes tables or views that do not exist"
    for name in sorted(real):
        assert {"undocumented": sorted(real[name] - docs[name]), "not in the schema": sorted(docs[name] - real[name])} \
            == {"undocumented": [], "not in the schema": []}, name


def test_the_docs_check_notices_a_column_that_is_not_described(monkeypatch):
    docs = documented()
    docs["fees"].discard("applies_to")
    assert schema()["fees"] - docs["fees"] == {"applies_to"}


def test_every_timestamp_has_its_zone_and_json_is_typed():
    from noticeflow.warehouse.migrate import connect

    con = connect(":memory:")
    try:
        types = con.execute("SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                            " WHERE table_schema = 'main'").fetchall()
    finally:
        con.close()
    assert [c for c, t in types if t.startswith("TIMESTAMP") and "TIME ZONE" not in t] == []
    json_cols = {c for c, t in types if t == "JSON"}
    assert {"records.record", "changes.old_value", "changes.new_value", "corrections.new_value",
            "corrections.anchor", "review_base.record", "ingest_runs.timings"} <= json_cols


README_SQL = re.compile(r"```sql\n(.*?)```", re.S)


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [q.strip().rstrip(";") for block in README_SQL.findall(text) for q in block.split(";\n") if q.strip()]


def test_readme_has_sql_examples():
    assert len(readme_examples()) >= 5


@pytest.mark.parametrize("query", readme_examples(), ids=lambda q: q.split("\n")[0][:60])
def test_each_readme_sql_example_runs_and_returns_rows(wh, query):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(query).fetchall()
    finally:
        con.close()
    assert rows, query


def test_each_view_runs_with_one_row_set_per_notice(wh):
    from noticeflow.warehouse.store import view_names

    con = duckdb.connect(str(wh), read_only=True)
    try:
        views = view_names(con)
        assert {"fee_by_county_year", "subsidy_by_category", "category_modes", "collection_periods",
                "quota_totals", "quota_vs_target"} <= set(views)
        for v in views:
            n = con.execute(f"SELECT count(*) FROM {v}").fetchall()[0][0]
            assert n > 0, v
        notices = con.execute("SELECT count(*) FROM notices WHERE is_current").fetchall()[0][0]
        assert notices == 6  # 5 seeds (text and PDF each) + 阳城县 2025
        assert con.execute("SELECT count(*), count(DISTINCT notice_id) FROM fee_by_county_year").fetchall() == [(6, 6)]
        assert con.execute("SELECT count(*), count(DISTINCT notice_id) FROM collection_periods").fetchall() == [(6, 6)]
        assert con.execute("SELECT individual_fee, previous_year, previous_individual_fee, individual_fee_change,"
                           " individual_fee_change_percent FROM fee_by_county_year WHERE county = '阳城县'"
                           " AND policy_year = 2025").fetchall() == [(400.0, 2024, 380.0, 20.0, 5.3)]
        assert con.execute("SELECT tasks_column, table_tasks, body_target, agrees FROM quota_vs_target"
                           " WHERE county = '唐河县'").fetchall() == [("目标任务数", 1143900, 1143900.0, True)]
        assert con.execute("SELECT sum(tasks) FROM quota_rows WHERE is_current AND NOT is_total AND county = '随县'"
                           ).fetchall() == [(643118,)]  # the 合计 column, not 特群免缴 + 其他居民 + 合计
        assert con.execute("SELECT counties FROM category_modes WHERE category = '特困人员' AND policy_year = 2023"
                           " AND mode = 'full' AND subsidy_amount = 350").fetchall() == [(["临猗县", "唐河县", "随县"],)]
    finally:
        con.close()


def test_changes_values_are_json_with_null_where_absent(wh):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        kinds = dict(con.execute("SELECT kind, count(*) FROM changes GROUP BY 1").fetchall())
        assert con.execute("SELECT count(*) FROM changes WHERE kind = 'added' AND old_value IS NOT NULL").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM changes WHERE kind = 'removed' AND new_value IS NOT NULL").fetchall() == [(0,)]
        assert kinds.get("changed")
        fee = con.execute("SELECT old_value::DOUBLE, new_value::DOUBLE FROM changes"
                          " WHERE field = 'fees[individual].amount'").fetchall()
        assert fee == [(380.0, 400.0)]
        dates = con.execute("SELECT new_value->>'$', new_value::DATE FROM changes WHERE json_type(new_value) = 'VARCHAR'"
                            " AND new_value->>'$' SIMILAR TO '\\d{4}-\\d{2}-\\d{2}' LIMIT 1").fetchall()
        assert dates and str(dates[0][1]) == dates[0][0]  # no quotes around the date
    finally:
        con.close()


def test_parquet_export_has_views_zones_and_json_for_every_reader(wh, tmp_path):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    from noticeflow.warehouse.store import export_parquet

    con = duckdb.connect(str(wh), read_only=True)
    try:
        files = {p.rsplit("/", 1)[-1] for p in export_parquet(con, tmp_path)}
        views = {f"{v}.parquet" for (v,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall()}
    finally:
        con.close()
    assert views and views <= files and "fees.parquet" in files
    docs = pd.read_parquet(tmp_path / "documents.parquet")
    assert str(docs["valid_from"].dt.tz) == "UTC"
    rec = pl.read_parquet(tmp_path / "records.parquet")
    assert "json" in str(rec.schema["record"]).lower() and "binary" not in str(rec.schema["record"]).lower()
    assert json.loads(rec["record"][0])["doc_id"] == rec["doc_id"][0]
    changes = pd.read_parquet(tmp_path / "changes.parquet")
    assert isinstance(changes["new_value"].dropna().iloc[0], str)
    d = duckdb.connect()
    assert d.execute(f"SELECT typeof(record) FROM '{tmp_path / 'records.parquet'}' LIMIT 1").fetchall() == [("JSON",)]
    assert d.execute(f"SELECT count(*) FROM '{tmp_path / 'fee_by_county_year.parquet'}'").fetchall() == [(6,)]
