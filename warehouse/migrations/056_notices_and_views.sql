-- Notices and the views analysts asked for first.
--
-- A notice is one policy act; a document is one file that carries it (its text, its PDF, the web
-- page, the Word attachment, the scan). warehouse.notices assigns every loaded document to a
-- notice (diff.identity decides) and makes the notice's best document stand for it: from here
-- on, `is_current` on the analyst tables is true only on the rows of the best current document
-- of each notice, so `WHERE is_current` gives one row set per notice.
CREATE TABLE notices (
    notice_id        VARCHAR NOT NULL,
    province         VARCHAR,
    city             VARCHAR,
    county           VARCHAR,
    adcode           VARCHAR,
    policy_year      INTEGER,
    title            VARCHAR,
    doc_number       VARCHAR,
    issuer           VARCHAR,
    best_doc_key     VARCHAR,
    best_doc_id      VARCHAR,
    best_path        VARCHAR,
    documents        VARCHAR[],
    doc_ids          VARCHAR[],
    formats          VARCHAR[],
    n_documents      INTEGER NOT NULL,
    is_current       BOOLEAN NOT NULL,
    sources_disagree VARCHAR[],
    first_seen       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE TABLE notice_documents (
    doc_key     VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    notice_id   VARCHAR NOT NULL,
    matched_by  VARCHAR NOT NULL,
    score       DOUBLE,
    matched_doc VARCHAR,
    assigned_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE notices IS 'One row per notice (a policy act), with its current documents, best first; is_current=false once no current document carries it.';
COMMENT ON TABLE notice_documents IS 'Which notice each loaded document (doc_key) belongs to, and how that was decided.';

ALTER TABLE records ADD COLUMN notice_id VARCHAR;
ALTER TABLE records ADD COLUMN n_facts INTEGER;
ALTER TABLE fees ADD COLUMN notice_id VARCHAR;
ALTER TABLE subsidy_tiers ADD COLUMN notice_id VARCHAR;
ALTER TABLE tier_categories ADD COLUMN notice_id VARCHAR;
ALTER TABLE periods ADD COLUMN notice_id VARCHAR;
ALTER TABLE departments ADD COLUMN notice_id VARCHAR;
ALTER TABLE leadership ADD COLUMN notice_id VARCHAR;
ALTER TABLE quota_rows ADD COLUMN notice_id VARCHAR;
ALTER TABLE targets ADD COLUMN notice_id VARCHAR;
ALTER TABLE cited_documents ADD COLUMN notice_id VARCHAR;
ALTER TABLE flags ADD COLUMN notice_id VARCHAR;

-- A file gone when its folder is ingested again: its document is no longer current.
ALTER TABLE documents ADD COLUMN removed_at TIMESTAMPTZ;
ALTER TABLE documents ADD COLUMN renamed_from VARCHAR;
COMMENT ON COLUMN documents.removed_at IS 'When a re-ingest of its folder found the file gone (UTC); NULL otherwise.';
COMMENT ON COLUMN documents.renamed_from IS 'The path the same bytes were current at, gone in the run that found them here: a rename.';

-- The views: over current rows only (one row set per notice). A county is told apart by its
-- adcode (county names repeat across provinces), by province + name without one.

-- One row per notice's quota table: the task column found from the header vocabulary
-- (extractors.quota.task_column), what the rows and the 合计 row add up to, and the task total
-- the body states (征缴目标任务114.39万人), which is not a record field.
CREATE TABLE quota_tables (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL, notice_id VARCHAR,
    title                 VARCHAR,
    unit                  VARCHAR,
    unit_as_written       VARCHAR,
    columns               VARCHAR[],
    tasks_column          VARCHAR,
    areas                 INTEGER,
    tasks_sum             BIGINT,
    tasks_total           BIGINT,
    body_target           DOUBLE,
    body_target_tolerance DOUBLE,
    body_quote            VARCHAR,
    body_start            INTEGER,
    body_end              INTEGER,
    quote VARCHAR, ev_start INTEGER, ev_end INTEGER
);
COMMENT ON TABLE quota_tables IS 'One row per quota table (征缴任务分解表): its task column, the sums, and the task total the body states.';

-- The area's task count, whatever the county heads the column (任务数, 目标任务数, 合计...).
ALTER TABLE quota_rows ADD COLUMN tasks BIGINT;
COMMENT ON COLUMN quota_rows.tasks IS 'value when column_name is the table''s task column (quota_tables.tasks_column), else NULL: sum(tasks) compares counties whatever their headers.';
-- Rows loaded before this migration get it, and their quota_tables row, when they are next
-- extracted: EXTRACTOR_REVISION 2 re-extracts every file on the next ingest.

CREATE OR REPLACE VIEW fee_by_county_year AS
WITH notice AS (
    SELECT f.notice_id, any_value(f.province) AS province, any_value(f.county) AS county,
           any_value(f.adcode) AS adcode, any_value(f.policy_year) AS policy_year,
           coalesce(max(amount) FILTER (WHERE kind = 'individual' AND applies_to IS NULL),
                    min(amount) FILTER (WHERE kind = 'individual'))         AS individual_fee,
           coalesce(max(amount) FILTER (WHERE kind = 'fiscal_subsidy' AND applies_to IS NULL),
                    min(amount) FILTER (WHERE kind = 'fiscal_subsidy'))     AS fiscal_subsidy,
           max(change) FILTER (WHERE kind = 'individual')                   AS individual_change
    FROM fees f
    WHERE f.is_current AND f.policy_year IS NOT NULL
    GROUP BY f.notice_id
),
placed AS (
    SELECT n.*, coalesce(n.adcode, n.province || '/' || n.county) AS place, r.issue_date
    FROM notice n JOIN records r ON r.notice_id = n.notice_id AND r.is_current
),
-- one figure per county and year to compare against: the latest issued notice of that year
yearly AS (
    SELECT place, policy_year,
           arg_max(individual_fee, coalesce(issue_date, DATE '1900-01-01')) AS individual_fee,
           arg_max(fiscal_subsidy, coalesce(issue_date, DATE '1900-01-01')) AS fiscal_subsidy
    FROM placed GROUP BY place, policy_year
),
previous AS (
    SELECT place, policy_year,
           lag(policy_year)    OVER w AS previous_year,
           lag(individual_fee) OVER w AS previous_individual_fee,
           lag(fiscal_subsidy) OVER w AS previous_fiscal_subsidy
    FROM yearly WINDOW w AS (PARTITION BY place ORDER BY policy_year)
)
SELECT p.province, p.county, p.adcode, p.policy_year, p.notice_id,
       p.individual_fee, p.fiscal_subsidy, p.individual_change,
       v.previous_year, v.previous_individual_fee,
       p.individual_fee - v.previous_individual_fee                                   AS individual_fee_change,
       round((p.individual_fee - v.previous_individual_fee) / v.previous_individual_fee * 100, 1)
                                                                                       AS individual_fee_change_percent,
       v.previous_fiscal_subsidy,
       p.fiscal_subsidy - v.previous_fiscal_subsidy                                   AS fiscal_subsidy_change,
       n.documents
FROM placed p
JOIN previous v ON v.place = p.place AND v.policy_year = p.policy_year
JOIN notices n ON n.notice_id = p.notice_id;

CREATE OR REPLACE VIEW subsidy_by_category AS
SELECT t.category, t.province, t.county, t.adcode, t.policy_year, t.mode,
       t.subsidy_amount, t.subsidy_percent, t.individual_amount, t.label, t.origin, t.notice_id, n.documents
FROM tier_categories t JOIN notices n ON n.notice_id = t.notice_id
WHERE t.is_current;

-- For each category and year, which counties give which assistance.
CREATE VIEW category_modes AS
SELECT category, policy_year, mode, subsidy_amount, subsidy_percent, individual_amount,
       count(DISTINCT coalesce(adcode, province || '/' || county))  AS n_counties,
       list(DISTINCT county ORDER BY county)                        AS counties,
       count(DISTINCT notice_id)                                    AS n_notices,
       list(DISTINCT notice_id ORDER BY notice_id)                  AS notices
FROM tier_categories
WHERE is_current
GROUP BY ALL;

-- The collection calendar of each notice: when residents pay, when benefits run.
CREATE VIEW collection_periods AS
SELECT p.province, p.county, p.adcode, p.policy_year, p.notice_id,
       p.collection_start, p.collection_end, datediff('day', p.collection_start, p.collection_end) + 1 AS collection_days,
       p.concentrated_start, p.concentrated_end, p.extension_end, p.monthly_day_from, p.monthly_day_to,
       p.benefit_start, p.benefit_end, p.deadline, p.periods, n.documents
FROM (
    SELECT notice_id, any_value(province) AS province, any_value(county) AS county, any_value(adcode) AS adcode,
           any_value(policy_year) AS policy_year,
           min(start_date) FILTER (WHERE kind = 'collection')              AS collection_start,
           max(end_date)   FILTER (WHERE kind = 'collection')              AS collection_end,
           min(start_date) FILTER (WHERE kind = 'concentrated_collection') AS concentrated_start,
           max(end_date)   FILTER (WHERE kind = 'concentrated_collection') AS concentrated_end,
           max(end_date)   FILTER (WHERE kind = 'extension')               AS extension_end,
           min(day_from)   FILTER (WHERE kind = 'monthly_window')          AS monthly_day_from,
           max(day_to)     FILTER (WHERE kind = 'monthly_window')          AS monthly_day_to,
           min(start_date) FILTER (WHERE kind = 'benefit')                 AS benefit_start,
           max(end_date)   FILTER (WHERE kind = 'benefit')                 AS benefit_end,
           max(end_date)   FILTER (WHERE kind = 'deadline')                AS deadline,
           count(*)                                                        AS periods
    FROM periods WHERE is_current GROUP BY notice_id
) p JOIN notices n ON n.notice_id = p.notice_id;

CREATE OR REPLACE VIEW quota_totals AS
SELECT province, county, adcode, policy_year, notice_id, column_name,
       count(*) FILTER (WHERE NOT is_total)      AS areas,
       sum(value) FILTER (WHERE NOT is_total)    AS rows_sum,
       max(value) FILTER (WHERE is_total)        AS stated_total,
       sum(value) FILTER (WHERE NOT is_total) = max(value) FILTER (WHERE is_total) AS adds_up,
       bool_or(tasks IS NOT NULL)                AS is_tasks
FROM quota_rows
WHERE is_current
GROUP BY ALL;

-- The quota table's task total against the target the body states.
CREATE VIEW quota_vs_target AS
SELECT q.province, q.county, q.adcode, q.policy_year, q.notice_id, q.tasks_column, q.areas, q.tasks_sum,
       q.tasks_total, coalesce(q.tasks_total, q.tasks_sum)             AS table_tasks,
       q.body_target, q.body_quote,
       coalesce(q.tasks_total, q.tasks_sum) - q.body_target            AS difference,
       CASE WHEN q.body_target IS NULL OR coalesce(q.tasks_total, q.tasks_sum) IS NULL THEN NULL
            ELSE abs(coalesce(q.tasks_total, q.tasks_sum) - q.body_target) <= q.body_target_tolerance + 1e-9 END AS agrees,
       n.documents
FROM quota_tables q JOIN notices n ON n.notice_id = q.notice_id
WHERE q.is_current;

COMMENT ON VIEW fee_by_county_year IS 'Individual fee and fiscal subsidy of each notice, with the change over the county''s previous policy year.';
COMMENT ON VIEW category_modes IS 'For each population category and year: the counties giving each mode and amount of assistance.';
COMMENT ON VIEW collection_periods IS 'Collection, concentrated, extension, monthly, benefit and deadline dates of each notice.';
COMMENT ON VIEW subsidy_by_category IS 'Assistance per population category of each notice (one row per category and tier).';
COMMENT ON VIEW quota_totals IS 'Each notice''s quota table per column: sum of area rows, the stated 合计, and whether they agree.';
COMMENT ON VIEW quota_vs_target IS 'Each quota table''s task total against the task total the body states.';

-- Every key a reviewer's correction may be logged under for a notice: its notice_id, or (for
-- corrections logged before notices existed, keyed by file) the path of one of its documents.
CREATE VIEW notice_keys AS
SELECT notice_id AS key, notice_id FROM notices
UNION
SELECT DISTINCT d.path AS key, m.notice_id FROM documents d JOIN notice_documents m ON m.doc_key = d.doc_key;
COMMENT ON VIEW notice_keys IS 'The keys corrections of a notice are logged under: its notice_id, or a path of one of its documents (older corrections).';
