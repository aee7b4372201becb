UPDATE snapshots SET status = 'superseded' WHERE snapshot_id = $1 AND status = 'published'
