"""Who may use the review app and how writes are protected.

- Bound to loopback the app is open to the local user; bound anywhere else it needs tokens
  (`--tokens FILE`, `--token T` or NOTICEFLOW_REVIEW_TOKENS="alice:T1,bob:T2") and refuses to
  start without one. A reviewer's name comes from their token.
- Only the host names the server is bound to are answered (a DNS-rebinding page on another
  name that resolves to 127.0.0.1 gets 421), and a browser write must come from one of them.
- Every session gets its own CSRF token, put in each form; a write must carry it. Signing in
  issues a new session id (no fixation); sessions expire; wrong tokens are throttled.
"""
from __future__ import annotations

import getpass
import hmac
import ipaddress
import os
import pathlib
import secrets
import socket
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

SESSION_COOKIE = "nf_session"
TOKENS_ENV = "NOTICEFLOW_REVIEW_TOKENS"
_REVIEWER_OK = 64  # longest reviewer name accepted
MIN_TOKEN = 8
IDLE = 8 * 3600          # a session unused this long (seconds) is gone
LIFETIME = 24 * 3600     # and none lives longer than this
MAX_SESSIONS = 10_000    # bounded memory: the least recently used session goes first
FAILS, FAIL_WINDOW = 5, 60.0  # wrong tokens per client within the window before 429
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "ip6-localhost")


class StartupError(Exception):
    """The server must not start with this configuration (one-line reason)."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(tok: str, who: str) -> str:
    """The token as stored; StartupError when it is too short or has spaces in it."""
    if tok != tok.strip() or any(ch.isspace() for ch in tok) or not tok.isprintable():
        raise StartupError(f"review token for {who!r} contains spaces or control characters")
    if len(tok) < MIN_TOKEN:
        raise StartupError(f"review token for {who!r} is shorter than {MIN_TOKEN} characters")
    return tok


def parse_tokens(spec: str | None) -> dict[str, str]:
    """`alice:T1,bob:T2` -> {T1: alice, T2: bob}; a bare token belongs to reviewer "reviewer"."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, _, tok = part.strip().rpartition(":")
        who = clean_reviewer(name) or "reviewer"
        out[check_token(tok, who)] = who
    return out


def read_tokens_file(path: str | pathlib.Path) -> dict[str, str]:
    """A tokens file: one `name: token` (or `name token`) per line, `#` comments; token -> name."""
    path = pathlib.Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise StartupError(f"{path}: cannot read the tokens file ({e.__class__.__name__}: {e})")
    out: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, tok = line.partition(":") if ":" in line else line.rpartition(" ")
        name, tok = clean_reviewer(name), tok.strip()
        if not sep or not name or not tok:
            raise StartupError(f"{path}:{n}: expected `name: token`")
        try:
            tok = check_token(tok, name)
        except StartupError as e:
            raise StartupError(f"{path}:{n}: {e}")
        if tok in out:
            raise StartupError(f"{path}:{n}: {name!r} has the same token as {out[tok]!r}")
        out[tok] = name
    if not out:
        raise StartupError(f"{path}: no tokens in the file")
    return out


def bound_hosts(host: str, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The host names a browser may use for a server bound to `host` (lower case, no port)."""
    names = {host.strip("[]").lower(), *(h.lower() for h in extra)}
    if is_loopback(host):
        names.update(LOOPBACK_NAMES)
    if host in ("0.0.0.0", "::", ""):  # every interface: this machine's own names and addresses
        names.update(LOOPBACK_NAMES)
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name.lower())
            try:
                names.update(ai[4][0] for ai in socket.getaddrinfo(name, None))
            except OSError:
                pass
    return frozenset(n for n in names if n)


def host_name(netloc: str | None) -> str:
    """`Example.org:8000` -> `example.org`; `[::1]:80` -> `::1`."""
    if not netloc:
        return ""
    try:
        return (urlsplit("//" + netloc).hostname or "").lower()
    except ValueError:
        return ""


def clean_reviewer(name: str | None) -> str:
    """A reviewer name as stored in the log: printable, trimmed, bounded."""
    name = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    return name[:_REVIEWER_OK]


@dataclass
class Session:
    csrf: str
    reviewer: str
    authenticated: bool
    created: float = 0.0
    seen: float = 0.0


@dataclass
class Security:
    """Tokens (token -> reviewer), bound host names and the in-memory sessions of one server."""

    tokens: dict[str, str] = field(default_factory=dict)
    default_reviewer: str = ""
    hosts: frozenset[str] = frozenset(LOOPBACK_NAMES)
    clock: Callable[[], float] = time.monotonic
    _sessions: "OrderedDict[str, Session]" = field(default_factory=OrderedDict)
    _fails: dict[str, deque] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_bind(cls, host: str, token: str | None = None, env: dict | None = None,
                 tokens_file: str | None = None, allow_hosts: tuple[str, ...] = ()) -> "Security":
        """The configuration for serving on `host`; StartupError when it would be unprotected."""
        env = os.environ if env is None else env
        tokens = parse_tokens(env.get(TOKENS_ENV))
        if tokens_file:
            tokens.update(read_tokens_file(tokens_file))
        if token is not None:
            tokens[check_token(token, "--token")] = "reviewer"
        if not is_loopback(host) and not tokens:
            raise StartupError(
                f"refusing to serve on {host} without a token: pass --tokens FILE, --token or set {TOKENS_ENV}")
        try:
            user = getpass.getuser()
        except Exception:  # no passwd entry in some containers
            user = "reviewer"
        return cls(tokens=tokens, default_reviewer=clean_reviewer(env.get("NOTICEFLOW_REVIEWER") or user),
                   hosts=bound_hosts(host, allow_hosts))

    @property
    def needs_token(self) -> bool:
        return bool(self.tokens)

    def host_ok(self, host_header: str | None) -> bool:
        """Whether the request's Host is one this server is bound to (DNS rebinding)."""
        return host_name(host_header) in self.hosts

    def reviewer_for(self, token: str | None) -> str | None:
        found = None
        for known, name in self.tokens.items():  # compare with every token: no early exit
            if token and hmac.compare_digest(known.encode(), token.encode()):
                found = name
        return found

    def _new(self, now: float, authenticated: bool, reviewer: str) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(24)
        s = Session(csrf=secrets.token_urlsafe(24), reviewer=reviewer, authenticated=authenticated,
                    created=now, seen=now)
        self._sessions[sid] = s
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return sid, s

    def session(self, sid: str | None) -> tuple[str, Session]:
        """The session for cookie value `sid`, or a fresh one (new id) when unknown or expired."""
        now = self.clock()
        with self._lock:
            s = self._sessions.get(sid or "")
            if s is not None and now - s.seen < IDLE and now - s.created < LIFETIME:
                s.seen = now
                self._sessions.move_to_end(sid)
                return sid, s
            if s is not None:
                del self._sessions[sid]
            return self._new(now, not self.needs_token, self.default_reviewer)

    def throttled(self, client: str) -> bool:
        """True while `client` has had FAILS wrong tokens within FAIL_WINDOW seconds."""
        now = self.clock()
        with self._lock:
            q = self._fails.get(client)
            while q and now - q[0] > FAIL_WINDOW:
                q.popleft()
            return bool(q) and len(q) >= FAILS

    def login(self, sid: str, token: str | None, client: str = "") -> str | None:
        """A new authenticated session id for a right token (the old id is dropped), else None."""
        name = self.reviewer_for(token)
        now = self.clock()
        with self._lock:
            if name is None:
                q = self._fails.setdefault(client, deque())
                q.append(now)
                if len(self._fails) > MAX_SESSIONS:
                    self._fails.pop(next(iter(self._fails)))
                return None
            old = self._sessions.pop(sid, None)
            reviewer = name if name != "reviewer" or not old else (old.reviewer or name)
            new_sid, _ = self._new(now, True, reviewer)
            return new_sid

    def bearer(self, token: str | None) -> Session | None:
        """A one-request session for an API client that sends `Authorization: Bearer T`."""
        name = self.reviewer_for(token)
        if name is None:
            return None
        return Session(csrf="", reviewer=name, authenticated=True)


def same_origin(headers, hosts: frozenset[str]) -> bool:
    """False when the browser says the request came from a page not served under our names."""
    source = headers.get("origin") or headers.get("referer")
    if not source:
        return True  # non-browser clients send neither; the CSRF token still has to match
    if source == "null":
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and host_name(parts.netloc) in hosts


def csrf_ok(sess: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(sess.csrf.encode(), str(submitted).encode())
