SELECT coalesce(max(submission_id), 0) FROM submissions
