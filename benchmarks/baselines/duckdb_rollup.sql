-- The roll-up of SPEC §3 as DuckDB SQL, written the way a DuckDB engineer would defend it.
--
-- The runner (duckdb_rollup.py) loads the tables `accepted_values` (org_unit_code,
-- element_code, period, value: text codes, as the warehouse returns them), `org_units`,
-- `elements`, `indicators` and `targets` before the clock starts, then runs these
-- statements in order; each starts with `-- name: <step>`. Parameters are named ($year,
-- $first, $last, $review_end, $root, $depth, $mid_year, $exceeded, $basically_achieved,
-- $on_track).
--
-- How the time is kept down:
-- - everything that follows from the review period and the hierarchy (the at most 19
--   periods, the possible reports: org_units × periods) is worked out on the small
--   tables, never by DISTINCT over the 23 M values;
-- - small integer keys (unit_no, element_no, level_no, period_no) are numbered here,
--   inside the timed section, and the values meet their text codes exactly once: one
--   pass over `accepted_values` joins each value to its report and its element and
--   aggregates it straight into its (unit, element) group, nothing materialised between;
-- - each group holds one element, so one rule: every aggregate runs under a FILTER on
--   the element's rule number and sees only the rows it is for (a side effect worth
--   knowing: a plain `sum` there is pushed below the joins by DuckDB 2.0's optimiser,
--   a pre-aggregation into 23 M groups of one value each, about 3 times slower);
-- - "collected at this level" is a property of a (unit, element) group: the grid tests
--   it on the groups, comparing level numbers. Tested on the values, next to the joins
--   (`r.level_no = e.collected_no`), it becomes a join condition, and DuckDB's optimiser
--   then joins the reports with the elements on the level first: a build side of 37 M
--   rows (reports × the elements of their level), several times slower;
-- - up the hierarchy, each depth's children aggregate into the parents that do not
--   collect the element themselves: a filter on level numbers, no NOT EXISTS;
-- - the general paths (a quarter, half or year report replacing the months it covers,
--   units merged into one successor) are kept, and the runner takes them only when
--   the data has them (`has_longer_periods`, `has_merged_units`).

-- name: periods
-- the periods inside the review, from the review itself: at most 12 months, 4 quarters,
-- 2 halves and the year
CREATE OR REPLACE TEMP TABLE periods AS
WITH kinds(kind, span) AS (VALUES ('M', 1), ('Q', 3), ('S', 6), ('Y', 12)),
every_period AS (
    SELECT k.kind, k.span, n.number, n.number * k.span AS p_last
    FROM kinds AS k, range(1, 13) AS n(number)
    WHERE n.number * k.span <= 12
)
SELECT
    CAST(row_number() OVER (ORDER BY p_last, span) AS INTEGER) AS period_no,
    CASE kind
        WHEN 'M' THEN CAST($year AS VARCHAR) || 'M' || lpad(CAST(number AS VARCHAR), 2, '0')
        WHEN 'Y' THEN CAST($year AS VARCHAR)
        ELSE CAST($year AS VARCHAR) || kind || CAST(number AS VARCHAR)
    END AS period,
    CAST(p_last - span + 1 AS INTEGER) AS p_first,
    CAST(p_last AS INTEGER) AS p_last,
    CAST(span AS INTEGER) AS p_span,
    make_date($year, CAST(p_last AS INTEGER), 14) AS p_end,
    -- the latest period last; on the same last month, the longer one after the shorter
    CAST(p_last * 16 + span AS INTEGER) AS p_order
FROM every_period
WHERE p_last - span + 1 >= $first AND p_last <= $last;

-- name: levels
-- the levels of the hierarchy, numbered
CREATE OR REPLACE TEMP TABLE levels AS
SELECT CAST(row_number() OVER (ORDER BY level) AS INTEGER) AS level_no, level
FROM (SELECT DISTINCT level FROM org_units);

-- name: element_rules
-- the elements numbered, each with its rules as small integers (1 = sum, 2 = average,
-- 3 = max, 4 = min, 5 = last) and the number of the level that collects it
CREATE OR REPLACE TEMP TABLE element_rules AS
SELECT
    CAST(row_number() OVER (ORDER BY e.element_code) AS INTEGER) AS element_no,
    e.element_code,
    CAST(list_position(['sum', 'average', 'max', 'min', 'last'], e.time_aggregation) AS TINYINT)
        AS time_rule,
    CAST(list_position(['sum', 'average', 'max', 'min'], e.org_aggregation) AS TINYINT)
        AS org_rule,
    l.level_no AS collected_no
FROM elements AS e
JOIN levels AS l ON l.level = e.collected_at;

-- name: units
-- the root's subtree on the review's last day, numbered, with depths, levels and the
-- parent's number and level
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
), numbered AS (
    SELECT
        CAST(row_number() OVER (ORDER BY t.code) AS INTEGER) AS unit_no,
        t.code,
        t.parent_code,
        t.depth,
        l.level_no
    FROM tree AS t
    JOIN levels AS l ON l.level = t.level
)
SELECT u.unit_no, u.code, u.depth, u.level_no, p.unit_no AS parent_no, p.level_no AS parent_level_no
FROM numbered AS u
LEFT JOIN numbered AS p ON p.code = u.parent_code;

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

-- name: reports
-- every possible report (unit code × period of the review), from org_units and the
-- periods: the unit row the code names on the period's last day, the unit of the
-- subtree holding its history (its number and level), and the period's number
CREATE OR REPLACE TEMP TABLE reports AS
SELECT
    o.code AS org_unit_code,
    p.period,
    CAST(o.unit_id AS INTEGER) AS unit_id,
    u.unit_no,
    u.level_no,
    p.period_no,
    p.p_span,
    p.p_order
FROM org_units AS o
JOIN periods AS p
    ON o.valid_from <= p.p_end AND (o.valid_to IS NULL OR o.valid_to >= p.p_end)
JOIN successors AS s ON s.unit_id = o.unit_id
JOIN units AS u ON u.code = s.effective_code;

-- name: has_longer_periods
-- whether any value is for a quarter, a half or the year (then it replaces the months
-- it covers): a scan of the period column that stops at the first one
SELECT EXISTS (
    SELECT 1 FROM accepted_values
    WHERE period IN (SELECT period FROM periods WHERE p_span > 1)
);

-- name: has_merged_units
-- whether two unit rows hand their history to one unit for the same period
SELECT EXISTS (
    SELECT 1 FROM reports GROUP BY unit_no, period_no HAVING count(DISTINCT unit_id) > 1
);

-- name: own_values
-- the one pass over the values (no longer period, no merged unit): each value to its
-- report's unit, aggregated over time by its element's rule into its (unit, element)
-- group. Whether the unit collects the element is a property of the group, tested
-- where the grid picks the groups (level numbers compared on 2 M rows, not 23 M).
CREATE OR REPLACE TEMP TABLE own_values AS
SELECT
    r.unit_no,
    e.element_no,
    coalesce(
        sum(v.value) FILTER (WHERE e.time_rule = 1),
        avg(v.value) FILTER (WHERE e.time_rule = 2),
        max(v.value) FILTER (WHERE e.time_rule = 3),
        min(v.value) FILTER (WHERE e.time_rule = 4),
        arg_max_null(v.value, r.p_order) FILTER (WHERE e.time_rule = 5)
    ) AS value
FROM accepted_values AS v
JOIN reports AS r ON r.org_unit_code = v.org_unit_code AND r.period = v.period
JOIN element_rules AS e ON e.element_code = v.element_code
GROUP BY r.unit_no, e.element_no;

-- name: covered
-- general path: the (unit row, element, period) a longer period of the same unit row
-- and element covers; found among the few values of longer periods
CREATE OR REPLACE TEMP TABLE covered AS
SELECT DISTINCT r.unit_id, e.element_no, inside.period_no
FROM accepted_values AS v
JOIN reports AS r ON r.org_unit_code = v.org_unit_code AND r.period = v.period
JOIN element_rules AS e ON e.element_code = v.element_code
JOIN periods AS p ON p.period_no = r.period_no
JOIN periods AS inside
    ON inside.p_first >= p.p_first AND inside.p_last <= p.p_last AND inside.p_span < p.p_span
WHERE v.period IN (SELECT period FROM periods WHERE p_span > 1);

-- name: nothing_covered
-- general path without longer periods (merged units only): nothing is covered
CREATE OR REPLACE TEMP TABLE covered (unit_id INTEGER, element_no INTEGER, period_no INTEGER);

-- name: own_values_general
-- general path: the values a longer period does not replace; units merged into one
-- combine their values of a period as children do (the element's org_aggregation),
-- then over time as in `own_values`
CREATE OR REPLACE TEMP TABLE own_values AS
WITH kept AS (
    SELECT r.unit_id, r.unit_no, r.period_no, r.p_order, e.element_no, v.value
    FROM accepted_values AS v
    JOIN reports AS r ON r.org_unit_code = v.org_unit_code AND r.period = v.period
    JOIN element_rules AS e ON e.element_code = v.element_code
), uncovered AS (
    SELECT k.* FROM kept AS k
    ANTI JOIN covered AS c
        ON c.unit_id = k.unit_id AND c.element_no = k.element_no AND c.period_no = k.period_no
), per_period AS (
    SELECT
        u.unit_no,
        u.element_no,
        any_value(u.p_order) AS p_order,
        coalesce(
            sum(u.value) FILTER (WHERE e.org_rule = 1),
            avg(u.value) FILTER (WHERE e.org_rule = 2),
            max(u.value) FILTER (WHERE e.org_rule = 3),
            min(u.value) FILTER (WHERE e.org_rule = 4)
        ) AS value
    FROM uncovered AS u
    JOIN element_rules AS e ON e.element_no = u.element_no
    GROUP BY u.unit_no, u.element_no, u.period_no
)
SELECT
    o.unit_no,
    o.element_no,
    coalesce(
        sum(o.value) FILTER (WHERE e.time_rule = 1),
        avg(o.value) FILTER (WHERE e.time_rule = 2),
        max(o.value) FILTER (WHERE e.time_rule = 3),
        min(o.value) FILTER (WHERE e.time_rule = 4),
        arg_max_null(o.value, o.p_order) FILTER (WHERE e.time_rule = 5)
    ) AS value
FROM per_period AS o
JOIN element_rules AS e ON e.element_no = o.element_no
GROUP BY o.unit_no, o.element_no;

-- name: grid
-- every unit × element it collects, with its own value (null where nothing came)
CREATE OR REPLACE TEMP TABLE element_values AS
SELECT u.unit_no, e.element_no, o.value, u.depth
FROM units AS u
JOIN element_rules AS e ON e.collected_no = u.level_no
LEFT JOIN own_values AS o ON o.unit_no = u.unit_no AND o.element_no = e.element_no;

-- name: lift
-- the children at $depth give their parents the element's org_aggregation of their
-- values, where the parent does not collect the element itself
INSERT INTO element_values
SELECT
    u.parent_no,
    c.element_no,
    coalesce(
        sum(c.value) FILTER (WHERE e.org_rule = 1),
        avg(c.value) FILTER (WHERE e.org_rule = 2),
        max(c.value) FILTER (WHERE e.org_rule = 3),
        min(c.value) FILTER (WHERE e.org_rule = 4)
    ),
    $depth - 1
FROM element_values AS c
JOIN units AS u ON u.unit_no = c.unit_no
JOIN element_rules AS e ON e.element_no = c.element_no
WHERE c.depth = $depth AND u.parent_level_no <> e.collected_no
GROUP BY u.parent_no, c.element_no;

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
        END AS raw,
        -- a target no percent measures (0, or a decrease's baseline), met by the actual
        coalesce(CASE
            WHEN i.direction = 'decrease'
                THEN t.baseline = t.target AND a.actual <= t.target
            ELSE t.target = 0 AND a.actual >= t.target
        END, false) AS reached_unmeasured
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
        WHEN percent IS NULL AND reached_unmeasured THEN 'exceeded'
        WHEN percent IS NULL OR percent <= 0 THEN 'not_started'
        WHEN percent >= $exceeded THEN 'exceeded'
        WHEN percent >= $basically_achieved THEN 'basically_achieved'
        WHEN percent >= $on_track THEN 'on_track'
        ELSE 'below_half'
    END AS class
FROM rounded;

-- name: element_rows
-- the element values with their codes, as the roll-up returns them
SELECT u.code AS org_unit_code, e.element_code, v.value
FROM element_values AS v
JOIN units AS u ON u.unit_no = v.unit_no
JOIN element_rules AS e ON e.element_no = v.element_no;
