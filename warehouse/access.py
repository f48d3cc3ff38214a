"""The one way every noticeflow process opens the warehouse, however many share it at once.

    from noticeflow.warehouse import access
    con = access.connect("noticeflow.duckdb")                    # read-write (migrated), autocommit
    con = access.connect(db, read_only=True)                     # reads, from one consistent snapshot
    con = access.connect(db, exclusive="ingest")                 # one such connection at a time: a
                                                                 # second waits, naming who holds it
    con.execute(sql, params) -> con; .fetchall() .fetchone() .fetchmany(n) .description
    .to_arrow_table() (= fetch_arrow_table) .df(); .register(name, arrow_table) .unregister(name)
    .sql(sql, params) -> a relation: .fetchall() .to_arrow_table() .to_arrow_reader(rows) (streams)
    .cursor() (another session: its own transaction) .begin() .commit() .rollback() .close(), `with`
    access.transaction(con, fn)  # fn() in one transaction, re-run after a transient failure
    access.retrying(fn)        # fn() again after a write-write conflict, an owner that died, a full
                               # memory pool (access.transient(e) says which errors those are)
    con.in_transaction         # a transaction is open on this session

DuckDB lets one process open the file for writing and no other process read it meanwhile, so
the first process that needs the warehouse opens it and serves the others over a Unix socket
next to it (`warehouse.owner`); the rest send their statements there. A process alone with the
file talks to DuckDB directly, and the file is closed the moment nobody uses it. Errors are
DuckDB's own classes; besides them `OwnerGone` (a duckdb.TransactionException: the owning
process died under this session's open transaction, which is rolled back: re-run the unit, or
`retrying`) and `WarehouseBusy` (a duckdb.IOException: a process outside noticeflow held the
file for longer than `wait`). A read-only connection sees one snapshot from its first
statement until `commit()`/`rollback()` or `close()`; it never blocks a writer.

The sidecar files next to `DB`: `DB.owner` (who serves it: pid, command, since, socket, key),
`DB.sock`, and the lock files `DB.owner.lock` and `DB.<exclusive>.lock`.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
import threading
import time
from multiprocessing import connection as mpc
from typing import Callable

import duckdb

from noticeflow.warehouse import migrate
from noticeflow.warehouse import owner as _owner

WAIT_S = 120.0  # how long to wait for the file while a process outside noticeflow holds it
_PID = re.compile(r"\(PID (\d+)\)")
_ROLLBACK = re.compile(r"^\s*(rollback|abort)\b", re.I)


class OwnerGone(duckdb.TransactionException):
    """The process serving the warehouse died under this session's transaction (rolled back)."""


class WarehouseBusy(duckdb.IOException):
    """A process outside noticeflow holds the warehouse file."""


def _tell(msg: str) -> None:
    print(f"noticeflow: {msg}", file=sys.stderr, flush=True)


def connect(db, read_only: bool = False, exclusive: str | None = None, wait: float = WAIT_S,
            on_wait: Callable[[str], None] = _tell):
    """A connection to the warehouse file `db` (see the module docstring); `:memory:` is plain DuckDB."""
    if str(db) == ":memory:":
        return migrate.connect(":memory:")
    db = os.path.abspath(os.fspath(db))
    if read_only and not os.path.exists(db):
        raise duckdb.IOException(f"no warehouse at {db}")
    held = _Exclusive(db, exclusive, on_wait) if exclusive else None
    try:
        return Connection(_home(db), read_only, wait, on_wait, held)
    except BaseException:
        if held is not None:
            held.release()
        raise


def retrying(fn: Callable, attempts: int = 6, pause: float = 0.05):
    """`fn()`, re-run after a `transient` failure; `fn` must be a whole unit (its own
    transaction, or one autocommit write)."""
    for i in range(attempts):
        try:
            return fn()
        except duckdb.Error as e:
            if i == attempts - 1 or not transient(e):
                raise
            time.sleep(pause * 2 ** i)


def transaction(con, fn: Callable):
    """`fn()` as one transaction on `con` (committed, or rolled back and raised), run again
    after a `transient` failure: a reviewer's save while an ingest writes."""
    def unit():
        con.execute("BEGIN TRANSACTION")
        try:
            out = fn()
            con.execute("COMMIT")
            return out
        except BaseException:
            with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT rolled back
                con.execute("ROLLBACK")
            raise
    return retrying(unit)


def transient(e: BaseException) -> bool:
    """A failure that running the same unit again can cure: a write-write conflict with another
    session, the owner process dying mid-transaction, or the shared memory pool being full."""
    if isinstance(e, (OwnerGone, duckdb.OutOfMemoryException)):
        return True
    return isinstance(e, duckdb.TransactionException) and ("onflict" in str(e) or "Failed to commit" in str(e))


def holder(db) -> dict | None:
    """Who serves the warehouse now (pid, host, command, since), or None."""
    info = _Paths(os.path.abspath(os.fspath(db))).read_owner()
    return {k: info[k] for k in ("pid", "host", "command", "since")} if info else None


# -- the files next to the database ---------------------------------------------------------

class _Paths:
    def __init__(self, db: str):
        self.db = db
        self.sidecar = db + ".owner"
        self.lock = db + ".owner.lock"
        sock = db + ".sock"
        if len(sock.encode()) > 100:  # a Unix socket's path is limited to 107 bytes
            sock = os.path.join(tempfile.gettempdir(),
                                f"noticeflow-{hashlib.sha1(db.encode()).hexdigest()[:16]}.sock")
        self.socket = sock

    def read_owner(self) -> dict | None:
        try:
            with open(self.sidecar, encoding="utf-8") as f:
                info = json.load(f)
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) and _alive(info.get("pid")) else None


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError) as e:
        return isinstance(e, PermissionError)
    return True


@contextlib.contextmanager
def _flocked(path: str):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class _Exclusive:
    """At most one holder per name and warehouse across processes (an ingest run): an flock,
    released by the kernel when its process dies, with the holder's pid/command/since inside."""

    REMIND_S = 60.0

    def __init__(self, db: str, name: str, on_wait):
        self.path = f"{db}.{name}.lock"
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        start = last = None
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if last is None or now - last >= self.REMIND_S:
                    start = start or now
                    waited = f" (waiting {now - start:.0f} s)" if now > start else ""
                    on_wait(f"{db}: another {name} is running: {self._holder()}; "
                            f"this one starts when it ends{waited}")
                    last = now
                time.sleep(0.2)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps({"pid": os.getpid(), "command": _owner.command_line(),
                                       "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)

    def _holder(self) -> str:
        try:
            with open(self.path, encoding="utf-8") as f:
                h = json.load(f)
            return f"pid {h['pid']} ({h['command']}) since {h['since']}"
        except (OSError, ValueError, KeyError):
            return "a process that is starting"

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the flock
            self.fd = None


# -- this process's way to one warehouse -----------------------------------------------------

_homes: dict[str, "_Home"] = {}
_homes_lock = threading.Lock()


def _home(db: str) -> "_Home":
    with _homes_lock:
        if db not in _homes:
            _homes[db] = _Home(db)
        return _homes[db]


class _Home:
    """Either this process owns the file (`owner`) or it reaches the process that does."""

    def __init__(self, db: str):
        self.db, self.paths = db, _Paths(db)
        self.owner: _owner.Owner | None = None
        self.changed = threading.Condition()

    def _emptied(self, owner) -> None:
        with self.changed:
            if self.owner is owner:
                self.owner = None
            self.changed.notify_all()

    def attach(self, read_only: bool, wait: float, on_wait):
        """A backend for one session: local when this process owns the file, else remote."""
        deadline = time.monotonic() + wait
        told, pause = False, 0.02
        while True:
            with self.changed:
                o = self.owner
                if o is not None:
                    s = o.session(read_only)
                    if s is not None:
                        return _Local(o, s)
                    self.changed.wait(0.05)  # it is closing: then open it anew or reach the next owner
                    continue
            remote = self._dial(read_only)
            if remote is not None:
                return remote
            with _flocked(self.paths.lock):  # one process at a time tries to become the owner
                remote = self._dial(read_only)
                if remote is not None:
                    return remote
                try:
                    with self.changed:
                        if self.owner is None:
                            self.owner = _owner.Owner(self.db, self.paths, self._emptied)
                    continue
                except duckdb.ConnectionException as e:
                    if "different configuration" in str(e):
                        raise duckdb.ConnectionException(
                            f"{self.db}: this process has the file open outside noticeflow.warehouse.access"
                            " (close that connection first)") from e
                    raise
                except duckdb.IOException as e:
                    if "lock" not in str(e).lower():
                        raise
                    who = self._who(e)
            if time.monotonic() > deadline:
                raise WarehouseBusy(f"{self.db} is held by {who or 'another process'}; "
                                    f"gave up after {wait:.0f} s") from None
            if who is not None and not told:  # not a noticeflow owner starting or leaving
                on_wait(f"{self.db} is held by {who}; waiting up to {wait:.0f} s")
                told = True
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _who(self, e: Exception) -> str | None:
        """The process outside noticeflow named by DuckDB's lock error (None: a noticeflow owner)."""
        m = _PID.search(str(e))
        pid = int(m[1]) if m else None
        info = self.paths.read_owner()
        if pid is not None and info is not None and info.get("pid") == pid:
            return None  # a noticeflow owner that is opening or closing it
        if pid is not None:
            return f"pid {pid} ({_owner.command_line(pid) or 'unknown command'})"
        return "another process"

    def _dial(self, read_only: bool):
        info = self.paths.read_owner()
        if info is None or info.get("pid") == os.getpid() or info.get("leaving"):
            return None
        if info.get("host") not in (None, _owner.socket.gethostname()):
            raise WarehouseBusy(f"{self.db} is served by pid {info['pid']} on host {info['host']}: "
                                "run this on that machine (a Unix socket does not cross machines)")
        try:
            conn = mpc.Client(info["address"], family="AF_UNIX", authkey=bytes.fromhex(info["authkey"]))
            conn.send_bytes(_owner.dump(("hello", read_only)))
            reply = pickle.loads(conn.recv_bytes())
        except (OSError, EOFError, KeyError, ValueError, mpc.AuthenticationError):
            return None  # gone, or closing: try again (or become the owner)
        if reply[0] != "ok":
            conn.close()
            return None
        return _Remote(conn)


@atexit.register
def _hand_over_all() -> None:
    """At exit, an owner serving other processes lets them finish and move on."""
    for home in list(_homes.values()):
        o = home.owner
        if o is not None:
            o.hand_over()


def _forget_after_fork() -> None:
    global _homes, _homes_lock
    _homes, _homes_lock = {}, threading.Lock()  # a forked child must not touch its parent's DuckDB


os.register_at_fork(after_in_child=_forget_after_fork)


# -- backends: a session on this process's database, or on the owner's ---------------------

class _Moved(Exception):
    """The owner handed over before running the request: run it at the next owner."""


class _Lost(Exception):
    """The owner's process died while the request was under way."""


class _Local:
    def __init__(self, owner, session):
        self.owner, self.s = owner, session

    @property
    def holding(self) -> bool:
        return self.s.holding

    def execute(self, sql, params):
        self.s.execute(sql, params)
        return self.s.last_select

    def description(self):
        return self.s.cur.description

    def fetch(self, how: str, n=None):
        cur = self.s.cur
        if how == "all":
            return cur.fetchall()
        if how == "one":
            return cur.fetchone()
        if how == "many":
            return cur.fetchmany(n)
        return cur.to_arrow_table()

    def register(self, name, table):
        self.s.register(name, table)

    def unregister(self, name):
        self.s.unregister(name)

    def relation(self, sql, params):
        return self.s.sql(sql, params)

    def end(self):
        self.s.end()

    def close(self):
        self.s.close()
        self.owner.release_local()


class _Remote:
    def __init__(self, conn):
        self.conn = conn
        self.holding = False
        self.desc = None

    def call(self, *msg):
        try:
            self.conn.send_bytes(_owner.dump(msg))
            reply = pickle.loads(self.conn.recv_bytes())
        except (OSError, EOFError) as e:
            raise _Lost(str(e)) from e
        if reply[0] == "moved":
            raise _Moved()
        self.holding = reply[-1] if reply[0] == "err" else reply[2]
        if reply[0] == "err":
            cls = getattr(duckdb, reply[1], None)
            raise (cls if isinstance(cls, type) and issubclass(cls, duckdb.Error) else duckdb.Error)(reply[2])
        return reply

    def execute(self, sql, params):
        reply = self.call("x", sql, params)
        self.desc = reply[1]
        return reply[3]

    def description(self):
        return self.desc

    def fetch(self, how: str, n=None):
        return self.call(how, n)[1] if how == "many" else self.call(how)[1]

    def register(self, name, table):
        self.call("reg", name, _arrow(table))

    def unregister(self, name):
        self.call("unreg", name)

    def relation(self, sql, params):
        return _RemoteRelation(self, sql, params)

    def end(self):
        self.call("end")

    def close(self):
        try:
            self.call("close")
        except (_Lost, _Moved, duckdb.Error):
            pass
        self.conn.close()


def _arrow(obj):
    import pyarrow as pa

    if isinstance(obj, (pa.Table, pa.RecordBatch)):
        return obj
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.table(obj)
    return pa.Table.from_pandas(obj, preserve_index=False)  # a pandas DataFrame


class _RemoteRelation:
    """What the warehouse code asks of `con.sql(...)` when the database is in another process."""

    def __init__(self, backend: _Remote, sql: str, params):
        self.b, self.query, self.params = backend, sql, params

    def _run(self):
        self.b.execute(self.query, self.params)
        return self.b

    def fetchall(self):
        return self._run().fetch("all")

    def fetchone(self):
        return self._run().fetch("one")

    def to_arrow_table(self):
        return self._run().fetch("arrow")

    arrow = fetch_arrow_table = to_arrow_table

    def df(self):
        return self.to_arrow_table().to_pandas()

    def to_arrow_reader(self, batch_size: int = 1_000_000):
        import pyarrow as pa

        schema = self.b.call("stream", self.query, self.params, batch_size)[1]

        def batches():
            while (batch := self.b.call("next")[1]) is not None:
                yield batch

        return pa.RecordBatchReader.from_batches(schema, batches())

    fetch_arrow_reader = to_arrow_reader


# -- the connection --------------------------------------------------------------------------

class Connection:
    """A session on the warehouse with the DuckDB connection methods the code base uses."""

    migrated = True  # the owner applied every migration when it opened the file

    def __init__(self, home: _Home, read_only: bool, wait: float, on_wait, held: _Exclusive | None):
        self._home, self.read_only, self._wait, self._on_wait, self._held = home, read_only, wait, on_wait, held
        self._b = home.attach(read_only, wait, on_wait)
        self._regs: dict[str, object] = {}    # replayed at the next owner after a move
        self._last: tuple | None = None        # the last statement, re-run if a read's result moved away
        self._lost = False                     # the owner died inside this session's transaction
        self._lock = threading.RLock()

    # -- plumbing

    def _backend(self):
        if self._b is None:
            self._b = self._home.attach(self.read_only, self._wait, self._on_wait)
            for name, table in self._regs.items():
                self._b.register(name, table)
        return self._b

    def _drop(self) -> None:
        b, self._b = self._b, None
        if b is not None:
            with contextlib.suppress(Exception):
                b.conn.close() if isinstance(b, _Remote) else b.close()

    def _do(self, fn, replayable: Callable[[], bool]):
        with self._lock:
            if self._b is None and self._lost:
                raise OwnerGone("the warehouse owner stopped during this transaction; ROLLBACK and re-run it")
            for _ in range(5):
                b = self._backend()
                holding = b.holding
                try:
                    return fn(b)
                except _Moved:
                    self._drop()  # nothing ran: run it at the next owner
                except _Lost:
                    self._drop()
                    if holding:
                        self._lost = True
                        raise OwnerGone("the warehouse owner stopped during this transaction, which was "
                                        "rolled back; re-run it") from None
                    if not replayable():
                        raise OwnerGone("the warehouse owner stopped during a write: it may or may not "
                                        "be stored") from None
            raise OwnerGone("the warehouse owner kept changing; try again")

    # -- the DuckDB connection API

    def execute(self, sql: str, params=None) -> "Connection":
        with self._lock:
            if self._lost and self._b is None:
                if _ROLLBACK.match(sql):
                    self._lost = False  # the transaction is already gone
                    return self
            self._last = (sql, params, False)

            def run(b):
                self._last = (sql, params, b.execute(sql, params))
                return self

            return self._do(run, lambda: self.read_only or _is_read(sql))

    def _fetch(self, how: str, n=None):
        with self._lock:
            b = self._b
            if b is None:
                raise duckdb.InvalidInputException("no result to fetch (execute a statement first)")
            holding = b.holding
            try:
                return b.fetch(how, n)
            except (_Moved, _Lost) as e:
                self._drop()
                sql, params, select = self._last or (None, None, False)
                if isinstance(e, _Lost) and holding:
                    self._lost = True
                    raise OwnerGone("the warehouse owner stopped during this transaction, which was "
                                    "rolled back; re-run it") from None
                if not select:
                    raise OwnerGone("the warehouse owner changed before this result was read") from None

            def again(b):  # a read whose result went with the old owner: read it at the new one
                b.execute(sql, params)
                return b.fetch(how, n)
            return self._do(again, lambda: True)

    def fetchall(self):
        return self._fetch("all")

    def fetchone(self):
        return self._fetch("one")

    def fetchmany(self, size: int = 1):
        return self._fetch("many", size)

    def to_arrow_table(self):
        return self._fetch("arrow")

    fetch_arrow_table = arrow = to_arrow_table

    def df(self):
        return self.to_arrow_table().to_pandas()

    fetchdf = df

    @property
    def in_transaction(self) -> bool:
        """A transaction is open on this session (BEGIN ... COMMIT/ROLLBACK)."""
        b = self._b
        if b is None:
            return self._lost
        return b.s.in_txn if isinstance(b, _Local) else (b.holding and not self.read_only)

    @property
    def description(self):
        return self._b.description() if self._b is not None else None

    def register(self, name: str, table) -> "Connection":
        with self._lock:
            table = table if isinstance(self._b, _Local) else _arrow(table)
            self._do(lambda b: b.register(name, table), lambda: True)
            self._regs[name] = table
        return self

    def unregister(self, name: str) -> "Connection":
        with self._lock:
            self._regs.pop(name, None)
            self._do(lambda b: b.unregister(name), lambda: True)
        return self

    def sql(self, sql: str, params=None):
        with self._lock:
            return self._do(lambda b: b.relation(sql, params), lambda: True)

    def cursor(self) -> "Connection":
        return Connection(self._home, self.read_only, self._wait, self._on_wait, None)

    def begin(self) -> "Connection":
        return self.execute("BEGIN TRANSACTION")

    def commit(self) -> "Connection":
        if self.read_only:
            self._do(lambda b: b.end(), lambda: True)
            return self
        return self.execute("COMMIT")

    def rollback(self) -> "Connection":
        return self.commit() if self.read_only else self.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            b, self._b = self._b, None
            if b is not None:
                b.close()
            if self._held is not None:
                self._held.release()
                self._held = None

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        with contextlib.suppress(Exception):
            if self._b is not None:
                self.close()


def _is_read(sql: str) -> bool:
    try:
        return all(s.type in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)
                   for s in duckdb.extract_statements(sql))
    except duckdb.Error:
        return False
