"""One root exception for the project; the CLI turns each into a one-line message."""
from __future__ import annotations

import re

# What no extractor may turn into "nothing found": the document is quarantined instead. Every
# `except Exception` in extractors/ re-raises these first (tests/test_limits.py).
RESOURCE_ERRORS = (MemoryError, RecursionError)


def one_line(message: str, limit: int = 300) -> str:
    """A message on one line (whitespace runs folded), cut to `limit` characters."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NoticeflowError(Exception):
    """Base of every error noticeflow raises on purpose."""


class InputError(NoticeflowError):
    """A file that cannot be read as a notice (empty, binary, encrypted, needs OCR, ...)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{shown(path)}: {reason}")
        self.path = path
        self.reason = reason


class TimeLimitExceeded(BaseException):
    """A document ran past its time limit. A BaseException, as asyncio.CancelledError is, so that
    no `except Exception` (ours or a library's) between the alarm and the caller swallows it."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(path) -> str:
    """`path` as an error message shows it: control characters (a newline in a file name)
    escaped, so the message stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(path))
