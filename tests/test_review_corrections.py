"""The corrections log: effective records, re-ingest, needs-re-review, concurrency, property test.

`ingest()` below loads files through the warehouse's own loader (`warehouse.store.plan` +
`flows.ingest_worker.process_many` + `warehouse.store.load_batch`), i.e. the ingest flow minus the
Prefect orchestration, so these tests take seconds.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import pathlib
import shutil
import threading

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from noticeflow.warehouse import corrections as log

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"


def ingest(db: pathlib.Path | str, files: list[pathlib.Path], force: bool = False) -> None:
    """Load `files` into warehouse `db` with the loader the ingest flow uses."""
    from noticeflow.flows.ingest_worker import process_many
    from noticeflow.review.refresher import flush_all
    from noticeflow.warehouse import migrate, store

    flush_all()  # a review app of this process has finished writing the analyst rows

    con = migrate.connect(str(db))
    try:
        prints = [(str(pathlib.Path(f).resolve()), hashlib.sha256(pathlib.Path(f).read_bytes()).hexdigest())
                  for f in files]
        todo, _ = (prints, 0) if force else store.plan(con, prints)
        batch, _ = process_many(todo)
        store.load_batch(con, batch, run_id="test")
    finally:
        con.close()


def seed_copy(tmp_path: pathlib.Path, name: str = "000_beb0d831110dae00.txt") -> pathlib.Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    dst = corpus / name
    shutil.copy(ROOT / "corpus" / name, dst)
    return dst


@functools.lru_cache(maxsize=1)
def _seed_record_json() -> str:
    from noticeflow.flows.extract import extract_file

    return json.dumps(extract_file(SEED).model_dump(mode="json"))


def _seed_record() -> dict:
    return json.loads(_seed_record_json())


def synthetic(fee: int = 360, prefix: str = "") -> dict:
    """A seed's record with one known fee element (independent of extractor quality)."""
    rec = _seed_record()
    text = prefix + rec["text"]
    rec = {k: rec[k] for k in ("schema_version", "doc_id", "source")}
    rec["text"] = text
    rec["doc_id"] = hashlib.sha256(text.encode()).hexdigest()
    i = text.find("350元")
    s, e = text.rfind("\n", 0, i) + 1, text.find("\n", i)
    text = text[:i] + str(fee) + text[i + 3:]
    rec["text"] = text
    rec["fees"] = [{"kind": "individual", "amount": fee, "qualifier": "exact", "change": None,
                    "evidence": {"start": s, "end": e, "quote": text[s:e]}}]
    rec["doc_id"] = hashlib.sha256(text.encode()).hexdigest()
    return rec


def test_set_add_delete_and_effective_record():
    con = duckdb.connect()
    rec = synthetic(360)
    log.propose(con, "k", rec, "set", "fees[0].amount", "350", "alice", "typo in extraction")
    t = rec["text"]
    j = t.find("2023年度")
    log.propose(con, "k", rec, "add", "targets", {"metric": "参保率", "percent": "95"}, "bob", None, (j, j + 6))
    eff, paths = log.effective_record(con, "k", rec)
    assert eff["fees"][0]["amount"] == 350
    assert eff["targets"][-1] == {"metric": "参保率", "population": None, "percent": 95,
                                  "evidence": {"start": j, "end": j + 6, "quote": "2023年度"}}
    assert "fees[0].amount" in paths and f"targets[{len(eff['targets']) - 1}]" in paths
    rows = con.execute("SELECT reviewer, op, field_path, old_value, new_value, reason FROM corrections ORDER BY id").fetchall()
    assert rows[0] == ("alice", "set", "fees[0].amount", "360", "350", "typo in extraction")
    log.propose(con, "k", rec, "delete", "fees[0]", None, "carol")
    eff, _ = log.effective_record(con, "k", rec)
    assert eff["fees"] == []


def test_bad_value_is_refused_and_nothing_stored():
    con = duckdb.connect()
    rec = synthetic(360)
    with pytest.raises(log.CorrectionError, match="fees\\[0\\].amount"):
        log.propose(con, "k", rec, "set", "fees[0].amount", "abc", "alice")
    with pytest.raises(log.CorrectionError):
        log.propose(con, "k", rec, "set", "issue_date.value", "2023-02-30", "alice")
    assert con.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_reingest_same_source_keeps_corrections_even_when_extraction_moves():
    con = duckdb.connect()
    rec = synthetic(360)
    log.propose(con, "k", rec, "set", "fees[0].amount", 350, "alice")
    # the extractor now finds an extra fee before ours: the correction follows its element
    again = copy.deepcopy(rec)
    t = again["text"]
    extra = dict(again["fees"][0], kind="fiscal_subsidy", amount=610)
    again["fees"].insert(0, extra)
    eff, paths = log.effective_record(con, "k", again)
    assert [f["amount"] for f in eff["fees"]] == [610, 350] and paths == {"fees[1].amount"}
    assert t  # same text, same doc_id


def test_changed_source_sends_mismatching_correction_to_re_review():
    con = duckdb.connect()
    rec = synthetic(360)
    c = log.propose(con, "k", rec, "set", "fees[0].amount", 350, "alice")
    new = synthetic(380)  # the notice was re-issued with another fee
    eff, paths = log.effective_record(con, "k", new)
    assert eff["fees"][0]["amount"] == 380 and not paths  # not silently applied
    queued = con.execute("SELECT correction_id, doc_id FROM needs_re_review").fetchall()
    assert queued == [(c.id, new["doc_id"])]
    assert len(log.load(con, "k")) == 1  # nor dropped
    log.dismiss(con, c.id, "bob", "the new notice is right")
    outcomes = log.apply_corrections(new, log.load(con, "k")).outcomes
    assert [o.status for o in outcomes] == ["resolved"]


def test_shifted_text_with_same_quote_still_applies():
    con = duckdb.connect()
    rec = synthetic(360)
    log.propose(con, "k", rec, "set", "fees[0].amount", 350, "alice")
    moved = synthetic(360, prefix="(重新印发)\n")
    eff, paths = log.effective_record(con, "k", moved)
    assert eff["fees"][0]["amount"] == 350 and paths == {"fees[0].amount"}


def test_two_reviewers_saving_different_fields_at_the_same_moment_both_persist(tmp_path):
    db = str(tmp_path / "w.duckdb")
    con = duckdb.connect(db)
    rec = synthetic(360)
    log.remember_extraction(con, "k", rec)
    barrier = threading.Barrier(2)
    errors = []

    def save(path, value, who):
        c = con.cursor()  # one connection per request, as in the app
        try:
            barrier.wait()
            log.propose(c, "k", rec, "set", path, value, who)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            c.close()

    ts = [threading.Thread(target=save, args=("fees[0].amount", 350, "alice")),
          threading.Thread(target=save, args=("fees[0].qualifier", "at_least", "bob"))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    eff, paths = log.effective_record(con, "k", rec)
    assert eff["fees"][0]["amount"] == 350 and eff["fees"][0]["qualifier"] == "at_least"
    assert paths == {"fees[0].amount", "fees[0].qualifier"}


# ---------------------------------------------------------------- property test

STEP = st.one_of(
    st.tuples(st.just("correct"), st.sampled_from(["fees[0].amount", "fees[0].qualifier", "fees[0].change"]),
              st.integers(0, 2000)),
    st.tuples(st.just("add"), st.integers(0, 300), st.integers(1, 40)),
    st.tuples(st.just("reingest"), st.sampled_from(["same", "shifted", "refee"]), st.integers(300, 400)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=10))
def test_no_correction_is_ever_lost(steps):
    """Whatever the order of corrections and re-ingests, every logged correction is either
    applied (its value is in the effective record), satisfied, or queued for re-review."""
    con = duckdb.connect()
    base = synthetic(360)
    current = base
    for step in steps:
        if step[0] == "correct":
            _, path, n = step
            value = {"fees[0].amount": n, "fees[0].qualifier": ["exact", "at_least"][n % 2],
                     "fees[0].change": n % 101}[path]
            eff = log.apply_corrections(current, log.load(con, "k")).record
            if not eff.get("fees"):
                continue
            log.propose(con, "k", current, "set", path, value, "r")
        elif step[0] == "add":
            _, start, length = step
            text = current["text"]
            s, e = min(start, len(text) - 2), min(start + length, len(text) - 1)
            if text[s:e].strip() == "" or e <= s:
                continue
            log.propose(con, "k", current, "add", "targets", {"metric": f"m{s}", "percent": 50}, "r", None, (s, e))
        else:
            _, kind, fee = step
            current = {"same": base, "shifted": synthetic(360, prefix="前言\n"), "refee": synthetic(fee)}[kind]
            log.effective_record(con, "k", current)
        logged = log.load(con, "k")
        applied = log.apply_corrections(current, logged)
        assert len(applied.outcomes) == len(logged)  # every row accounted for
        for o in applied.outcomes:
            assert o.status in ("applied", "satisfied", "needs_review")
            if o.status == "needs_review":
                assert o.correction.doc_id != current["doc_id"]  # only ever after a source change
        if all(o.status == "applied" for o in applied.outcomes):
            last = {}
            for c in logged:
                if c.op == "set":
                    last[c.field_path] = c.new_value
            for path, v in last.items():
                assert log.get_path(applied.record, log.parse_path(path)) == v
        added = [c for c in logged if c.op == "add"]
        for c in added:
            o = next(o for o in applied.outcomes if o.correction.id == c.id)
            if o.status == "applied":
                assert any(t.get("metric") == c.new_value["metric"] for t in applied.record["targets"])


# ---------------------------------------------------------------- through the real loader

def test_loader_writes_corrected_rows_and_keeps_them_on_reingest(tmp_path):
    src = seed_copy(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    con = duckdb.connect(str(db))
    key = con.execute("SELECT notice_id FROM notices").fetchone()[0]  # corrections are per notice
    assert log.extraction(con, str(src.resolve())) == log.extraction(con, key)  # a document's path names it too
    extracted = log.extraction(con, key)
    assert extracted is not None and extracted["fees"], "the loaded record is the extraction"
    # Without corrections the records row is the extraction: nothing is copied aside.
    assert con.execute("SELECT count(*) FROM review_base").fetchone() == (0,)
    old = extracted["fees"][0]["amount"]
    log.propose(con, key, extracted, "set", "fees[0].amount", old + 1, "alice")
    assert log.refresh(con, key)
    assert con.execute("SELECT amount, origin FROM fees WHERE is_current").fetchall()[0] == (old + 1, "corrected")
    # The row now holds the corrected record; the extraction was kept aside first.
    assert log.extraction(con, key) == extracted
    assert log.extractions(con) == {key: extracted}
    con.close()
    ingest(db, [src])               # unchanged: skipped by the loader's plan
    ingest(db, [src], force=True)   # re-extracted (e.g. new extractor): correction re-applied
    con = duckdb.connect(str(db))
    assert con.execute("SELECT amount, origin FROM fees WHERE is_current").fetchall()[0] == (old + 1, "corrected")
    rec = json.loads(con.execute("SELECT record FROM records WHERE is_current").fetchone()[0])
    assert rec["fees"][0]["amount"] == old + 1
    con.close()


def test_a_deletion_alone_marks_the_record_corrected_and_stays_undoable(tmp_path):
    """A correction that only deletes an element leaves no corrected value to point at: the
    records row must still say it holds a corrected record, or the next refresh reads that
    row as the extraction (the deletion then looks done by the extractor and cannot be undone)."""
    src = seed_copy(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    con = duckdb.connect(str(db))
    key = con.execute("SELECT notice_id FROM notices").fetchone()[0]
    extracted = log.extraction(con, key)
    tiers = [t["label"] for t in extracted["subsidy_tiers"]]
    assert len(tiers) >= 2
    log.propose(con, key, extracted, "delete", "subsidy_tiers[0]", None, "alice")
    for _ in range(2):  # the save's refresh, then the background refresher's
        assert log.refresh(con, key)
        assert con.execute("SELECT origin, corrected_fields FROM records WHERE is_current").fetchall() == [
            ("corrected", ["subsidy_tiers[]"])]
        assert con.execute("SELECT label, origin FROM subsidy_tiers WHERE is_current ORDER BY idx").fetchall() == [
            (label, "extracted") for label in tiers[1:]]
        assert log.extraction(con, key) == extracted
    (cid,) = con.execute("SELECT id FROM corrections").fetchone()
    log.inverse(con, cid, log.extraction(con, key), "alice")  # undo: the tier comes back
    assert log.refresh(con, key)
    assert sorted(r[0] for r in con.execute("SELECT label FROM subsidy_tiers WHERE is_current").fetchall()) == sorted(tiers)
    con.close()


def _yangcheng(tmp_path) -> tuple[pathlib.Path, str]:
    """A warehouse with 阳城县 2024 (seed 003) and 2025, not yet diffed; the 2025 notice's key."""
    folder = tmp_path / "yangcheng"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt", folder)
    shutil.copy(ROOT / "tests" / "fixtures" / "yangcheng_2025.txt", folder)
    db = tmp_path / "w.duckdb"
    ingest(db, sorted(folder.iterdir()))
    return db, str((folder / "yangcheng_2025.txt").resolve())


def _correct_fee(con, key: str, amount: int) -> None:
    from noticeflow.warehouse import access

    extracted = log.extraction(con, key)
    i = next(i for i, f in enumerate(extracted["fees"]) if f["kind"] == "individual")
    access.transaction(con, lambda: (log.propose_many(con, key, extracted, [
        ("set", f"fees[{i}].amount", amount, None)], "tester"), log.refresh(con, key)))


def _changes_and_from_scratch(con) -> tuple[list, list]:
    """The changes table, and what diffing every current record from scratch gives."""
    from noticeflow.warehouse.changes import load_changes

    now = sorted(map(repr, con.execute("SELECT * FROM changes").fetchall()))
    con.execute("DELETE FROM changes")
    con.execute("DELETE FROM changes_state")
    load_changes(con, [d for (d,) in con.execute("SELECT doc_id FROM records WHERE is_current").fetchall()])
    return now, sorted(map(repr, con.execute("SELECT * FROM changes").fetchall()))


FEE_CHANGES = ("SELECT c.old_value, c.new_value FROM changes c JOIN documents d ON d.doc_id = c.right_doc"
               " WHERE d.path = ? AND c.field LIKE 'fees%' AND c.kind <> 'unchanged' ORDER BY c.seq")


def test_a_correction_re_diffs_the_year_over_year_changes(tmp_path):
    """Correcting the 2025 fee of 阳城县 changes its diff against 2024 at once, as a diff of
    the corrected records computed from scratch would."""
    from noticeflow.warehouse import access
    from noticeflow.warehouse.changes import load_changes

    db, later = _yangcheng(tmp_path)
    with access.connect(db) as con:
        load_changes(con, [d for (d,) in con.execute("SELECT doc_id FROM records").fetchall()])
        before = con.execute(FEE_CHANGES, [later]).fetchall()
        _correct_fee(con, later, 999)
        after = con.execute(FEE_CHANGES, [later]).fetchall()
        incremental, from_scratch = _changes_and_from_scratch(con)
    assert before and "999" not in repr(before)
    assert any("999" in repr(row) for row in after)
    assert incremental == from_scratch


def test_a_correction_saved_while_the_changes_stage_runs_is_not_overwritten(tmp_path, monkeypatch):
    """The stage reads the records JSON up front; a reviewer's save that lands before a piece
    commits must not be overwritten by a diff of the record as it was read."""
    from noticeflow.warehouse import access, changes

    db, later = _yangcheng(tmp_path)
    monkeypatch.setattr(changes, "POINT_READS", 0)  # the big-run path: read everything up front
    fill, saved = changes._Spill.fill, []

    def fill_then_save(self, con, needed):
        fill(self, con, needed)
        if not saved:
            saved.append(1)
            with access.connect(db) as reviewer:
                _correct_fee(reviewer, later, 999)

    monkeypatch.setattr(changes._Spill, "fill", fill_then_save)
    with access.connect(db) as con:
        changes.load_changes(con, [d for (d,) in con.execute("SELECT doc_id FROM records").fetchall()])
        after = con.execute(FEE_CHANGES, [later]).fetchall()
        monkeypatch.setattr(changes._Spill, "fill", fill)
        incremental, from_scratch = _changes_and_from_scratch(con)
    assert saved and any("999" in repr(row) for row in after)
    assert incremental == from_scratch
