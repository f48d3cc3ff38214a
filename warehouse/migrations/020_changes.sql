-- Diff stage: what changed in a notice against the same county's previous policy year
-- (scope year_over_year), one row per Change (schemas/change.py). Filled by
-- warehouse.changes.load_changes after each load; a re-load replaces the rows of that
-- right-hand document (delete-then-insert), so re-running leaves the table identical.
-- old_value / new_value hold the JSON of the compared scalar (number, ISO date, text, bool).

CREATE TABLE IF NOT EXISTS changes (
    scope          VARCHAR NOT NULL,   -- year_over_year | cross_county
    county         VARCHAR,            -- of the right-hand (newer) record
    left_doc       VARCHAR,            -- doc_id of the earlier record
    right_doc      VARCHAR NOT NULL,   -- doc_id of the record that was loaded
    left_year      INTEGER,
    right_year     INTEGER,
    seq            INTEGER NOT NULL,   -- order within the diff (contract field order)
    field          VARCHAR NOT NULL,   -- fees[individual].amount, subsidy_tiers[低保对象].subsidy_amount
    kind           VARCHAR NOT NULL,   -- added | removed | changed
    old_value      VARCHAR,
    new_value      VARCHAR,
    delta          DOUBLE,             -- new - old: yuan, percentage points, people, days
    delta_percent  DOUBLE,             -- delta / old x 100
    severity       VARCHAR NOT NULL,   -- alert | notice | info
    message        VARCHAR NOT NULL,   -- 中文一句话
    left_quote     VARCHAR,
    right_quote    VARCHAR
);
