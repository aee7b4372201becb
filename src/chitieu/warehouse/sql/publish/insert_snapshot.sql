INSERT INTO snapshots (
    snapshot_id, review_period, root_org_unit, revision, status, created_at, flow_run_id,
    catalog_sha256, inputs_sha256, content_sha256, prev_content_sha256, completeness,
    checks_passed, content_version, history_sha256, records_sha256
)
VALUES ($1, $2, $3, $4, 'published', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
