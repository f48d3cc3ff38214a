"""The owner's side of `warehouse.access`: one process opens the DuckDB file and serves the rest.

DuckDB lets one process open a file for writing, and no other process may even read it
meanwhile. So the first noticeflow process that needs the warehouse opens it (an `Owner`) and
listens on a Unix socket next to it; every other process sends its statements there. Each
session, local or remote, is a DuckDB cursor of the owner's database (`Session`), run on a
thread of its own: DuckDB's MVCC then gives every session its own transactions and every
reader a consistent snapshot while a writer commits, and no read waits for a write.

Written by hand over the standard library's `multiprocessing.connection` (authenticated,
framed messages): DuckDB has no server of its own for an embedded file, and the protocol is a
handful of verbs (execute, fetch, register, stream). The owner closes the file as soon as
nobody uses it (so plain `duckdb.connect` works again the moment noticeflow is done), and a
process that exits while others use it hands over: idle sessions are told to move (their next
statement goes to the new owner), open transactions get HANDOFF_S seconds to finish.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import secrets
import socket
import sys
import threading
import time
from multiprocessing import connection as mpc

import duckdb

from noticeflow.warehouse import migrate

# How long an exiting owner lets other processes' open transactions finish (a batch load takes
# ~0.7 s, a save ~0.3 s): short, so Ctrl-C still stops a run within seconds; a session cut
# off gets OwnerGone and runs its unit again at the next owner.
HANDOFF_S = 3.0

ST = duckdb.StatementType
# A read-only session runs inside a transaction of its own that is rolled back, so what it
# may run is what cannot escape that transaction or change the shared database's settings.
_READ_TYPES = {ST.SELECT, ST.EXPLAIN, ST.COPY, ST.PRAGMA}
_READ_PRAGMAS = {"table_info", "show_tables", "show_tables_expanded", "database_size", "storage_info",
                 "version", "show", "platform", "database_list", "functions", "metadata_info"}
_PRAGMA = re.compile(r"^\s*pragma\s+(\w+)", re.I)
# Settings of the session's own cursor that change how results come back, not the database:
# a read-only session (export) may set them.
_SESSION_SETTINGS = {"arrow_lossless_conversion", "timezone"}
_SET = re.compile(r"^\s*set\s+(?:session\s+)?(\w+)", re.I)
_COPY_FROM = re.compile(r"""^\s*copy\s+(?:\(.*\)|[^\s(]+)\s+from\b""", re.I | re.S)
_BEGIN = re.compile(r"^\s*(begin|start)\b", re.I)


def dump(msg) -> bytes:
    return pickle.dumps(msg, protocol=5)


def error_reply(e: BaseException, session: "Session | None") -> tuple:
    name = type(e).__name__ if isinstance(e, duckdb.Error) else "Error"
    text = str(e) if isinstance(e, duckdb.Error) else f"{type(e).__name__}: {e}"
    return ("err", name, text, bool(session and session.holding))


class Session:
    """One client's use of the database: its cursor, its transaction, the read-only rule.

    Read-only sessions see one snapshot (a transaction begun at their first statement and
    rolled back at `end`), may only read, and never block a writer.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection, read_only: bool):
        self.cur, self.read_only = cursor, read_only
        self.in_txn = False   # the client opened a transaction (read-write sessions)
        self.snapshot = False  # the read-only session's own transaction is open
        self.last_select = False
        self.names: set[str] = set()

    @property
    def holding(self) -> bool:
        """Inside a transaction or a snapshot: the session cannot move to another owner now."""
        return self.in_txn or self.snapshot

    def check(self, sql: str) -> list:
        stmts = self.cur.extract_statements(sql)
        if self.read_only:
            for s in stmts:
                bad = (s.type not in _READ_TYPES and not (
                    s.type == ST.SET and (_SET.match(s.query) or [None, ""])[1].lower() in _SESSION_SETTINGS)) \
                    or (s.type == ST.PRAGMA and (_PRAGMA.match(s.query) or [None, ""])[1].lower() not in _READ_PRAGMAS) \
                    or (s.type == ST.COPY and _COPY_FROM.match(s.query))
                if bad:
                    raise duckdb.PermissionException(
                        f"read-only warehouse connection: cannot run {s.type.name} "
                        f"({' '.join(s.query.split())[:60]})")
            if not self.snapshot:
                self.cur.execute("BEGIN TRANSACTION")
                self.snapshot = True
        return stmts

    def execute(self, sql: str, params=None) -> list | None:
        try:
            return self._execute(sql, params)
        except duckdb.TransactionException as e:
            if not (self.read_only and "aborted" in str(e)):
                raise
            return self._execute(sql, params)  # a stream that failed had aborted the snapshot: a new one

    def _execute(self, sql: str, params=None) -> list | None:
        stmts = self.check(sql)
        self.last_select = bool(stmts) and all(s.type in (ST.SELECT, ST.EXPLAIN) for s in stmts)
        txn = [s for s in stmts if s.type == ST.TRANSACTION]
        ok = False
        try:
            if params is None:
                self.cur.execute(sql)
            else:
                self.cur.execute(sql, params)
            ok = True
        except duckdb.Error:
            if self.read_only:
                self.end()  # a failed statement aborts the snapshot: the next one starts a new one
            raise
        finally:
            if txn and not self.read_only:
                # BEGIN opens one (a failed BEGIN leaves things as they were); COMMIT and
                # ROLLBACK end it whether or not they succeed (DuckDB rolls back a failed commit).
                self.in_txn = (self.in_txn or ok) if _BEGIN.match(txn[-1].query) else False
        return description(self.cur)

    def sql(self, sql: str, params=None):
        self.check(sql)
        return self.cur.sql(sql, params=params) if params is not None else self.cur.sql(sql)

    def register(self, name: str, table) -> None:
        self._settled(lambda: self.cur.register(name, table))
        self.names.add(name)

    def unregister(self, name: str) -> None:
        self._settled(lambda: self.cur.unregister(name))
        self.names.discard(name)

    def _settled(self, fn) -> None:
        """DuckDB refuses to (un)register while a result is only partly read (a `fetchone()` of a
        one-row result leaves it so): run that result to its end first."""
        try:
            fn()
        except duckdb.ResourceInUseException:
            self.cur.complete()
            fn()

    def end(self) -> None:
        """End a read-only session's snapshot (the next statement sees what was committed since)."""
        if self.snapshot:
            self.snapshot = False
            self.cur.execute("ROLLBACK")

    def close(self) -> None:
        try:
            self.cur.close()  # rolls back a transaction left open
        except duckdb.Error:
            pass


def description(cur) -> list | None:
    d = cur.description
    return None if d is None else [(c[0], str(c[1]), None, None, None, None, None) for c in d]


# DuckDB's memory pool while this process serves other processes too: every session's queries
# share it (NOTICEFLOW_SHARED_MEMORY, e.g. 2GB); alone, the process keeps migrate.CONFIG's.
SHARED_MEMORY = os.environ.get("NOTICEFLOW_SHARED_MEMORY", "1GB")
if not re.fullmatch(r"\d+(?:\.\d+)?\s*[KMGT]i?B", SHARED_MEMORY):
    SHARED_MEMORY = "1GB"


class Owner:
    """This process has the warehouse file open and serves it to other processes."""

    def __init__(self, db: str, paths, on_empty):
        self.db, self.paths, self._on_empty = db, paths, on_empty
        self.con = migrate.connect(db)
        self.lock = threading.Lock()
        self.local = 0
        self.remote: dict[int, _Remote] = {}
        self.closing = False
        self.authkey = secrets.token_bytes(32)
        self.since = time.strftime("%Y-%m-%d %H:%M:%S")
        try:
            try:
                os.unlink(paths.socket)  # left by an owner that was killed
            except FileNotFoundError:
                pass
            self.listener = mpc.Listener(paths.socket, family="AF_UNIX", backlog=64)
            self._write_sidecar()
        except BaseException:
            self.con.close()
            raise
        self.thread = threading.Thread(target=self._accept, name="noticeflow-warehouse-owner", daemon=True)
        self.thread.start()

    # -- discovery

    def _write_sidecar(self, leaving: bool = False) -> None:
        """Who holds the file, for clients and for messages; `leaving` while it closes the file."""
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command_line(),
                "since": self.since, "address": self.paths.socket, "authkey": self.authkey.hex(),
                "leaving": leaving}
        tmp = f"{self.paths.sidecar}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _file_mode(self.db))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f)
        os.replace(tmp, self.paths.sidecar)

    def _remove_sidecar(self) -> None:
        try:
            with open(self.paths.sidecar, encoding="utf-8") as f:
                mine = json.load(f).get("pid") == os.getpid()
        except (OSError, ValueError):
            mine = False
        if mine:
            try:
                os.unlink(self.paths.sidecar)
            except FileNotFoundError:
                pass

    # -- sessions

    def session(self, read_only: bool) -> Session | None:
        """A session for this process, or None when the owner is closing (open a new one)."""
        with self.lock:
            if self.closing:
                return None
            self.local += 1
        return Session(self.con.cursor(), read_only)

    def release_local(self) -> None:
        with self.lock:
            self.local -= 1
        self._close_if_unused()

    def _close_if_unused(self) -> None:
        with self.lock:
            if self.closing or self.local or self.remote:
                return
            self.closing = True
        self._shutdown()

    def _accept(self) -> None:
        while True:
            try:
                conn = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.closing:
                    conn.close()
                    return
                r = _Remote(self, conn)
                self.remote[id(r)] = r
                first = len(self.remote) == 1
            if first:
                self._pool(SHARED_MEMORY)
            r.thread = threading.Thread(target=r.serve, name="noticeflow-warehouse-session", daemon=True)
            r.thread.start()

    def _gone(self, r: "_Remote") -> None:
        with self.lock:
            self.remote.pop(id(r), None)
            alone = not self.remote and not self.closing
        if alone:
            self._pool(migrate.CONFIG["memory_limit"])
        self._close_if_unused()

    def _pool(self, limit: str) -> None:
        """Size DuckDB's memory pool: one process's budget alone, a larger one while it serves
        others (an ingest's batches and twenty reviewers' pages ran out of 256 MB together)."""
        try:
            cur = self.con.cursor()
            try:
                cur.execute(f"SET memory_limit = '{limit}'")
            finally:
                cur.close()
        except duckdb.Error:  # a pool still above the smaller limit keeps its size for now
            pass

    def hand_over(self) -> None:
        """At exit: let the other processes' transactions finish, move idle sessions, close."""
        with self.lock:
            if self.closing:
                return
            self.closing = True
            sessions = list(self.remote.values())
        self._stop_listening()
        deadline = time.monotonic() + HANDOFF_S
        for r in sessions:
            r.move(deadline)
        for r in sessions:  # a thread still inside DuckDB when the interpreter exits aborts it
            r.thread.join(timeout=5)
        self._shutdown()

    def _stop_listening(self) -> None:
        self._write_sidecar(leaving=True)
        try:
            c = mpc.Client(self.paths.socket, family="AF_UNIX")  # wakes accept(), which sees `closing`
            c.close()
        except OSError:
            pass
        self.listener.close()  # unlinks the socket file
        self.thread.join(timeout=2)

    def _shutdown(self) -> None:
        if self.thread.is_alive():
            self._stop_listening()
        try:
            self.con.close()
        finally:
            self._remove_sidecar()
            self._on_empty(self)


class _Remote:
    """A session of another process, served on its own thread."""

    def __init__(self, owner: Owner, conn):
        self.owner, self.conn = owner, conn
        self.session: Session | None = None
        self.stream = None
        self.thread: threading.Thread | None = None
        self.busy = threading.Lock()  # held while a request is being handled
        self.moving = False

    def serve(self) -> None:
        try:
            mpc.deliver_challenge(self.conn, self.owner.authkey)
            mpc.answer_challenge(self.conn, self.owner.authkey)
            kind, read_only = pickle.loads(self.conn.recv_bytes())
            self.session = Session(self.owner.con.cursor(), bool(read_only))
            self.conn.send_bytes(dump(("ok", os.getpid())))
            while True:
                msg = pickle.loads(self.conn.recv_bytes())
                with self.busy:
                    if self.moving and not self.session.holding and msg[0] in ("x", "stream", "reg"):
                        self.conn.send_bytes(dump(("moved",)))
                        break
                    self.conn.send_bytes(dump(self.handle(msg)))
                    if msg[0] == "close":
                        break
        except (EOFError, OSError, mpc.AuthenticationError, pickle.UnpicklingError, ValueError):
            pass  # the client went away (a killed process's socket closes with it)
        finally:
            if self.session is not None:
                self.session.close()
            try:
                self.conn.close()
            except OSError:
                pass
            self.owner._gone(self)

    def handle(self, msg: tuple) -> tuple:
        s = self.session
        op = msg[0]
        try:
            if op == "x":
                return ("ok", s.execute(msg[1], msg[2]), s.holding, s.last_select)
            if op == "all":
                return ("ok", s.cur.fetchall(), s.holding)
            if op == "one":
                return ("ok", s.cur.fetchone(), s.holding)
            if op == "many":
                return ("ok", s.cur.fetchmany(msg[1]), s.holding)
            if op == "arrow":
                return ("ok", s.cur.to_arrow_table(), s.holding)
            if op == "reg":
                s.register(msg[1], msg[2])
                return ("ok", None, s.holding)
            if op == "unreg":
                s.unregister(msg[1])
                return ("ok", None, s.holding)
            if op == "stream":
                self.stream = s.sql(msg[1], msg[2]).to_arrow_reader(msg[3])
                return ("ok", self.stream.schema, s.holding)
            if op == "next":
                try:
                    return ("ok", self.stream.read_next_batch(), s.holding)
                except StopIteration:
                    self.stream = None
                    return ("ok", None, s.holding)
            if op == "end":
                s.end()
                return ("ok", None, s.holding)
            if op == "close":
                return ("ok", None, False)
            return ("err", "Error", f"unknown request {op!r}", s.holding)
        except Exception as e:  # noqa: BLE001 - every error goes back to the client as DuckDB's
            return error_reply(e, s)

    def move(self, deadline: float) -> None:
        """Send this session to the next owner once it is outside a transaction (or at the deadline)."""
        self.moving = True
        while True:
            with self.busy:  # not held while the session waits for its client's next request
                in_txn = self.session is not None and self.session.holding
                if not in_txn or time.monotonic() >= deadline:
                    try:
                        if not in_txn:
                            self.conn.send_bytes(dump(("moved",)))  # the client reads it as its next reply
                    except OSError:
                        pass
                    hang_up(self.conn)  # past the deadline, the open transaction rolls back
                    return
            time.sleep(0.05)


def hang_up(conn) -> None:
    """End a connection another thread may be blocked reading (close() alone would not wake it)."""
    try:
        s = socket.socket(fileno=os.dup(conn.fileno()))
    except OSError:
        return
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        s.close()


def _file_mode(db: str) -> int:
    try:
        return os.stat(db).st_mode & 0o666
    except OSError:
        return 0o600


def command_line(pid: int | None = None) -> str:
    """A process's command line, shortened, for messages naming who holds the warehouse."""
    try:
        with open(f"/proc/{pid or os.getpid()}/cmdline", "rb") as f:
            parts = [p.decode(errors="replace") for p in f.read().split(b"\0") if p]
    except OSError:
        parts = sys.argv if pid is None else []
    if parts and os.path.basename(parts[0]).startswith("python") and len(parts) > 1:
        parts = parts[1:]
    if parts:
        parts[0] = os.path.basename(parts[0])
    text = " ".join(parts)
    return text if len(text) <= 120 else text[:117] + "..."
