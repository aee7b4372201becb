-- Whether the warehouse has a schema_version table yet (in the schema in use).
SELECT count(*)
FROM information_schema.tables
WHERE table_name = 'schema_version' AND table_schema = current_schema()
