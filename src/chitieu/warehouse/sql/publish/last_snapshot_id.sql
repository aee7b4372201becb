SELECT coalesce(max(snapshot_id), 0) FROM snapshots
