"""Docs that cannot drift: the vocabulary page is generated from the data, every command is documented."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import ROOT


def _commands() -> list[str]:
    from typer.main import get_command

    from noticeflow.flows.cli import app

    group = get_command(app)
    return sorted(group.commands)


def _generator():
    spec = importlib.util.spec_from_file_location("gen_vocab_docs", ROOT / "scripts" / "gen_vocab_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_vocabulary_page_is_current() -> None:
    mod = _generator()
    assert (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8") == mod.render(), \
        "run: python scripts/gen_vocab_docs.py"


def test_review_labels_page_is_current() -> None:
    mod = _generator()
    assert (ROOT / "docs" / "review_labels.md").read_text(encoding="utf-8") == mod.render_labels(), \
        "run: python scripts/gen_vocab_docs.py"


@pytest.mark.parametrize("command", _commands())
def test_command_has_help_with_example_and_is_in_readme(command: str) -> None:
    res = subprocess.run([sys.executable, "-m", "noticeflow", command, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "Example" in res.stdout, f"`noticeflow {command} --help` should start with an example"
    assert f"noticeflow {command}" in (ROOT / "README.md").read_text(encoding="utf-8")
