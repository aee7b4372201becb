-- Temporary tables in this database: whether PUBLIC (so every role) may create them,
-- whether role $1 may, whether the current role may take PUBLIC's right back (a
-- superuser, or the database's owner or a member of its role), the database's owner and
-- the owner of the warehouse's tables.
SELECT
    has_database_privilege('public', d.oid, 'TEMPORARY') AS public_may,
    has_database_privilege($1, d.oid, 'TEMPORARY') AS role_may,
    u.rolsuper OR pg_has_role(u.oid, d.datdba, 'USAGE') AS may_revoke,
    pg_get_userbyid(d.datdba) AS database_owner,
    pg_get_userbyid(c.relowner) AS tables_owner
FROM pg_database AS d
CROSS JOIN pg_roles AS u
CROSS JOIN pg_class AS c
WHERE d.datname = current_database()
  AND u.rolname = current_user
  AND c.oid = to_regclass('snapshots')
