"""The expectation suite of a review and the one frame it is run on.

GX writes one Data Docs page per validation of one batch, so the gate validates one
frame: the parts of `indicators`, `elements` and `structure` stacked, each with its
own columns (null in the other parts, where the expectations skip them) and the
shared ``part``, ``subject`` and ``detail`` that name a failing row.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.quality import elements, indicators, rules, structure
from chitieu.quality.checks import Check
from chitieu.rollup import Rollup
from chitieu.rollup.hierarchy import subtree

SUITE_NAME: Final = "chitieu-review"
ROW_NAMES: Final = ("part", "subject", "detail")
"""Columns that identify a row of the gate frame in GX's lists of unexpected rows."""

SUITE: Final[tuple[Check, ...]] = (
    indicators.ROOT_HAS_EVERY_INDICATOR,
    structure.UNITS_INSIDE_ROOT_SUBTREE,
    structure.UNIQUE_KEYS,
    indicators.TARGET_MATCHES_CONFIG,
    indicators.PERCENT_MATCHES_FORMULA,
    indicators.CLASS_MATCHES_PERCENT,
    elements.SUM_ELEMENTS_RECONCILE,
    structure.COMPLETENESS_AT_LEAST_MINIMUM,
    elements.VALUES_WITHIN_PLAUSIBLE_RANGE,
    rules.ERROR_RULES_HOLD,
    rules.WARNING_RULES_HOLD,
)


def gate_frame(rollup: Rollup, config: Config) -> pl.DataFrame:
    """Everything the suite checks about a review, in one frame (see the module's doc)."""
    units = subtree(config.org_units, rollup.root, rollup.as_of)
    coded = elements.coded_values(rollup, config, units)
    parts = [
        indicators.indicator_part(rollup, config),
        structure.unit_part(rollup, units),
        structure.key_part(rollup),
        elements.reconciliation_part(rollup, config, units, coded),
        elements.range_part(rollup, config, units, coded),
        structure.root_part(rollup),
        rules.rule_part(rollup, config),
    ]
    return pl.concat(parts, how="diagonal_relaxed")
