-- Core warehouse: document history, full records, one table per record part, quarantine, runs.
-- Every analyst table carries the same leading columns so any row can be filtered by place and
-- year without a join: doc_key, doc_id, extractor_version, province, county, adcode,
-- policy_year, origin ('extracted' | 'corrected'), is_current.

CREATE TABLE documents (
    path              VARCHAR NOT NULL,
    version           INTEGER NOT NULL,
    doc_id            VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    doc_key           VARCHAR NOT NULL,
    format            VARCHAR,
    size_bytes        BIGINT,
    is_current        BOOLEAN NOT NULL,
    valid_from        TIMESTAMP NOT NULL,
    valid_to          TIMESTAMP,
    run_id            VARCHAR,
    PRIMARY KEY (path, version)
);

CREATE TABLE records (
    doc_key           VARCHAR NOT NULL,
    doc_id            VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    province          VARCHAR,
    county            VARCHAR,
    adcode            VARCHAR,
    policy_year       INTEGER,
    origin            VARCHAR NOT NULL,
    is_current        BOOLEAN NOT NULL,
    path              VARCHAR NOT NULL,
    city              VARCHAR,
    title             VARCHAR,
    doc_number        VARCHAR,
    issuer            VARCHAR,
    issue_date        DATE,
    print_date        DATE,
    n_flags           INTEGER NOT NULL,
    corrected_fields  VARCHAR[],
    record            JSON NOT NULL
);

CREATE TABLE fees (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx        INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    amount     DOUBLE NOT NULL,
    qualifier  VARCHAR NOT NULL,
    change     DOUBLE,
    quote      VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE subsidy_tiers (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx               INTEGER NOT NULL,
    label             VARCHAR NOT NULL,
    categories        VARCHAR[],
    mode              VARCHAR NOT NULL,
    subsidy_amount    DOUBLE,
    subsidy_percent   DOUBLE,
    individual_amount DOUBLE,
    floor_amount      DOUBLE,
    pay_first         BOOLEAN,
    funding_source    VARCHAR,
    derived           VARCHAR[],
    quote             VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE tier_categories (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    tier_idx          INTEGER NOT NULL,
    category          VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    mode              VARCHAR NOT NULL,
    subsidy_amount    DOUBLE,
    subsidy_percent   DOUBLE,
    individual_amount DOUBLE
);

CREATE TABLE periods (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx        INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    start_date DATE,
    end_date   DATE,
    day_from   INTEGER,
    day_to     INTEGER,
    applies_to VARCHAR,
    quote      VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE departments (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx        INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    as_written VARCHAR,
    level      VARCHAR,
    duties     VARCHAR,
    quote      VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE leadership (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx   INTEGER NOT NULL,
    role  VARCHAR NOT NULL,
    name  VARCHAR NOT NULL,
    title VARCHAR,
    quote VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE quota_rows (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx         INTEGER,
    seq         INTEGER,
    area        VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    value       BIGINT,
    note        VARCHAR,
    is_total    BOOLEAN NOT NULL,
    table_title VARCHAR,
    unit        VARCHAR,
    quote       VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE targets (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx        INTEGER NOT NULL,
    metric     VARCHAR NOT NULL,
    population VARCHAR,
    percent    DOUBLE NOT NULL,
    quote      VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE cited_documents (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx        INTEGER NOT NULL,
    doc_number VARCHAR,
    title      VARCHAR,
    quote      VARCHAR, ev_start INTEGER, ev_end INTEGER
);

CREATE TABLE flags (
    doc_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, extractor_version VARCHAR NOT NULL,
    province VARCHAR, county VARCHAR, adcode VARCHAR, policy_year INTEGER,
    origin VARCHAR NOT NULL, is_current BOOLEAN NOT NULL,
    idx      INTEGER NOT NULL,
    code     VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    field    VARCHAR,
    message  VARCHAR
);

CREATE TABLE quarantine (
    path        VARCHAR PRIMARY KEY,
    sha256      VARCHAR,
    error       VARCHAR NOT NULL,
    attempts    INTEGER NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    last_run_id VARCHAR
);

CREATE TABLE ingest_runs (
    run_id            VARCHAR PRIMARY KEY,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    status            VARCHAR NOT NULL,
    paths             VARCHAR[],
    extractor_version VARCHAR NOT NULL,
    discovered        INTEGER,
    ingested          INTEGER,
    new               INTEGER,
    new_version       INTEGER,
    unchanged         INTEGER,
    quarantined       INTEGER,
    changes           INTEGER,
    flags_by_code     JSON,
    timings           JSON
);

COMMENT ON TABLE documents IS 'One row per version of a file: a changed file at the same path gets version+1; the old row keeps is_current=false and valid_to.';
COMMENT ON COLUMN documents.doc_id IS 'sha256 hex of the file bytes (record.doc_id).';
COMMENT ON COLUMN documents.doc_key IS 'doc_id:extractor_version, the identity every analyst row is loaded under.';
COMMENT ON COLUMN documents.version IS '1 for the first content seen at this path, +1 per change of content or extractor version.';
COMMENT ON COLUMN documents.is_current IS 'True for the latest version of each path.';
COMMENT ON COLUMN documents.valid_from IS 'When this version was first loaded (UTC).';
COMMENT ON COLUMN documents.valid_to IS 'When a newer version replaced it (UTC); NULL while current.';
COMMENT ON TABLE records IS 'One row per loaded record (doc_key): headline fields plus the full record JSON (contract v1, corrections applied).';
COMMENT ON COLUMN records.record IS 'The full record as JSON, after reviewer corrections (warehouse.corrections.effective_record).';
COMMENT ON COLUMN records.corrected_fields IS 'Field paths a reviewer corrected; empty when the row is as extracted.';
COMMENT ON TABLE fees IS 'Fee standards: kind individual (个人缴费) or fiscal_subsidy (财政补助), yuan per person per year.';
COMMENT ON COLUMN fees.amount IS 'Yuan per person per year.';
COMMENT ON COLUMN fees.qualifier IS 'exact, or at_least for 不低于.';
COMMENT ON COLUMN fees.change IS 'Stated rise over the previous year in yuan, NULL when not stated.';
COMMENT ON TABLE subsidy_tiers IS 'Premium assistance for groups of poor residents (困难群众参保资助), one row per tier as written.';
COMMENT ON TABLE tier_categories IS 'One row per tier x canonical population category, for comparing a category across counties.';
COMMENT ON TABLE periods IS 'Collection, benefit, suspension and deadline periods.';
COMMENT ON TABLE departments IS 'Duties given to departments (职责分工), canonical name plus as written.';
COMMENT ON TABLE leadership IS 'Members of the leading group (领导小组).';
COMMENT ON TABLE quota_rows IS 'The quota table (征缴任务分解表), one row per area x numeric column; the 合计 row has is_total=true.';
COMMENT ON TABLE targets IS 'Percentage targets such as 参保率 90%.';
COMMENT ON TABLE cited_documents IS 'Documents cited as the basis of the notice (根据/按照).';
COMMENT ON TABLE flags IS 'Flags a reviewer should look at, one row per flag of a record.';
COMMENT ON TABLE quarantine IS 'Files that could not be ingested: one row per path with the latest error; attempts counts runs that tried it.';
COMMENT ON TABLE ingest_runs IS 'One row per ingest run with its summary counts and timings.';
