-- The roll-up of SPEC §3 as DuckDB SQL, as a data team would write it in the database.
-- The runner (duckdb_rollup.py) loads the tables `accepted_values`, `org_units`,
-- `elements`, `indicators` and `targets`, then runs these statements in order: each
-- starts with `-- name: <step>`; `lift` runs once per depth, deepest first, and
-- `combine_merged` only when some units were merged into one; `indicators` is written by
-- the runner from the catalog's formulas. Parameters are named ($year, $first, $last,
-- $review_end, $root, $depth, $mid_year, $exceeded, $basically_achieved, $on_track).

-- name: periods
-- every period code present, parsed once; only those inside the review are kept
CREATE OR REPLACE TEMP TABLE periods AS
WITH parsed AS (
    SELECT
        period,
        regexp_extract(period, '^(\d{4})(?:M(\d{2})|Q(\d)|S(\d))?$', ['y', 'm', 'q', 's']) AS p
    FROM (SELECT DISTINCT period FROM accepted_values)
), months AS (
    SELECT
        period,
        CAST(NULLIF(p.y, '') AS INTEGER) AS p_year,
        CASE
            WHEN p.m <> '' THEN CAST(p.m AS INTEGER)
            WHEN p.q <> '' THEN 3 * CAST(p.q AS INTEGER)
            WHEN p.s <> '' THEN 6 * CAST(p.s AS INTEGER)
            ELSE 12
        END AS p_last,
        CASE WHEN p.m <> '' THEN 1 WHEN p.q <> '' THEN 3 WHEN p.s <> '' THEN 6 ELSE 12 END
            AS p_span
    FROM parsed
    WHERE p.y <> ''
)
SELECT
    period,
    p_last - p_span + 1 AS p_first,
    p_last,
    p_span,
    make_date(p_year, p_last, 14) AS p_end
FROM months
WHERE p_year = $year AND p_last - p_span + 1 >= $first AND p_last <= $last;

-- name: units
-- the root's subtree on the review's last day, with depths
CREATE OR REPLACE TEMP TABLE units AS
WITH RECURSIVE active AS (
    SELECT code, level, parent_code
    FROM org_units
    WHERE valid_from <= $review_end AND (valid_to IS NULL OR valid_to >= $review_end)
), tree AS (
    SELECT code, level, parent_code, 0 AS depth FROM active WHERE code = $root
    UNION ALL
    SELECT a.code, a.level, a.parent_code, t.depth + 1
    FROM active AS a
    JOIN tree AS t ON a.parent_code = t.code
)
SELECT * FROM tree;

-- name: successors
-- the unit that holds each unit row's history on the review's last day
CREATE OR REPLACE TEMP TABLE successors AS
WITH RECURSIVE step AS (
    SELECT o.unit_id, min(n.unit_id) AS next_id
    FROM org_units AS o
    JOIN org_units AS n
        ON n.code = o.successor_code
        AND n.valid_from <= o.valid_to + 1
        AND (n.valid_to IS NULL OR n.valid_to >= o.valid_to + 1)
    GROUP BY o.unit_id
), chain AS (
    SELECT unit_id, unit_id AS at_id, 0 AS steps FROM org_units
    UNION ALL
    SELECT c.unit_id, s.next_id, c.steps + 1
    FROM chain AS c
    JOIN step AS s ON s.unit_id = c.at_id
    WHERE c.steps < 64
)
SELECT c.unit_id, arg_min(a.code, c.steps) AS effective_code
FROM chain AS c
JOIN org_units AS a
    ON a.unit_id = c.at_id
    AND a.valid_from <= $review_end
    AND (a.valid_to IS NULL OR a.valid_to >= $review_end)
GROUP BY c.unit_id;

-- name: report_units
-- per report (unit code × period): the unit row its code names on the period's last
-- day, the unit of the subtree holding its history, and that unit's level
CREATE OR REPLACE TEMP TABLE report_units AS
SELECT r.org_unit_code, r.period, o.unit_id, s.effective_code, u.level, p.p_first, p.p_last, p.p_span
FROM (SELECT DISTINCT org_unit_code, period FROM accepted_values) AS r
JOIN periods AS p ON p.period = r.period
JOIN org_units AS o
    ON o.code = r.org_unit_code
    AND o.valid_from <= p.p_end
    AND (o.valid_to IS NULL OR o.valid_to >= p.p_end)
JOIN successors AS s ON s.unit_id = o.unit_id
JOIN units AS u ON u.code = s.effective_code;

-- name: own_rows
-- the values each collecting unit is responsible for, without the months a longer
-- period (quarter, half, year) of the same unit row and element replaces
CREATE OR REPLACE TEMP TABLE own_rows AS
WITH rows AS (
    SELECT
        r.effective_code, r.unit_id, v.element_code, v.period, v.value,
        r.p_first, r.p_last, r.p_span
    FROM accepted_values AS v
    JOIN report_units AS r ON r.org_unit_code = v.org_unit_code AND r.period = v.period
    WHERE (v.element_code, r.level) IN (SELECT (element_code, collected_at) FROM elements)
), longer AS (
    SELECT DISTINCT unit_id, element_code, p_first, p_last, p_span FROM rows WHERE p_span > 1
)
SELECT o.*
FROM rows AS o
LEFT JOIN longer AS l
    ON l.unit_id = o.unit_id
    AND l.element_code = o.element_code
    AND l.p_span > o.p_span
    AND l.p_first <= o.p_first
    AND l.p_last >= o.p_last
WHERE l.unit_id IS NULL;

-- name: combine_merged
-- units merged into one successor combine their values of a period as children do
CREATE OR REPLACE TEMP TABLE own_rows AS
SELECT
    o.effective_code,
    min(o.unit_id) AS unit_id,
    o.element_code,
    o.period,
    CASE any_value(e.org_aggregation)
        WHEN 'sum' THEN sum(o.value)
        WHEN 'average' THEN avg(o.value)
        WHEN 'max' THEN max(o.value)
        WHEN 'min' THEN min(o.value)
    END AS value,
    any_value(o.p_first) AS p_first,
    any_value(o.p_last) AS p_last,
    any_value(o.p_span) AS p_span
FROM own_rows AS o
JOIN elements AS e ON e.element_code = o.element_code
GROUP BY o.effective_code, o.element_code, o.period;

-- name: over_time
CREATE OR REPLACE TEMP TABLE own_values AS
SELECT
    o.effective_code AS org_unit_code,
    o.element_code,
    CASE e.time_aggregation
        WHEN 'sum' THEN sum(o.value)
        WHEN 'average' THEN avg(o.value)
        WHEN 'max' THEN max(o.value)
        WHEN 'min' THEN min(o.value)
        WHEN 'last' THEN arg_max_null(o.value, o.p_last * 16 + o.p_span)
    END AS value
FROM own_rows AS o
JOIN elements AS e ON e.element_code = o.element_code
GROUP BY o.effective_code, o.element_code, e.time_aggregation;

-- name: grid
-- every unit × element it is responsible for, with its own value where it collects it
CREATE OR REPLACE TEMP TABLE element_values AS
SELECT u.code AS org_unit_code, e.element_code, o.value, u.depth
FROM units AS u
JOIN elements AS e ON e.collected_at = u.level
LEFT JOIN own_values AS o ON o.org_unit_code = u.code AND o.element_code = e.element_code;

-- name: lift
-- the children at $depth give their parents the element's org_aggregation of their values
INSERT INTO element_values
WITH lifted AS (
    SELECT
        u.parent_code AS org_unit_code,
        c.element_code,
        CASE e.org_aggregation
            WHEN 'sum' THEN sum(c.value)
            WHEN 'average' THEN avg(c.value)
            WHEN 'max' THEN max(c.value)
            WHEN 'min' THEN min(c.value)
        END AS value
    FROM element_values AS c
    JOIN units AS u ON u.code = c.org_unit_code
    JOIN elements AS e ON e.element_code = c.element_code
    WHERE c.depth = $depth
    GROUP BY u.parent_code, c.element_code, e.org_aggregation
)
SELECT l.org_unit_code, l.element_code, l.value, $depth - 1
FROM lifted AS l
WHERE NOT EXISTS (
    SELECT 1
    FROM element_values AS p
    WHERE p.org_unit_code = l.org_unit_code AND p.element_code = l.element_code
);

-- name: classify
-- percent of target (or of the way from baseline to target), rounded half away from
-- zero to 2 decimals, and the class
CREATE OR REPLACE TEMP TABLE indicator_values AS
WITH percents AS (
    SELECT
        a.org_unit_code,
        a.indicator_code,
        a.actual,
        t.target,
        i.review,
        CASE
            WHEN i.direction = 'decrease'
                THEN (t.baseline - a.actual) / NULLIF(t.baseline - t.target, 0) * 100
            ELSE a.actual / NULLIF(t.target, 0) * 100
        END AS raw
    FROM actuals AS a
    JOIN indicators AS i ON i.indicator_code = a.indicator_code
    LEFT JOIN targets AS t
        ON t.indicator_code = a.indicator_code
        AND t.org_unit_code = a.org_unit_code
        AND t.year = $year
), rounded AS (
    SELECT
        *,
        sign(raw) * floor(abs(raw + sign(raw) * abs(raw) * 1e-12) * 100 + 0.5) / 100 AS percent
    FROM percents
)
SELECT
    org_unit_code,
    indicator_code,
    actual,
    target,
    percent,
    CASE
        WHEN $mid_year AND review = 'year_end' THEN 'year_end'
        WHEN target IS NULL THEN 'no_target'
        WHEN percent IS NULL OR percent <= 0 THEN 'not_started'
        WHEN percent >= $exceeded THEN 'exceeded'
        WHEN percent >= $basically_achieved THEN 'basically_achieved'
        WHEN percent >= $on_track THEN 'on_track'
        ELSE 'below_half'
    END AS class
FROM rounded;
