-- The views analysts want first. They read only current versions (is_current).

CREATE VIEW fee_by_county_year AS
SELECT province, county, adcode, policy_year,
       max(amount) FILTER (WHERE kind = 'individual')     AS individual_fee,
       max(amount) FILTER (WHERE kind = 'fiscal_subsidy') AS fiscal_subsidy,
       max(change) FILTER (WHERE kind = 'individual')     AS individual_change,
       count(DISTINCT doc_id)                             AS documents
FROM fees
WHERE is_current
GROUP BY ALL;

CREATE VIEW subsidy_by_category AS
SELECT category, province, county, adcode, policy_year, mode,
       subsidy_amount, subsidy_percent, individual_amount, label, origin, doc_id
FROM tier_categories
WHERE is_current;

CREATE VIEW quota_totals AS
SELECT province, county, adcode, policy_year, doc_id, column_name,
       count(*) FILTER (WHERE NOT is_total)      AS areas,
       sum(value) FILTER (WHERE NOT is_total)    AS rows_sum,
       max(value) FILTER (WHERE is_total)        AS stated_total,
       sum(value) FILTER (WHERE NOT is_total) = max(value) FILTER (WHERE is_total) AS adds_up
FROM quota_rows
WHERE is_current
GROUP BY ALL;

COMMENT ON VIEW fee_by_county_year IS 'Individual fee and fiscal subsidy per county and policy year (current versions).';
COMMENT ON VIEW subsidy_by_category IS 'Assistance per population category x county x year (current versions).';
COMMENT ON VIEW quota_totals IS 'Quota table per document and column: sum of area rows, the stated 合计, and whether they agree.';
