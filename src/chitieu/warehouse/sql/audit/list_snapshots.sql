-- Every revision's header, or those of review period $1 and/or root unit $2 when given.
SELECT
    snapshot_id, review_period, root_org_unit, revision, status, created_at, flow_run_id,
    catalog_sha256, inputs_sha256, content_sha256, prev_content_sha256, completeness,
    checks_passed, content_version, history_sha256, records_sha256
FROM snapshots
WHERE (CAST($1 AS TEXT) IS NULL OR review_period = CAST($1 AS TEXT))
  AND (CAST($2 AS TEXT) IS NULL OR root_org_unit = CAST($2 AS TEXT))
ORDER BY review_period, root_org_unit, revision
