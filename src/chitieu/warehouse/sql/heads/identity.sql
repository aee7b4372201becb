-- Which warehouse the heads log's lines are about: a DuckDB file has its log beside it.
SELECT 'duckdb'
