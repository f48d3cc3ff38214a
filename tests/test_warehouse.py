"""The warehouse without Prefect: migrations, flattening, versioned loading, quarantine."""
from __future__ import annotations

import json

import hashlib
import pathlib

import duckdb
import pytest

from noticeflow.warehouse import migrate
from noticeflow.warehouse.rows import flatten, is_corrected
from noticeflow.warehouse.batch import Failed, Loaded, pack
from noticeflow.warehouse.store import load_batch, plan
from noticeflow.warehouse.version import EXTRACTOR_VERSION, doc_key


def record(text: str, county: str = "阳城县", fee: int = 380, year: int = 2024) -> dict:
    sha = hashlib.sha256(text.encode()).hexdigest()
    ev = {"start": 0, "end": 2, "quote": text[:2]}
    return {
        "schema_version": "1.1", "doc_id": sha, "text": text,
        "source": {"path": "x.txt", "format": "txt", "encoding": "utf-8", "size_bytes": 9, "pages": None},
        "region": {"province": "山西省", "city": "晋城市", "county": county, "adcode": "140522", "evidence": None},
        "policy_year": {"value": year, "evidence": ev},
        "issue_date": {"value": "2023-10-08", "evidence": None},
        "fees": [{"kind": "individual", "amount": fee, "qualifier": "exact", "change": 30, "evidence": ev}],
        "subsidy_tiers": [{"label": "特困人员(含孤儿)", "categories": ["特困人员", "孤儿"], "mode": "full",
                           "subsidy_amount": fee, "subsidy_percent": None, "individual_amount": 0,
                           "floor_amount": None, "pay_first": False, "funding_source": None,
                           "derived": ["subsidy_amount"], "evidence": ev}],
        "periods": [{"kind": "collection", "start": "2023-09-01", "end": "2023-12-31", "day_from": None,
                     "day_to": None, "applies_to": None, "evidence": ev}],
        "quota_table": {"title": "任务表", "unit": "人", "columns": ["任务数"], "evidence": ev,
                        "rows": [{"seq": 1, "area": "甲镇", "values": {"任务数": 100}, "note": None},
                                 {"seq": 2, "area": "乙乡", "values": {"任务数": 50}, "note": None}],
                        "total": {"任务数": 150}},
        "flags": [{"code": "region_conflict", "severity": "warning", "field": "region", "message": "m"}],
    }


def loaded(path: str, rec: dict) -> tuple[Loaded, dict]:
    """A document as a worker hands it over: the record's JSON text, and its rows."""
    import json

    key = doc_key(rec["doc_id"])
    return (Loaded(path, rec["doc_id"], 9, "txt", json.dumps(rec, ensure_ascii=False)),
            flatten(rec, key, EXTRACTOR_VERSION, path))


@pytest.fixture
def con():
    c = migrate.connect(":memory:")
    yield c
    c.close()


def dump(con) -> dict:
    out = {}
    for t in ("documents", "records", "fees", "subsidy_tiers", "tier_categories", "periods",
              "quota_rows", "flags", "quarantine"):
        out[t] = sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
    return out


def test_migrations_apply_in_numeric_order_once(tmp_path: pathlib.Path):
    (tmp_path / "002_b.sql").write_text("INSERT INTO t VALUES (2);")
    (tmp_path / "001_a.sql").write_text("CREATE TABLE t (x INTEGER);")
    (tmp_path / "010_c.sql").write_text("INSERT INTO t VALUES (10);")
    (tmp_path / "notes.txt").write_text("not a migration")
    con = duckdb.connect(":memory:")
    assert migrate.migrate(con, tmp_path) == [1, 2, 10]
    assert migrate.migrate(con, tmp_path) == []
    assert con.execute("SELECT list(x ORDER BY x) FROM t").fetchone()[0] == [2, 10]
    assert [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()] == [1, 2, 10]


def test_failed_migration_rolls_back_and_duplicate_numbers_refused(tmp_path: pathlib.Path):
    (tmp_path / "001_a.sql").write_text("CREATE TABLE t (x INTEGER); INSERT INTO nope VALUES (1);")
    con = duckdb.connect(":memory:")
    with pytest.raises(duckdb.Error):
        migrate.migrate(con, tmp_path)
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0
    (tmp_path / "001_b.sql").write_text("SELECT 1;")
    with pytest.raises(RuntimeError, match="share a number"):
        migrate.migrate(con, tmp_path)


def test_project_schema_has_every_table_view_and_comment(con):
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"documents", "records", "fees", "subsidy_tiers", "tier_categories", "periods",
            "departments", "leadership", "quota_rows", "targets", "cited_documents", "flags",
            "quarantine", "ingest_runs", "schema_version"} <= tables
    views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"fee_by_county_year", "subsidy_by_category", "quota_totals"} <= views
    assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'fees'").fetchone()[0]
    applied = [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
    assert applied == sorted(n for n, _, _ in migrate.migrations())


def test_flatten_one_row_per_tier_category_and_quota_cell():
    rows = flatten(record("通知正文一"), "k", EXTRACTOR_VERSION, "a.txt", {"subsidy_tiers[0].mode"})
    assert [r["category"] for r in rows["tier_categories"]] == ["特困人员", "孤儿"]
    assert {r["origin"] for r in rows["tier_categories"]} == {"corrected"}
    assert rows["fees"][0]["origin"] == "extracted"
    assert rows["fees"][0]["county"] == "阳城县" and rows["fees"][0]["policy_year"] == 2024
    assert [(r["area"], r["value"], r["is_total"]) for r in rows["quota_rows"]] == [
        ("甲镇", 100, False), ("乙乡", 50, False), ("合计", 150, True)]
    assert rows["records"][0]["origin"] == "corrected"


def test_is_corrected_matches_ancestors_and_descendants_only():
    assert is_corrected("fees[0]", {"fees[0].amount"})
    assert is_corrected("fees[0]", {"fees"})
    assert not is_corrected("fees[1]", {"fees[10].amount"})
    assert not is_corrected("fees[1]", {"periods[1]"})


def test_versions_history_and_identical_reload(con):
    a, b = record("甲版本通知"), record("乙版本通知", fee=400)
    load_batch(con, pack([loaded("/n/a.txt", a)], []), "r1")
    first = dump(con)
    load_batch(con, pack([loaded("/n/a.txt", a)], []), "r1", now=None)  # same doc again: delete-then-insert
    assert dump(con)["fees"] == first["fees"] and dump(con)["records"] == first["records"]

    todo, unchanged = plan(con, [("/n/a.txt", a["doc_id"])])
    assert (todo, unchanged) == ([], 1)
    todo, unchanged = plan(con, [("/n/a.txt", b["doc_id"])])
    assert todo == [("/n/a.txt", b["doc_id"])] and unchanged == 0

    r = load_batch(con, pack([loaded("/n/a.txt", b)], []), "r2")
    assert (r.new, r.new_version) == (0, 1)
    docs = con.execute("SELECT version, doc_id, is_current, valid_to IS NULL FROM documents"
                       " WHERE path = '/n/a.txt' ORDER BY version").fetchall()
    assert docs[-1] == (docs[-1][0], b["doc_id"], True, True)
    assert all(not cur and not open_ for _, _, cur, open_ in docs[:-1])
    fees = con.execute("SELECT amount, is_current FROM fees ORDER BY amount").fetchall()
    assert fees == [(380.0, False), (400.0, True)]
    assert con.execute("SELECT individual_fee FROM fee_by_county_year").fetchall() == [(400.0,)]
    assert con.execute("SELECT rows_sum, stated_total, adds_up FROM quota_totals").fetchall() == [(150, 150, True)]


def test_same_bytes_at_two_paths_stay_current_while_one_path_holds_them(con):
    a, b = record("共用文本"), record("新文本", fee=300)
    load_batch(con, pack([loaded("/n/1.txt", a), loaded("/n/2.txt", a)], []), "r1")
    assert con.execute("SELECT count(*) FROM fees").fetchone()[0] == 1
    load_batch(con, pack([loaded("/n/1.txt", b)], []), "r2")
    assert con.execute("SELECT amount, is_current FROM fees ORDER BY amount").fetchall() == [
        (300.0, True), (380.0, True)]


def test_quarantine_counts_attempts_and_keeps_what_was_stored(con):
    a = record("好的通知")
    load_batch(con, pack([loaded("/n/a.txt", a)], []), "r1")
    for run in ("r2", "r3"):
        r = load_batch(con, pack([], [Failed("/n/a.txt", "f" * 64, "empty file")]), run)
        assert r.quarantined == 1
    assert con.execute("SELECT error, attempts, last_run_id FROM quarantine").fetchall() == [
        ("empty file", 2, "r3")]
    assert con.execute("SELECT count(*) FROM fees WHERE is_current").fetchone()[0] == 1
    load_batch(con, pack([loaded("/n/a.txt", record("修好的通知"))], []), "r4")
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_corrections_decide_origin_and_loaded_record(con, monkeypatch):
    from noticeflow.warehouse import corrections

    def fake(con_, items, doc_ids=None):
        def fix(rec: dict) -> dict:
            return {**rec, "fees": [{**rec["fees"][0], "amount": 390}]}
        return [(fix(json.loads(text)), {"fees[0].amount"}) for _, text in items]

    monkeypatch.setattr(corrections, "effective_records", fake)
    load_batch(con, pack([loaded("/n/a.txt", record("需更正的通知"))], []), "r1")
    assert con.execute("SELECT amount, origin FROM fees").fetchall() == [(390.0, "corrected")]
    assert con.execute("SELECT origin FROM periods").fetchall() == [("extracted",)]
    assert con.execute("SELECT record->>'$.fees[0].amount', corrected_fields FROM records").fetchone() == (
        "390", ["fees[0].amount"])
