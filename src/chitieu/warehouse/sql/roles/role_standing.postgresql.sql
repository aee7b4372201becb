-- Role $1: whether it exists, is a superuser, or acts as the owner of the warehouse's
-- tables (owns them or is a member of the owning role): then no grant can restrict it.
SELECT
    r.rolsuper,
    pg_has_role(r.oid, c.relowner, 'USAGE') AS acts_as_owner
FROM pg_roles AS r
CROSS JOIN pg_class AS c
WHERE r.rolname = $1
  AND c.oid = to_regclass('snapshots')
