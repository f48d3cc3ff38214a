-- The views for the questions analysts asked first, over current rows only. A county is told
-- apart by its adcode (county names repeat across provinces), by province + name without one.

-- One row per notice's quota table: the task column found from the header vocabulary
-- (extractors.quota.task_column), what the rows and the 合计 row add up to, and the task total
-- the body states (征缴目标任务114.39万人), which is not a record field.
CREATE TABLE quota_tables (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
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
    SELECT f.doc_key, any_value(f.doc_id) AS doc_id, any_value(f.province) AS province,
           any_value(f.county) AS county, any_value(f.adcode) AS adcode, any_value(f.policy_year) AS policy_year,
           coalesce(max(amount) FILTER (WHERE kind = 'individual' AND applies_to IS NULL),
                    min(amount) FILTER (WHERE kind = 'individual'))         AS individual_fee,
           coalesce(max(amount) FILTER (WHERE kind = 'fiscal_subsidy' AND applies_to IS NULL),
                    min(amount) FILTER (WHERE kind = 'fiscal_subsidy'))     AS fiscal_subsidy,
           max(change) FILTER (WHERE kind = 'individual')                   AS individual_change
    FROM fees f
    WHERE f.is_current AND f.policy_year IS NOT NULL
    GROUP BY f.doc_key
),
placed AS (
    SELECT n.*, coalesce(n.adcode, n.province || '/' || n.county) AS place, r.issue_date
    FROM notice n JOIN records r ON r.doc_key = n.doc_key
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
SELECT p.province, p.county, p.adcode, p.policy_year, p.doc_id,
       p.individual_fee, p.fiscal_subsidy, p.individual_change,
       v.previous_year, v.previous_individual_fee,
       p.individual_fee - v.previous_individual_fee                                   AS individual_fee_change,
       round((p.individual_fee - v.previous_individual_fee) / v.previous_individual_fee * 100, 1)
                                                                                       AS individual_fee_change_percent,
       v.previous_fiscal_subsidy,
       p.fiscal_subsidy - v.previous_fiscal_subsidy                                   AS fiscal_subsidy_change
FROM placed p JOIN previous v ON v.place = p.place AND v.policy_year = p.policy_year;

CREATE OR REPLACE VIEW subsidy_by_category AS
SELECT category, province, county, adcode, policy_year, mode,
       subsidy_amount, subsidy_percent, individual_amount, label, origin, doc_id
FROM tier_categories
WHERE is_current;

-- For each category and year, which counties give which assistance.
CREATE VIEW category_modes AS
SELECT category, policy_year, mode, subsidy_amount, subsidy_percent, individual_amount,
       count(DISTINCT coalesce(adcode, province || '/' || county))  AS n_counties,
       list(DISTINCT county ORDER BY county)                        AS counties,
       count(DISTINCT doc_key)                                      AS n_notices
FROM tier_categories
WHERE is_current
GROUP BY ALL;

-- The collection calendar of each notice: when residents pay, when benefits run.
CREATE VIEW collection_periods AS
SELECT any_value(province) AS province, any_value(county) AS county, any_value(adcode) AS adcode,
       any_value(policy_year) AS policy_year, any_value(doc_id) AS doc_id,
       min(start_date) FILTER (WHERE kind = 'collection')              AS collection_start,
       max(end_date)   FILTER (WHERE kind = 'collection')              AS collection_end,
       datediff('day', min(start_date) FILTER (WHERE kind = 'collection'),
                       max(end_date) FILTER (WHERE kind = 'collection')) + 1 AS collection_days,
       min(start_date) FILTER (WHERE kind = 'concentrated_collection') AS concentrated_start,
       max(end_date)   FILTER (WHERE kind = 'concentrated_collection') AS concentrated_end,
       max(end_date)   FILTER (WHERE kind = 'extension')               AS extension_end,
       min(day_from)   FILTER (WHERE kind = 'monthly_window')          AS monthly_day_from,
       max(day_to)     FILTER (WHERE kind = 'monthly_window')          AS monthly_day_to,
       min(start_date) FILTER (WHERE kind = 'benefit')                 AS benefit_start,
       max(end_date)   FILTER (WHERE kind = 'benefit')                 AS benefit_end,
       max(end_date)   FILTER (WHERE kind = 'deadline')                AS deadline,
       count(*)                                                        AS periods
FROM periods
WHERE is_current
GROUP BY doc_key;

-- The quota table's task total against the target the body states.
CREATE VIEW quota_vs_target AS
SELECT province, county, adcode, policy_year, doc_id, tasks_column, areas, tasks_sum, tasks_total,
       coalesce(tasks_total, tasks_sum)                                AS table_tasks,
       body_target, body_quote,
       coalesce(tasks_total, tasks_sum) - body_target                  AS difference,
       CASE WHEN body_target IS NULL OR coalesce(tasks_total, tasks_sum) IS NULL THEN NULL
            ELSE abs(coalesce(tasks_total, tasks_sum) - body_target) <= body_target_tolerance + 1e-9 END AS agrees
FROM quota_tables
WHERE is_current;

COMMENT ON VIEW fee_by_county_year IS 'Individual fee and fiscal subsidy of each notice, with the change over the county''s previous policy year.';
COMMENT ON VIEW category_modes IS 'For each population category and year: the counties giving each mode and amount of assistance.';
COMMENT ON VIEW collection_periods IS 'Collection, concentrated, extension, monthly, benefit and deadline dates of each notice.';
COMMENT ON VIEW quota_vs_target IS 'Each quota table''s task total against the task total the body states.';
