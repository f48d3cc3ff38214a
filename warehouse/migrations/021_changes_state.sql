-- Which current records have had their year-over-year diff computed. The diff runs after the
-- loads of a run; a run that dies (or runs out of memory) in between leaves documents loaded but
-- not diffed, and the next run must finish them even though their files are unchanged.
CREATE TABLE IF NOT EXISTS changes_state (
    doc_id      VARCHAR PRIMARY KEY,
    computed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- Records loaded before this table existed were diffed by the run that loaded them.
INSERT OR IGNORE INTO changes_state (doc_id) SELECT DISTINCT doc_id FROM records;
