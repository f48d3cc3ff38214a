-- Which process runs an ingest, so the next run can tell a run that was killed (its process is
-- gone: status stays 'running') from one still going, and mark it 'interrupted'.
ALTER TABLE ingest_runs ADD COLUMN pid INTEGER;
ALTER TABLE ingest_runs ADD COLUMN host VARCHAR;
COMMENT ON COLUMN ingest_runs.pid IS 'Process id of the ingest (the flow process) on host.';
COMMENT ON COLUMN ingest_runs.host IS 'Host name the ingest ran on.';
