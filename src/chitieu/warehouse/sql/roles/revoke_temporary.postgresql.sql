-- An auditor must not create temporary tables either. PUBLIC holds TEMPORARY on every
-- new database, and no grant takes from one role what PUBLIC holds: it is taken from
-- PUBLIC (and from the auditor, had it been given it), which only the database's owner
-- or a superuser may do. The owner of the warehouse's tables keeps it explicitly:
-- chitieu stages its bulk writes in temporary tables. Other roles that create temporary
-- tables in this database need GRANT TEMPORARY ON DATABASE ... TO them.

GRANT TEMPORARY ON DATABASE {database} TO {owner};
REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE {database} FROM {role};
