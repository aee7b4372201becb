INSERT INTO approvals (
    approval_id, review_period, root_org_unit, seq, action, revision, content_sha256,
    by_name, title, note, "at", prev_sha256, sha256
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
