"""Findings of the adversarial pass on inputs (issue 12), one test each.

Files that are not what discovery saw (a FIFO swapped in, a device, a link loop), folders that
cannot be read, names with a newline, oversized files, files that change or vanish while read,
and a notice pasted 200 times.
"""
from __future__ import annotations

import os
import pathlib
import threading

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.record import build_record
from noticeflow.flows.cli import app
from noticeflow.flows.extract import discover, extract_file
from noticeflow.readers import files, read_document
from noticeflow.schemas import Source
from noticeflow.schemas.errors import InputError
from noticeflow.warehouse import store

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")


def _within(seconds: float, fn, *args):
    """fn(*args) in a thread; fails (instead of hanging the suite) if it blocks."""
    out: dict = {}

    def target():
        try:
            out["value"] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - handed to the test
            out["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn.__name__} blocked for {seconds} s"
    return out


@pytest.fixture
def fifo_swapped(tmp_path):
    """A notice found by discovery, then replaced by a FIFO nobody writes to."""
    path = tmp_path / "notice.txt"
    path.write_text(SEED_TEXT, encoding="utf-8")
    assert list(discover([tmp_path])) == [path]
    path.unlink()
    os.mkfifo(path)
    yield path
    try:  # unblock a reader the code under test may have left waiting
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def test_file_swapped_for_a_fifo_is_refused_by_extract_not_waited_on(fifo_swapped) -> None:
    out = _within(10, extract_file, fifo_swapped, (), 30)
    assert str(out["error"]) == f"{fifo_swapped}: is a FIFO (named pipe), not a notice file"


def test_file_swapped_for_a_fifo_is_refused_by_the_ingest_fingerprint(fifo_swapped) -> None:
    out = _within(10, store.fingerprint_files, [str(fifo_swapped)])
    [(ok, failed)] = [out["value"]]
    assert ok == [] and [f.error for f in failed] == ["is a FIFO (named pipe), not a notice file"]


def test_unreadable_subfolder_is_reported_in_one_line(tmp_path, monkeypatch) -> None:
    (tmp_path / "ok.txt").write_text(SEED_TEXT, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text(SEED_TEXT, encoding="utf-8")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: make scandir fail as it does for a user
        real = os.scandir

        def scandir(path="."):
            if pathlib.Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(locked))
            return real(path)
        monkeypatch.setattr(os, "scandir", scandir)
    try:
        r = CliRunner().invoke(app, ["extract", str(tmp_path)])
    finally:
        locked.chmod(0o755)
    assert r.exit_code == 1
    assert r.stderr == f"noticeflow: {locked}: cannot read folder (Permission denied); its files were skipped\n"
    assert len(r.stdout.splitlines()) == 1  # ok.txt still extracted


@pytest.mark.parametrize("make, reason", [
    (lambda d: os.mkfifo(d / "pipe.txt") or d / "pipe.txt", "is a FIFO (named pipe), not a notice file"),
    (lambda d: pathlib.Path("/dev/zero"), "is a character device, not a notice file"),
    (lambda d: os.symlink("loop.txt", d / "loop.txt") or d / "loop.txt", "symbolic link loop"),
    (lambda d: os.symlink(d / "gone.txt", d / "dangling.txt") or d / "dangling.txt",
     "broken symbolic link (its target does not exist)"),
], ids=["fifo", "dev-zero", "link-loop", "broken-link"])
def test_special_files_say_what_they_are(tmp_path, make, reason) -> None:
    path = make(tmp_path)
    [found] = discover([path])  # was "no such file or directory"
    assert isinstance(found, InputError) and found.reason == reason
    error = _within(10, read_document, path).get("error")  # the same if it appears after discovery
    assert isinstance(error, InputError) and error.reason == reason


def test_special_files_inside_a_folder_are_reported_not_skipped(tmp_path) -> None:
    (tmp_path / "ok.txt").write_text(SEED_TEXT, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    r = CliRunner().invoke(app, ["extract", str(tmp_path)])
    assert r.stderr == f"noticeflow: {tmp_path / 'pipe.txt'}: is a FIFO (named pipe), not a notice file\n"
    assert r.exit_code == 1 and len(r.stdout.splitlines()) == 1


def test_newline_in_a_file_name_keeps_the_error_on_one_line(tmp_path) -> None:
    bad = tmp_path / "two\nlines.txt"
    bad.write_bytes(b"")
    r = CliRunner().invoke(app, ["extract", str(bad)])
    assert r.stderr == f"noticeflow: {tmp_path}/two\\nlines.txt: empty file\n"


def test_oversized_file_is_refused_before_a_byte_is_read_or_hashed(tmp_path, monkeypatch) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(files.MAX_BYTES + 1)  # sparse
    read = []
    real = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real(fd, n))
    with pytest.raises(InputError) as e:
        read_document(big)
    assert e.value.reason == "file too large (20.0 MB > 20 MB limit)"
    ok, failed = store.fingerprint_files([str(big)])
    assert ok == [] and [f.error for f in failed] == ["file too large (20.0 MB > 20 MB limit)"]
    assert read == []


def _mutating_read(monkeypatch, path: pathlib.Path, change) -> None:
    """os.read that runs `change(path)` once, after the first block was read."""
    real, done = os.read, []

    def read(fd, n):
        data = real(fd, n)
        if not done:
            done.append(True)
            change(path)
        return data
    monkeypatch.setattr(os, "read", read)


@pytest.mark.parametrize("change, reason", [
    (lambda p: p.open("a", encoding="utf-8").write("追加的一行\n"),
     "file changed while it was read; skipped (read it again once it is complete)"),
    (lambda p: p.unlink(), "file disappeared while it was read; skipped"),
    (lambda p: (p.unlink(), p.write_text(SEED_TEXT, encoding="utf-8")),
     "file was replaced while it was read; skipped (read it again)"),
], ids=["grows", "deleted", "replaced"])
def test_file_that_changes_or_disappears_while_read_is_reported_and_skipped(tmp_path, monkeypatch, change, reason) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(SEED_TEXT, encoding="utf-8")
    _mutating_read(monkeypatch, path, change)
    with pytest.raises(InputError) as e:
        read_document(path)
    assert e.value.reason == reason


def test_notice_repeated_200_times_names_each_member_once_and_is_flagged() -> None:
    source = Source(path="x.txt", format="txt", encoding="utf-8", size_bytes=0)
    once = build_record(canonicalize(SEED_TEXT), source, "0" * 64)
    many = build_record(canonicalize(SEED_TEXT * 200), source, "0" * 64)
    assert len(once.leadership) == 4
    assert [(m.role, m.name, m.title) for m in many.leadership] == [(m.role, m.name, m.title) for m in once.leadership]
    assert "repeated_text" in [f.code for f in many.flags]
    assert "repeated_text" not in [f.code for f in once.flags]
