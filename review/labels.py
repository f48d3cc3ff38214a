"""Codes as a reviewer reads them: the Chinese label of each code, from `data/labels.yaml`."""
from __future__ import annotations

import functools
import pathlib

import yaml

FILE = pathlib.Path(__file__).parent / "data" / "labels.yaml"


@functools.lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    return yaml.safe_load(FILE.read_text(encoding="utf-8"))


def zh(code, kind: str) -> str:
    """The Chinese label of `code` in vocabulary `kind`, or the code itself when it has none."""
    if code is None or code == "":
        return ""
    return labels().get(kind, {}).get(str(code), str(code))
