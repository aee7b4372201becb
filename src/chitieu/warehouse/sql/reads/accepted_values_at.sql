-- The accepted values whose unit, element and period are in the lists $1, $2 and $3,
-- each named by its position in its list (from 0): what a roll-up reads, as numbers it
-- makes its Enums of (`chitieu.rollup.codes.from_positions`). In no particular order.
WITH units AS (
    SELECT unnest($1::VARCHAR[]) AS code, unnest(range(len($1::VARCHAR[]))) AS position
), elements AS (
    SELECT unnest($2::VARCHAR[]) AS code, unnest(range(len($2::VARCHAR[]))) AS position
), periods AS (
    SELECT unnest($3::VARCHAR[]) AS code, unnest(range(len($3::VARCHAR[]))) AS position
)
SELECT v.submission_id, u.position AS unit, e.position AS element, p.position AS period,
    v.value
FROM submission_values AS v
JOIN units AS u ON u.code = v.org_unit_code
JOIN elements AS e ON e.code = v.element_code
JOIN periods AS p ON p.code = v.period
WHERE v.submission_id IN (SELECT submission_id FROM submissions WHERE status = 'accepted')
