-- A DuckDB file has no roles: whoever opens it reads everything.
SELECT true
