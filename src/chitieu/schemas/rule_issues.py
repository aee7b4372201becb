"""The catalog's rules across elements, checked on each report of a batch (SPEC §7).

A report's values are set side by side, one row per report (``file_index, unit,
period``) and one column per element a rule reads, with the line or cell each value
came from; every rule is checked on the reports of the levels and period kinds it
applies to. A broken ``error`` rule rejects its report like a bad value; a ``warning``
is kept beside an accepted one. Values that failed a check of their own are left out:
one mistake, one issue.
"""

from __future__ import annotations

import polars as pl

from chitieu.config import Config
from chitieu.config.rules import PERIOD_KINDS
from chitieu.datachecks.rules import Rule, breaches, rules_of
from chitieu.schemas.enrich import REPORT_KEY
from chitieu.schemas.issues import ISSUES_SCHEMA

_KIND = (
    pl.when(pl.col("period").str.contains("M"))
    .then(pl.lit("M"))
    .when(pl.col("period").str.contains("Q"))
    .then(pl.lit("Q"))
    .when(pl.col("period").str.contains("S"))
    .then(pl.lit("S"))
    .otherwise(pl.lit("Y"))
)


def rule_issues(enriched: pl.DataFrame, failures: pl.DataFrame, config: Config) -> pl.DataFrame:
    """Issues (`ISSUES_SCHEMA`) for every rule a report breaks, located at the lines or
    cells of the elements it reads, with both sides' values in the message."""
    rules = rules_of(config)
    if not rules:
        return pl.DataFrame(schema=ISSUES_SCHEMA)
    codes = sorted({e for rule in rules for e in rule.elements})
    usable = enriched.filter(
        pl.col("element_code").is_in(codes)
        & pl.col("value_num").is_not_null()
        & pl.col("unit_level").is_not_null()
        & (pl.col("element_repeat") == 0)
        & ~pl.col("row_nr").is_in(failures.get_column("row_nr").implode())
    )
    if usable.is_empty():
        return pl.DataFrame(schema=ISSUES_SCHEMA)
    wide = usable.group_by(REPORT_KEY, maintain_order=True).agg(
        pl.col("unit_level").first(),
        _KIND.first().alias("kind"),
        pl.col("row_nr").min().alias("first_row"),
        *[
            pl.col("value_num").filter(pl.col("element_code") == code).first().alias(code)
            for code in codes
        ],
        *[
            pl.col("location").filter(pl.col("element_code") == code).first().alias(f"{code}@")
            for code in codes
        ],
    )
    found = [
        breaches(wide, rule, [*REPORT_KEY, "first_row"], config, _applies(rule)) for rule in rules
    ]
    return (
        pl.concat(found)
        .sort("file_index", "first_row", maintain_order=True)
        .with_columns(pl.concat_str(pl.lit("rule_"), pl.col("rule")).alias("check"))
        .select(list(ISSUES_SCHEMA))
        .cast(ISSUES_SCHEMA)
    )


def _applies(rule: Rule) -> pl.Expr:
    kinds = [kind for kind in PERIOD_KINDS if rule.spec.applies_to_kind(kind)]
    return pl.col("unit_level").is_in(sorted(rule.levels)) & pl.col("kind").is_in(kinds)
