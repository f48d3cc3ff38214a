"""Opening a notice file without ever blocking, and reading it whole or not at all.

A path found by discovery may by the time it is read be a FIFO (which blocks `open` until a
writer comes), a device (`/dev/zero` never ends), a link loop, a file still being written, or
gone. Every such case becomes one InputError saying what the path is, before any byte is read;
a file that changes while it is read is refused rather than extracted half old, half new.
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from typing import Iterator

from noticeflow.schemas.errors import InputError

MAX_BYTES = 20_000_000          # "MB" below is 10^6 bytes, as file managers show it
_BLOCK = 1 << 20

_KINDS = (  # what a path that is not a regular file is, as the error message says it
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind(mode: int) -> str | None:
    """What a non-regular, non-directory file is ('a FIFO (named pipe)'...), None otherwise."""
    return next((name for test, name in _KINDS if test(mode)), None)


def describe_missing(path) -> str:
    """Why `path` cannot be opened though it may exist: a broken link, a link loop, no such file."""
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
        if e.errno == errno.ENOENT and os.path.islink(path):
            return "broken symbolic link (its target does not exist)"
        if e.errno == errno.ENAMETOOLONG:
            return "file name too long"
        return "no such file or directory" if e.errno == errno.ENOENT else f"cannot read file ({e.strerror})"
    return "no such file or directory"  # it came back: report what the open saw


def what_is(path) -> str | None:
    """None for a regular file (or a link to one); else why it is no notice, as an error says
    it: a directory, a FIFO, a device, a socket, a broken link, a link loop."""
    try:
        return _not_regular(os.stat(path).st_mode)
    except OSError:
        return describe_missing(path)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a notice file"
    return f"is {kind(mode) or 'a special file'}, not a notice file"


def too_large(size: int) -> str:
    return f"file too large ({size / 1e6:.1f} MB > {MAX_BYTES // 1_000_000} MB limit)"


@contextmanager
def open_notice(path) -> Iterator[tuple[int, os.stat_result]]:
    """A read-only descriptor on `path` and its fstat, once it is known to be a regular file of at
    most MAX_BYTES. O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer
    (it is then refused); on a regular file the flag changes nothing."""
    p = str(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError(p, describe_missing(p)) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(p, "symbolic link loop") from None
        if e.errno == errno.ENXIO:  # a socket (or a FIFO opened for writing): nothing to read
            raise InputError(p, "is a socket, not a notice file") from None
        raise InputError(p, f"cannot read file ({e.strerror or e})") from None
    try:
        st = os.fstat(fd)
        why = _not_regular(st.st_mode)
        if why:
            raise InputError(p, why)
        if st.st_size > MAX_BYTES:
            raise InputError(p, too_large(st.st_size))
        yield fd, st
    finally:
        os.close(fd)


def read_bytes(path) -> bytes:
    """The whole file, refused when it grows past MAX_BYTES, changes, or is replaced or removed
    while it is read (its size and mtime before and after, and what its path then points to)."""
    p = str(path)
    with open_notice(p) as (fd, before):
        chunks, total = [], 0
        try:
            while block := os.read(fd, _BLOCK):
                chunks.append(block)
                total += len(block)
                if total > MAX_BYTES:
                    raise InputError(p, too_large(total))
        except OSError as e:
            raise InputError(p, f"cannot read file ({e.strerror or e})") from None
        after = os.fstat(fd)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or total != before.st_size:
        raise InputError(p, "file changed while it was read; skipped (read it again once it is complete)")
    try:
        now = os.stat(p)
    except OSError:
        raise InputError(p, "file disappeared while it was read; skipped") from None
    if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
        raise InputError(p, "file was replaced while it was read; skipped (read it again)")
    return b"".join(chunks)
