-- Revision $3 of ($1, $2), or the published one when $3 is null.
SELECT
    snapshot_id, review_period, root_org_unit, revision, status, created_at, flow_run_id,
    catalog_sha256, inputs_sha256, content_sha256, prev_content_sha256, completeness,
    checks_passed, content_version, history_sha256, records_sha256
FROM snapshots
WHERE review_period = $1
  AND root_org_unit = $2
  AND (
      (CAST($3 AS INTEGER) IS NULL AND status = 'published')
      OR revision = CAST($3 AS INTEGER)
  )
ORDER BY revision DESC
LIMIT 1
