-- The reviews approved now (locked): those whose latest sign-off is an approval.
SELECT
    a.approval_id, a.review_period, a.root_org_unit, a.seq, a.action, a.revision,
    a.content_sha256, a.by_name, a.title, a.note, a."at", a.prev_sha256, a.sha256
FROM approvals AS a
WHERE a.action = 'approve'
  AND a.seq = (
      SELECT max(b.seq)
      FROM approvals AS b
      WHERE b.review_period = a.review_period AND b.root_org_unit = a.root_org_unit
  )
ORDER BY a.review_period, a.root_org_unit
