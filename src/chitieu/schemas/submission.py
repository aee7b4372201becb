"""Validated submissions: every check of SPEC §2 over a whole intake batch at once.

`validate_rows` enriches the rows (`enrich`), validates them lazily against
`EnrichedRows` so that every failing check of every row comes out in one pass, and
joins pandera's failure cases (row positions) back to the rows to write the issues.

Checks depend on each other only through their conditions, so one mistake gives one
issue: an unknown element is not also checked for its value type, a value that is not
a number is not also compared with the range; a unit unknown or inactive is reported
once per report, not once per row (`issues`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.schemas import messages
from chitieu.schemas.enrich import LOCAL_TIME_ZONE, REPORT_KEY, enrich
from chitieu.schemas.issues import ERROR, issue_rows
from chitieu.schemas.rule_issues import rule_issues
from chitieu.sources import ROW_COLUMNS

# ---- facts the checks are written in -------------------------------------------------
_value = pl.col("value")
_number = pl.col("value_num")
_value_type = pl.col("value_type")
_element_known = _value_type.is_not_null()
_period_ok = pl.col("p_end").is_not_null()
_unit_active = pl.col("unit_level").is_not_null()
_value_given = pl.col("element_code").is_not_null() & _value.is_not_null()
_is_number = _number.is_not_null()
VIETNAMESE_NUMBER: Final = (
    r"^-?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$|^-?[0-9]{1,3}(\.[0-9]{3})*,[0-9]+$|^-?[0-9]+,[0-9]+$"
)
# integer: a zero fraction is accepted ("5.0", Excel and scripts write it), except three
# digits ("1.000"), which is how Vietnamese writes a thousand: refused as ambiguous.
_whole = pl.col("value_fraction").is_null() | (
    pl.col("value_fraction").str.contains(r"^0+$") & (pl.col("value_fraction").str.len_chars() != 3)
)
_type_ok = (
    pl.when(_value_type == "integer")
    .then(_whole)
    .when(_value_type == "boolean")
    .then(_number.is_in([0.0, 1.0]))
    .when(_value_type == "percent")
    .then(_number.is_between(0, 100))
    .otherwise(True)
)
_typed = _element_known & _is_number
_submitted = pl.col("submitted_utc")
_submitted_day = _submitted.dt.convert_time_zone(LOCAL_TIME_ZONE).dt.date()
CLOCK_SKEW: Final = dt.timedelta(hours=1)
"""How far submitted_at may be after the file was received (sender clocks drift)."""


# ---- the checks: each is the condition under which a row FAILS it ------------------
# One table drives both engines: the pandera schema (`schemas.model`, used by intake at
# the stage boundary) and the direct polars evaluation (used by `chitieu validate`,
# which must answer in about a second, without pandera's import of pandas).
_reference = pl.col("report_submitted_utc")
FAILING: Final[dict[str, tuple[str, pl.Expr]]] = {
    # the org unit
    "org_unit_missing": ("org_unit_code", pl.col("org_unit_code").is_null()),
    "org_unit_unknown": (
        "org_unit_code",
        pl.col("org_unit_code").is_not_null() & ~pl.col("unit_known"),
    ),
    "org_unit_inactive": ("org_unit_code", pl.col("unit_known") & _period_ok & ~_unit_active),
    # the period
    "period_missing": ("period", pl.col("period").is_null()),
    "period_invalid": ("period", pl.col("period").is_not_null() & ~_period_ok),
    "period_future": ("period", pl.col("p_start") > pl.col("received_day")),
    # the element
    "element_missing": ("element_code", pl.col("element_code").is_null()),
    "element_unknown": ("element_code", pl.col("element_code").is_not_null() & ~_element_known),
    "element_wrong_level": (
        "element_code",
        _element_known & _unit_active & (pl.col("unit_level") != pl.col("collected_at")),
    ),
    "element_duplicate": ("element_code", _element_known & (pl.col("element_repeat") > 0)),
    # the value
    "value_missing": ("value", pl.col("element_code").is_not_null() & _value.is_null()),
    "value_vietnamese_format": (
        "value",
        _value_given & ~_is_number & _value.str.contains(VIETNAMESE_NUMBER),
    ),
    "value_not_number": (
        "value",
        _value_given & ~_is_number & ~_value.str.contains(VIETNAMESE_NUMBER),
    ),
    "value_not_integer": ("value", _typed & (_value_type == "integer") & ~_type_ok),
    "value_not_boolean": ("value", _typed & (_value_type == "boolean") & ~_type_ok),
    "value_not_percent": ("value", _typed & (_value_type == "percent") & ~_type_ok),
    "value_below_min": ("value", _typed & _type_ok & (_number < pl.col("min"))),
    "value_above_max": ("value", _typed & _type_ok & (_number > pl.col("max"))),
    # the submission time
    "submitted_at_invalid": (
        "submitted_at",
        pl.col("submitted_at").is_not_null() & _submitted.is_null(),
    ),
    "submitted_at_inconsistent": (
        "submitted_at",
        pl.col("report_submitted_at").is_not_null()
        & (
            pl.col("submitted_at").is_null()
            | (_submitted.is_not_null() & _reference.is_not_null() & (_submitted != _reference))
        ),
    ),
    "submitted_at_before_period": ("submitted_at", _submitted_day < pl.col("p_start")),
    "submitted_at_future": ("submitted_at", _submitted > pl.col("received_at") + CLOCK_SKEW),
}


VALUES_SCHEMA: Final = pl.Schema(
    {
        "file_index": pl.Int64(),
        "org_unit_code": pl.String(),
        "element_code": pl.String(),
        "period": pl.String(),
        "value": pl.Float64(),
        "note": pl.String(),
        "submitted_at": pl.Datetime("us", "UTC"),
        "submitted_by": pl.String(),
        "location": pl.String(),
    }
)


@dataclass(frozen=True)
class Validated:
    """The outcome of validating a batch of rows.

    ``values``: one row per input row (`VALUES_SCHEMA`), ``value`` null where invalid.
    ``issues``: one row per problem (`ISSUES_SCHEMA`), keyed by the raw report key
    (``file_index, org_unit_code, period``) so a caller can reject whole reports.
    """

    values: pl.DataFrame
    issues: pl.DataFrame

    def rejected_reports(self) -> pl.DataFrame:
        """``file_index, org_unit_code, period`` of every report with an error (a warning
        does not reject)."""
        errors = self.issues.filter(pl.col("severity") == ERROR)
        return errors.select(REPORT_KEY).unique(maintain_order=True)


ENGINES: Final = ("pandera", "polars")


def validate_rows(
    rows: pl.DataFrame, config: Config, received_at: dt.datetime, engine: str = "pandera"
) -> Validated:
    """Check every row of a batch (``file_index`` + ``ROW_COLUMNS``, any number of files)
    against the configuration. ``received_at`` is when the batch came (a naive time is
    the machine's local time); a report for a period not started by then is refused.

    ``engine``: ``pandera`` validates against the `EnrichedRows` schema (intake);
    ``polars`` evaluates the same checks directly, without importing pandera (the
    ``validate`` command). Both give the same issues."""
    missing = [c for c in ("file_index", *ROW_COLUMNS) if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack column(s): {', '.join(missing)}")
    if rows.get_column("file_index").null_count():
        raise ValueError("rows have a null file_index")
    enriched = enrich(rows, config, received_at)
    failures = _failures(enriched, engine)
    issues = pl.concat(
        [
            issue_rows(
                enriched,
                failures,
                {e.code: (e.name, e.name_en or e.name) for e in config.catalog.elements},
            ),
            rule_issues(enriched, failures, config),
        ]
    ).sort("file_index", maintain_order=True)
    return Validated(values=_values(enriched, failures), issues=issues)


FAILURES_SCHEMA: Final = pl.Schema(
    {"row_nr": pl.Int64(), "check": pl.String(), "column": pl.String(), "failure_case": pl.String()}
)


def _failures(enriched: pl.DataFrame, engine: str) -> pl.DataFrame:
    """``row_nr, check, column, failure_case`` for every failing check of every row."""
    if engine == "pandera":
        from chitieu.schemas.model import pandera_failures

        cases = pandera_failures(enriched)
    elif engine == "polars":
        cases = polars_failures(enriched)
    else:
        raise ValueError(f"unknown validation engine {engine!r}: {', '.join(ENGINES)}")
    strange = cases.filter(~pl.col("check").is_in(list(messages.MESSAGES)))
    if not strange.is_empty():  # a bug in enrich or in a check, never the user's data
        raise RuntimeError(f"submission schema failed unexpectedly:\n{strange}")
    return cases.select(list(FAILURES_SCHEMA)).cast(FAILURES_SCHEMA)


def polars_failures(enriched: pl.DataFrame) -> pl.DataFrame:
    """The failing checks evaluated as plain polars expressions, one pass over the rows."""
    flags = enriched.select(
        "row_nr",
        *[failing.fill_null(False).alias(name) for name, (_, failing) in FAILING.items()],
    )
    hits = flags.unpivot(index="row_nr", variable_name="check", value_name="failed").filter(
        pl.col("failed")
    )
    columns = pl.DataFrame(
        {"check": list(FAILING), "column": [column for column, _ in FAILING.values()]}
    )
    checked = enriched.select(
        "row_nr", *[pl.col(c).cast(pl.String) for c in sorted({c for c, _ in FAILING.values()})]
    ).unpivot(index="row_nr", variable_name="column", value_name="failure_case")
    return hits.join(columns, on="check").join(checked, on=["row_nr", "column"], how="left")


def _values(enriched: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    invalid = failures.filter(pl.col("check").str.starts_with("value_")).get_column("row_nr")
    return enriched.select(
        "file_index",
        "org_unit_code",
        "element_code",
        "period",
        pl.when(pl.col("row_nr").is_in(invalid.implode()))
        .then(None)
        .otherwise(pl.col("value_num"))
        .alias("value"),
        "note",
        pl.col("submitted_utc").alias("submitted_at"),
        "submitted_by",
        "location",
    )
