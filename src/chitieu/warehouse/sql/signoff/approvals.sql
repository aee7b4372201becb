-- The sign-offs (approvals and reopenings) of review period $1 and/or root $2 when
-- given, else all, in chain order.
SELECT
    approval_id, review_period, root_org_unit, seq, action, revision, content_sha256,
    by_name, title, note, "at", prev_sha256, sha256
FROM approvals
WHERE (CAST($1 AS TEXT) IS NULL OR review_period = CAST($1 AS TEXT))
  AND (CAST($2 AS TEXT) IS NULL OR root_org_unit = CAST($2 AS TEXT))
ORDER BY review_period, root_org_unit, seq
