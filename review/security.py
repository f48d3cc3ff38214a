"""Who may use the review app and how writes are protected.

- Bound to loopback the app is open to the local user; bound anywhere else it needs tokens
  (`--token T` or NOTICEFLOW_REVIEW_TOKENS="alice:T1,bob:T2") and refuses to start without one.
- Every session gets its own CSRF token, put in each form; a write must carry it and, when the
  browser sends an Origin (or Referer), come from this server's own origin.
"""
from __future__ import annotations

import getpass
import hmac
import ipaddress
import os
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SESSION_COOKIE = "nf_session"
TOKENS_ENV = "NOTICEFLOW_REVIEW_TOKENS"
_REVIEWER_OK = 64  # longest reviewer name accepted


class StartupError(Exception):
    """The server must not start with this configuration (one-line reason)."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_tokens(spec: str | None) -> dict[str, str]:
    """`alice:T1,bob:T2` -> {T1: alice, T2: bob}; a bare token belongs to reviewer "reviewer"."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, _, tok = part.rpartition(":")
        tok = tok.strip()
        if len(tok) < 8:
            raise StartupError(f"review token for {name or 'reviewer'!r} is shorter than 8 characters")
        out[tok] = clean_reviewer(name) or "reviewer"
    return out


def clean_reviewer(name: str | None) -> str:
    """A reviewer name as stored in the log: printable, trimmed, bounded."""
    name = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    return name[:_REVIEWER_OK]


@dataclass
class Session:
    csrf: str
    reviewer: str
    authenticated: bool


@dataclass
class Security:
    """Tokens (token -> reviewer) and the in-memory sessions of one server process."""

    tokens: dict[str, str] = field(default_factory=dict)
    default_reviewer: str = ""
    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_bind(cls, host: str, token: str | None = None, env: dict | None = None) -> "Security":
        """The configuration for serving on `host`; StartupError when it would be unprotected."""
        env = os.environ if env is None else env
        tokens = parse_tokens(env.get(TOKENS_ENV))
        if token:
            if len(token) < 8:
                raise StartupError("--token must be at least 8 characters")
            tokens[token] = "reviewer"
        if not is_loopback(host) and not tokens:
            raise StartupError(
                f"refusing to serve on {host} without a token: pass --token or set {TOKENS_ENV}")
        try:
            user = getpass.getuser()
        except Exception:  # no passwd entry in some containers
            user = "reviewer"
        return cls(tokens=tokens, default_reviewer=clean_reviewer(env.get("NOTICEFLOW_REVIEWER") or user))

    @property
    def needs_token(self) -> bool:
        return bool(self.tokens)

    def reviewer_for(self, token: str | None) -> str | None:
        for known, name in self.tokens.items():
            if token and hmac.compare_digest(known.encode(), token.encode()):
                return name
        return None

    def session(self, sid: str | None) -> tuple[str, Session]:
        """The session for cookie value `sid`, creating a fresh one (new id) when unknown."""
        with self._lock:
            if sid and sid in self._sessions:
                return sid, self._sessions[sid]
            sid = secrets.token_urlsafe(24)
            s = Session(csrf=secrets.token_urlsafe(24), reviewer=self.default_reviewer,
                        authenticated=not self.needs_token)
            self._sessions[sid] = s
            return sid, s

    def login(self, sess: Session, token: str | None) -> bool:
        name = self.reviewer_for(token)
        if name is None:
            return False
        sess.authenticated = True
        sess.reviewer = name if name != "reviewer" or not sess.reviewer else sess.reviewer
        return True


def same_origin(headers, url_scheme: str, host_header: str | None) -> bool:
    """False when the browser says the request came from another site (Origin, else Referer)."""
    source = headers.get("origin") or headers.get("referer")
    if not source:
        return True  # non-browser clients send neither; the CSRF token still has to match
    if source == "null":
        return False
    parts = urlsplit(source)
    return bool(host_header) and parts.netloc == host_header and parts.scheme in ("http", "https")


def csrf_ok(sess: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(sess.csrf.encode(), str(submitted).encode())
