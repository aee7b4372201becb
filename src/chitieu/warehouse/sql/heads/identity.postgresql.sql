-- Which warehouse the heads log's lines are about: one data folder may serve several
-- databases and schemas (a database restored under its own name is the same warehouse).
SELECT 'postgresql:' || current_database() || '/' || current_schema()
