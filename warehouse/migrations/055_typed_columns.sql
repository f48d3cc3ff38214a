-- Columns typed for the tools analysts read them with: every timestamp carries its time zone
-- (TIMESTAMPTZ: pandas, polars and Parquet see an instant in UTC, not a wall-clock time), and
-- every column holding JSON text is DuckDB JSON (exported to Parquet as JSON, not bytes).
--
-- The loader wrote its timestamps in UTC without a zone (warehouse.store.utcnow): read them as
-- UTC. Columns filled by DEFAULT current_timestamp were cast to a plain TIMESTAMP in the
-- session's zone, which DuckDB takes from the machine: read them back the same way.
ALTER TABLE documents ALTER valid_from TYPE TIMESTAMPTZ USING timezone('UTC', valid_from);
ALTER TABLE documents ALTER valid_to TYPE TIMESTAMPTZ USING timezone('UTC', valid_to);
ALTER TABLE quarantine ALTER first_seen TYPE TIMESTAMPTZ USING timezone('UTC', first_seen);
ALTER TABLE quarantine ALTER last_seen TYPE TIMESTAMPTZ USING timezone('UTC', last_seen);
ALTER TABLE ingest_runs ALTER started_at TYPE TIMESTAMPTZ USING timezone('UTC', started_at);
ALTER TABLE ingest_runs ALTER finished_at TYPE TIMESTAMPTZ USING timezone('UTC', finished_at);
ALTER TABLE changes_state ALTER computed_at TYPE TIMESTAMPTZ USING computed_at::TIMESTAMPTZ;
ALTER TABLE corrections ALTER created_at TYPE TIMESTAMPTZ USING created_at::TIMESTAMPTZ;
ALTER TABLE review_status ALTER changed_at TYPE TIMESTAMPTZ USING changed_at::TIMESTAMPTZ;
ALTER TABLE needs_re_review ALTER detected_at TYPE TIMESTAMPTZ USING detected_at::TIMESTAMPTZ;
ALTER TABLE review_base ALTER loaded_at TYPE TIMESTAMPTZ USING loaded_at::TIMESTAMPTZ;
ALTER TABLE schema_version ALTER applied_at TYPE TIMESTAMPTZ USING applied_at::TIMESTAMPTZ;

-- The compared values of a change: a JSON scalar (number, ISO date string, text, boolean), SQL
-- NULL where one side has none (the diff stage used to store the text 'null'). Cast them as
-- needed: new_value::DOUBLE, new_value::DATE, new_value->>'$' (text).
ALTER TABLE changes ALTER old_value TYPE JSON USING CASE WHEN old_value IS NULL OR old_value = 'null' THEN NULL ELSE old_value::JSON END;
ALTER TABLE changes ALTER new_value TYPE JSON USING CASE WHEN new_value IS NULL OR new_value = 'null' THEN NULL ELSE new_value::JSON END;
ALTER TABLE corrections ALTER old_value TYPE JSON USING old_value::JSON;
ALTER TABLE corrections ALTER new_value TYPE JSON USING new_value::JSON;
ALTER TABLE corrections ALTER anchor TYPE JSON USING anchor::JSON;
ALTER TABLE review_base ALTER record TYPE JSON USING record::JSON;

COMMENT ON COLUMN changes.old_value IS 'The earlier value as JSON (number, ISO date, text, boolean); NULL when the earlier notice has none.';
COMMENT ON COLUMN changes.new_value IS 'The later value as JSON; NULL when the later notice has none (kind removed).';
