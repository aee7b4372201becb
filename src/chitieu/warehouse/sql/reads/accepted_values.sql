SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value
FROM submission_values AS v
JOIN submissions AS s ON s.submission_id = v.submission_id
WHERE s.status = 'accepted'
ORDER BY v.org_unit_code, v.period, v.element_code, v.submission_id
