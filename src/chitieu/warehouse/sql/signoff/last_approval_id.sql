SELECT coalesce(max(approval_id), 0) FROM approvals
