-- For each (org unit, period) the batch starting at submission_id $1 touched: of its
-- accepted reports, the latest by submitted_at (else received_at), then by arrival,
-- stays accepted; the others become superseded. Rejected and duplicate reports never
-- compete.
UPDATE submissions
SET status = 'superseded'
WHERE submission_id IN (
    SELECT submission_id
    FROM (
        SELECT
            s.submission_id,
            row_number() OVER (
                PARTITION BY s.org_unit_code, s.period
                ORDER BY coalesce(s.submitted_at, s.received_at) DESC, s.submission_id DESC
            ) AS newest_first
        FROM submissions AS s
        WHERE s.status = 'accepted'
          AND EXISTS (
              SELECT 1
              FROM submissions AS b
              WHERE b.submission_id >= $1
                AND b.org_unit_code = s.org_unit_code
                AND b.period = s.period
          )
    ) AS ranked
    WHERE newest_first > 1
)
