"""Layers point one way: each part imports only the parts below it.

Checked by reading every module's imports with `ast`, not with import-linter: its import graph
(grimp) finds a package's modules by walking the package's folder, and noticeflow's parts live
in the design card's top-level folders, mapped into the package by setuptools' `package-dir`.
"""
from __future__ import annotations

import ast

import pytest

from conftest import ROOT

# Top to bottom; a part may import itself and any part after it, never one before it.
LAYERS = ["noticeflow", "flows", "review", "warehouse", "diff", "readers", "extractors", "schemas"]
# What the pure layers must never pull in (extractors are functions from text to record parts).
FORBIDDEN = {"extractors": {"prefect", "duckdb", "fastapi"}, "schemas": {"prefect", "duckdb", "fastapi"},
             "readers": {"prefect", "duckdb"}}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules():
    for part in LAYERS:
        folder = ROOT / part
        for path in sorted(folder.rglob("*.py")):
            yield part, path


@pytest.mark.parametrize("part,path", list(_modules()), ids=lambda v: str(v.relative_to(ROOT)) if hasattr(v, "relative_to") else v)
def test_imports_point_down(part, path) -> None:
    below = LAYERS[LAYERS.index(part):]
    bad = []
    for name in _imports(path):
        top, _, rest = name.partition(".")
        if top in LAYERS[1:]:
            bad.append(f"{name} (write noticeflow.{name})")
        elif top == "noticeflow" and rest:
            target = rest.split(".")[0]
            if target not in below:
                bad.append(name)
        elif top in FORBIDDEN.get(part, ()):
            bad.append(name)
    assert not bad, f"{path.relative_to(ROOT)} ({part}) imports {sorted(bad)}"


def test_every_part_is_checked() -> None:
    folders = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert folders - {"tests"} <= set(LAYERS), folders - set(LAYERS)
