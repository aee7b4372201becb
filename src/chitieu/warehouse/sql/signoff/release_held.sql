-- Held reports $1 (submission ids) that no approval holds any more become accepted, as
-- they would have been on arrival; supersession is settled afterwards.
UPDATE submissions
SET status = 'accepted'
WHERE status = 'held'
  AND submission_id IN (SELECT unnest(CAST($1 AS BIGINT[])))
