-- The accepted values that the units and elements of an intake batch reported for the
-- periods before each period they report now (SPEC §7, outliers): staged_history_window
-- gives, for each period being judged (target_idx), its earlier periods and how far back
-- each lies (lag 1 = the previous one). Units and elements are staged with numbers, and
-- only numbers come back: the caller places them in a matrix.
WITH earlier AS (
    SELECT s.submission_id, u.unit_idx, w.target_idx, w.lag
    FROM staged_history_window AS w
    JOIN submissions AS s ON s.period = w.period AND s.status = 'accepted'
    JOIN staged_history_units AS u ON u.org_unit_code = s.org_unit_code
)
SELECT e.unit_idx, e.target_idx, e.lag, el.element_idx, v.value
FROM earlier AS e
JOIN submission_values AS v ON v.submission_id = e.submission_id
JOIN staged_history_elements AS el ON el.element_code = v.element_code
WHERE v.value IS NOT NULL
