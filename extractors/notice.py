"""STUB: is this a resident medical-insurance collection notice?"""
from __future__ import annotations


def is_collection_notice(text: str) -> bool:
    return True
