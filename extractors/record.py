"""The single entry point: canonical text in, validated Record out."""
from __future__ import annotations

from noticeflow.schemas import Flag, Record, Source
from noticeflow.schemas.checks import check

from noticeflow.extractors import departments, fees, leadership, meta, periods, quota, region, targets, tiers
from noticeflow.extractors.context import Context
from noticeflow.extractors.notice import is_collection_notice

# Declared order: each step may read what earlier steps put in the context
# (meta -> policy year, fees -> the individual fee that tiers derive shares from).
PIPELINE = (meta, region, fees, tiers, periods, departments, leadership, quota, targets)
CORE_ONLY_WHEN_NOTICE = (fees, tiers, periods, departments, leadership, quota, targets)


def build_record(text: str, source: Source, doc_id: str, extra_flags: list[Flag] = ()) -> Record:
    """Run every extractor over canonical `text`. Never raises on any text (property-tested)."""
    ctx = Context()
    parts: dict = {}
    notice = is_collection_notice(text)
    for module in PIPELINE:
        if not notice and module in CORE_ONLY_WHEN_NOTICE:
            continue
        parts.update(module.extract(text, ctx))
    meta.mend_garbled_county(parts, ctx.garbles)
    flags = list(extra_flags) + ctx.flags
    if not notice:
        parts["policy_year"] = None  # contract v1.1: a non-notice keeps its meta but has no policy year
        flags.append(Flag(code="not_a_collection_notice", severity="warning", field=None,
                          message="不是城乡居民医保征缴通知：未抽取缴费、资助、期限等核心字段"))
    record = Record(doc_id=doc_id, source=source, text=text, **parts, flags=flags)
    if notice:
        record.flags = flags + check(record)
    return record
