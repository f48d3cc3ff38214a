-- Review workspace: which correction each notice's analyst rows were last rewritten for
-- (warehouse.corrections.refresh). A notice whose newest correction is newer than that still
-- has to be refreshed: the review app does it in the background after a save, and again at
-- startup for any it had not got to. Append-only like the rest of the review tables.
CREATE TABLE IF NOT EXISTS review_refreshed (
    notice_key    VARCHAR NOT NULL,
    correction_id BIGINT NOT NULL,
    refreshed_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
