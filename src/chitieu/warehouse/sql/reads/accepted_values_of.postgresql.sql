-- The values of the reports now accepted, of the periods in the array $1 only: a review
-- reads its own periods and, apart, last year's (a six-month review half of a year's
-- values). In no particular order.
SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value
FROM submission_values AS v
WHERE v.submission_id IN (SELECT submission_id FROM submissions WHERE status = 'accepted')
    AND v.period = ANY($1::text[])
