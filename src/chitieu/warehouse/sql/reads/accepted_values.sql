-- In no particular order: a review needs none (its sums do not depend on it), and
-- sorting the 24 million values of a national year took longer than the roll-up itself.
SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value
FROM submission_values AS v
WHERE v.submission_id IN (SELECT submission_id FROM submissions WHERE status = 'accepted')
