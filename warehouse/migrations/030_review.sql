-- Review workspace: the append-only corrections log, review status events, and the
-- "needs re-review" queue. Rows are only ever INSERTed: no UPDATE, no DELETE, so two
-- reviewers saving at the same moment both persist and nothing a reviewer did is lost.
-- Idempotent (IF NOT EXISTS) so `warehouse.corrections.ensure_schema` may run it too.

CREATE SEQUENCE IF NOT EXISTS corrections_id_seq START 1;

CREATE TABLE IF NOT EXISTS corrections (
    id             BIGINT PRIMARY KEY DEFAULT nextval('corrections_id_seq'),
    notice_key     VARCHAR NOT NULL,   -- stable across source versions (the loader's key)
    doc_id         VARCHAR,            -- sha256 of the source version the reviewer saw
    reviewer       VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    op             VARCHAR NOT NULL,   -- set | add | delete | dismiss
    field_path     VARCHAR,            -- fees[0].amount, policy_year, subsidy_tiers
    old_value      VARCHAR,            -- JSON
    new_value      VARCHAR,            -- JSON
    anchor         VARCHAR,            -- JSON snapshot of the element the path pointed at
    reason         VARCHAR,
    evidence_start INTEGER,
    evidence_end   INTEGER,
    evidence_quote VARCHAR,
    ref_id         BIGINT              -- the earlier correction this one resolves/supersedes
);

CREATE TABLE IF NOT EXISTS review_status (
    notice_key VARCHAR NOT NULL,
    doc_id     VARCHAR,
    status     VARCHAR NOT NULL,       -- unreviewed | in_review | reviewed
    reviewer   VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Filled when an ingest finds a correction that no longer matches the new extraction.
CREATE TABLE IF NOT EXISTS needs_re_review (
    correction_id BIGINT NOT NULL,
    notice_key    VARCHAR NOT NULL,
    doc_id        VARCHAR,             -- the new source version it failed to match
    problem       VARCHAR NOT NULL,
    detected_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (correction_id, doc_id)
);

-- The record as extracted (before corrections) of notices whose records row holds a corrected
-- record (the loader and warehouse.corrections.refresh fill it); for every other notice the
-- records row is the extraction. The base the review app applies the log to.
CREATE SEQUENCE IF NOT EXISTS review_base_seq START 1;

CREATE TABLE IF NOT EXISTS review_base (
    seq        BIGINT PRIMARY KEY DEFAULT nextval('review_base_seq'),
    notice_key VARCHAR NOT NULL,
    doc_id     VARCHAR,
    loaded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    record     VARCHAR NOT NULL          -- JSON, contract v1, as extracted
);
