-- The accepted values whose unit, element and period are in the arrays $1, $2 and $3,
-- each named by its position in its array (from 0): what a roll-up reads, as numbers it
-- makes its Enums of (`chitieu.rollup.codes.from_positions`). In no particular order.
SELECT v.submission_id, u.position - 1 AS unit, e.position - 1 AS element,
    p.position - 1 AS period, v.value
FROM submission_values AS v
JOIN unnest($1::text[]) WITH ORDINALITY AS u (code, position) ON u.code = v.org_unit_code
JOIN unnest($2::text[]) WITH ORDINALITY AS e (code, position) ON e.code = v.element_code
JOIN unnest($3::text[]) WITH ORDINALITY AS p (code, position) ON p.code = v.period
WHERE v.submission_id IN (SELECT submission_id FROM submissions WHERE status = 'accepted')
