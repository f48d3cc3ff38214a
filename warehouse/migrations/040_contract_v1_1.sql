-- Contract v1.1: joint notices' co-issuers, the source's OCR / publication date / attachments,
-- fee grades and groups, quota tables written in 万人. Records stored under v1 are valid v1.1
-- records once their version is restamped (every new field has a v1-compatible default); the
-- next ingest re-extracts them anyway, because the extractor version names the schema version.
ALTER TABLE records ADD COLUMN co_issuers VARCHAR[];
ALTER TABLE records ADD COLUMN source_format VARCHAR;
ALTER TABLE records ADD COLUMN ocr BOOLEAN;
ALTER TABLE records ADD COLUMN published DATE;
ALTER TABLE records ADD COLUMN attachments VARCHAR[];
ALTER TABLE fees ADD COLUMN applies_to VARCHAR;
ALTER TABLE quota_rows ADD COLUMN unit_as_written VARCHAR;
UPDATE records SET record = json_merge_patch(record, '{"schema_version": "1.1"}'),
                   co_issuers = [], ocr = false, attachments = [],
                   source_format = json_extract_string(record, '$.source.format');
COMMENT ON COLUMN records.co_issuers IS 'The other offices of a joint notice (联合发文), after the lead issuer.';
COMMENT ON COLUMN records.ocr IS 'True when any of the text came from OCR (a scan or a photo).';
COMMENT ON COLUMN records.published IS 'The 发布时间 a web page states, when the notice was read from one.';
COMMENT ON COLUMN records.attachments IS 'Paths of attachment files (Excel/Word) whose text was appended to the notice.';
COMMENT ON COLUMN fees.applies_to IS 'The grade (一档/二档) or group (学生儿童, 老年人) the fee is for; NULL when it holds for everyone.';
COMMENT ON COLUMN quota_rows.unit_as_written IS 'The unit the table was written in (万人) when not persons; value is always persons.';
