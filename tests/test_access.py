"""warehouse.access: several processes share one DuckDB file through the process that opened it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pyarrow as pa
import pytest

from noticeflow.warehouse import access

# A second process: connects, reports its backend, then runs the given lines with `con`.
CHILD = """
import sys, time, json
from noticeflow.warehouse import access
con = access.connect(sys.argv[1])
print("backend", type(con._b).__name__, flush=True)
{body}
"""


def child(db, body: str, **kw) -> subprocess.Popen:
    code = CHILD.format(body=textwrap.dedent(body))
    return subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def wait_line(p: subprocess.Popen, want: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if want in line:
            return line
        if not line and p.poll() is not None:
            break
    raise AssertionError(f"no {want!r} from the child: {p.stderr.read()}")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with access.connect(path) as con:
        con.execute("CREATE TABLE t (i INTEGER, s VARCHAR)")
        con.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    return path


def test_alone_a_process_talks_to_duckdb_and_frees_the_file_when_done(db):
    with access.connect(db) as con:
        assert type(con._b).__name__ == "_Local"
        assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] >= 5  # migrated
        assert (db.parent / (db.name + ".owner")).exists()
    assert not (db.parent / (db.name + ".owner")).exists()
    duckdb.connect(str(db)).close()  # nothing holds it any more: plain DuckDB opens it


def test_a_second_process_goes_through_the_owner(db):
    con = access.connect(db)
    p = child(db, """
        con.execute("INSERT INTO t VALUES (3, 'c')")
        con.register("extra", __import__("pyarrow").table({"i": [10, 11], "s": ["x", "y"]}))
        con.execute("INSERT INTO t SELECT * FROM extra")
        n = sum(b.num_rows for b in con.sql("SELECT * FROM t").to_arrow_reader(2))
        print("rows", n, con.execute("SELECT max(i) FROM t").fetchall(), flush=True)
        con.close()
    """)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "backend _Remote" in out and "rows 5 [(11,)]" in out
    assert con.execute("SELECT sum(i) FROM t").fetchone()[0] == 27  # its writes are ours too
    con.close()


def test_a_read_only_connection_is_one_snapshot_and_cannot_write(db):
    ro = access.connect(db, read_only=True)
    assert ro.execute("SELECT count(*) FROM t").fetchall() == [(2,)]
    with access.connect(db) as rw:
        rw.execute("INSERT INTO t VALUES (3, 'c')")
        assert ro.execute("SELECT count(*) FROM t").fetchall() == [(2,)]   # still its snapshot
        ro.rollback()                                                        # ends it
        assert ro.execute("SELECT count(*) FROM t").fetchall() == [(3,)]
    for sql in ("DELETE FROM t", "DROP TABLE t", "COMMIT", "SET threads = 1", "CHECKPOINT",
                "COPY t FROM 'x.csv'"):
        with pytest.raises(duckdb.PermissionException, match="read-only"):
            ro.execute(sql)
    ro.close()


def test_a_write_conflict_is_retried_as_a_whole_unit(db):
    a, b = access.connect(db), access.connect(db)
    a.execute("BEGIN TRANSACTION")
    a.execute("UPDATE t SET s = 'a2' WHERE i = 1")
    b.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.TransactionException) as e:
        b.execute("UPDATE t SET s = 'b2' WHERE i = 1")
    assert access.transient(e.value)
    b.execute("ROLLBACK")
    tries = []

    def save():
        tries.append(1)
        if len(tries) == 2:
            a.execute("COMMIT")  # the other writer finishes while this one waits to retry
        b.execute("UPDATE t SET s = 'b2' WHERE i = 1")

    access.transaction(b, save)
    assert len(tries) >= 2
    assert b.execute("SELECT s FROM t WHERE i = 1").fetchall() == [("b2",)]
    a.close(), b.close()


def test_an_exiting_owner_lets_the_open_transaction_finish_then_hands_over(db):
    owner = child(db, """
        print("ready", flush=True)
        sys.stdin.readline()     # told to leave: exits with the client's transaction open
    """, stdin=subprocess.PIPE)
    wait_line(owner, "ready")
    con = access.connect(db)
    assert type(con._b).__name__ == "_Remote"
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO t VALUES (3, 'c')")
    owner.stdin.write("\n"), owner.stdin.flush()
    time.sleep(1.0)
    assert owner.poll() is None  # still waiting for this transaction
    con.execute("INSERT INTO t VALUES (4, 'd')")
    con.execute("COMMIT")
    owner.wait(timeout=30)
    assert owner.returncode == 0
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(4,)]   # moved on: now the owner
    assert type(con._b).__name__ == "_Local"
    con.close()


def test_an_owner_killed_mid_transaction_rolls_it_back_and_the_unit_runs_again(db):
    owner = child(db, "print('ready', flush=True); time.sleep(600)")
    wait_line(owner, "ready")
    con = access.connect(db)
    attempts = []

    def unit():
        attempts.append(1)
        con.execute("INSERT INTO t VALUES (3, 'c')")
        if len(attempts) == 1:
            owner.send_signal(signal.SIGKILL)
            owner.wait(timeout=10)
        con.execute("INSERT INTO t VALUES (4, 'd')")

    access.transaction(con, unit)
    assert len(attempts) == 2
    assert con.execute("SELECT i FROM t ORDER BY i").fetchall() == [(1,), (2,), (3,), (4,)]
    con.close()


def test_a_process_outside_noticeflow_is_named_while_we_wait(db):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('held', flush=True); time.sleep(600)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert "held" in holder.stdout.readline()
        said = []
        t0 = time.monotonic()
        with pytest.raises(access.WarehouseBusy, match=f"pid {holder.pid}"):
            access.connect(db, wait=1.5, on_wait=said.append)
        assert time.monotonic() - t0 < 10
        assert said and f"pid {holder.pid}" in said[0] and "duckdb" in said[0]
    finally:
        holder.kill()
        holder.wait()
    with access.connect(db, wait=10) as con:  # once it is gone
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(2,)]


def test_a_second_exclusive_holder_waits_with_a_message_naming_the_first(db):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from noticeflow.warehouse import access
        con = access.connect(sys.argv[1], exclusive="ingest")
        print("ready", flush=True)
        time.sleep(2)
        con.close()
    """), str(db)], stdout=subprocess.PIPE, text=True)
    assert "ready" in holder.stdout.readline()
    said = []
    t0 = time.monotonic()
    con = access.connect(db, exclusive="ingest", on_wait=said.append)
    waited = time.monotonic() - t0
    con.close()
    holder.wait(timeout=30)
    assert waited > 1.0
    assert said and f"pid {holder.pid}" in said[0] and "another ingest is running" in said[0]


def test_a_killed_client_leaves_no_process_and_no_lock(db):
    p = child(db, "print('ready', flush=True); con.execute('BEGIN TRANSACTION'); "
                  "con.execute(\"INSERT INTO t VALUES (9, 'z')\"); print('inside', flush=True); time.sleep(600)")
    wait_line(p, "inside")
    p.kill()
    p.wait()
    with access.connect(db) as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(2,)]  # its transaction is gone
    duckdb.connect(str(db)).close()
