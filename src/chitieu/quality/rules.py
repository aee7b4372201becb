"""Gate checks of the catalog's rules across elements (SPEC §7) on every unit's
rolled-up values: what the communes sent may each hold a rule and their sum at the
district still break it (a ratio, a rule a report could not see whole).

One row per unit × rule checked: the unit's level is among the rule's levels (every
level when the catalog names none: the roll-up gives every unit both sides), the review
period's kind among its period kinds, and both sides have a value. ``error`` rules are
judged by a critical check, ``warning`` rules by a warning one.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.datachecks.rules import breaches, rules_of
from chitieu.quality.checks import CRITICAL, WARNING, Check
from chitieu.rollup import Rollup

PART: Final = "rules"

ERROR_RULES_HOLD: Final = Check(
    name="error_rules_hold",
    severity=CRITICAL,
    description="error_rules_hold (critical): every rule of the catalog with severity "
    "`error` holds on every unit's rolled-up values (at the rule's levels, when it names "
    "some; in review periods of its period kinds); detail names the unit and both sides.",
    expectation="ExpectColumnValuesToBeBetween",
    arguments={"column": "error_rule_broken", "min_value": 0, "max_value": 0},
)
WARNING_RULES_HOLD: Final = Check(
    name="warning_rules_hold",
    severity=WARNING,
    description="warning_rules_hold (warning): the same for the rules with severity "
    "`warning`: a unit that breaks one is published, and named.",
    expectation="ExpectColumnValuesToBeBetween",
    arguments={"column": "warning_rule_broken", "min_value": 0, "max_value": 0},
)
CHECKS: Final = (ERROR_RULES_HOLD, WARNING_RULES_HOLD)


def rule_part(rollup: Rollup, config: Config) -> pl.DataFrame:
    """One row per unit × rule checked, with ``error_rule_broken`` or
    ``warning_rule_broken`` (1 broken, 0 holds) and what was compared."""
    rules = [r for r in rules_of(config) if r.spec.applies_to_kind(rollup.review_period.kind)]
    schema = {
        "part": pl.String,
        "subject": pl.String,
        "detail": pl.String,
        "error_rule_broken": pl.Int64,
        "warning_rule_broken": pl.Int64,
    }
    if not rules:
        return pl.DataFrame(schema=schema)
    codes = sorted({e for rule in rules for e in rule.elements})
    wide = (
        rollup.elements.filter(pl.col("element_code").is_in(codes))
        .select(
            pl.col("org_unit_code").cast(pl.String),
            pl.col("level").cast(pl.String),
            pl.col("element_code").cast(pl.String),
            pl.col("value").cast(pl.Float64),
        )
        .pivot(on="element_code", index=["org_unit_code", "level"], values="value")
    )
    parts = []
    for rule in rules:
        present = [e for e in rule.elements if e in wide.columns]
        if len(present) < len(rule.elements):
            continue  # an element no unit has a value for: nothing to compare
        where = pl.all_horizontal(pl.col(e).is_not_null() for e in rule.elements)
        if rule.spec.levels is not None:
            where = where & pl.col("level").is_in(rule.spec.levels)
        checked = wide.filter(where).select("org_unit_code")
        broken = breaches(wide, rule, ["org_unit_code"], config, where)
        flag = "error_rule_broken" if rule.spec.severity == "error" else "warning_rule_broken"
        parts.append(
            checked.join(
                broken.select("org_unit_code", "message_en"), on="org_unit_code", how="left"
            ).select(
                pl.lit(PART).alias("part"),
                pl.concat_str(pl.lit(rule.code), pl.col("org_unit_code"), separator=" ").alias(
                    "subject"
                ),
                pl.col("message_en")
                .fill_null(f"{rule.spec.left} {rule.spec.operator} {rule.spec.right} holds")
                .alias("detail"),
                pl.col("message_en").is_not_null().cast(pl.Int64).alias(flag),
            )
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    found = pl.concat(parts, how="diagonal_relaxed")
    return found.select(
        pl.col(name).cast(dtype) if name in found.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
    ).sort("subject")
