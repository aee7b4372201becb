"""Rules across elements (SPEC §7): ``left operator right`` over element values.

`broken` evaluates every rule of the catalog on a wide frame (one row per report, or
per unit of a review; one column per element): each side is its formula as a polars
expression (`chitieu.formula.to_expr`, never ``eval``), a rule is checked only where
both sides have a value, and the rows that break it come back with both sides' values.
Intake (`report_issues`) and the quality gate (`chitieu.quality.rules`) build their
wide frames and say what a broken rule means for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu import formula
from chitieu.config import Config, RuleSpec
from chitieu.datachecks import text

OPERATORS: Final = {
    "<=": ("≤", lambda a, b: a <= b + _slack(a, b)),
    "<": ("<", lambda a, b: a < b - _slack(a, b)),
    "==": ("=", lambda a, b: (a - b).abs() <= _slack(a, b)),
    ">=": ("≥", lambda a, b: a >= b - _slack(a, b)),
    ">": (">", lambda a, b: a > b + _slack(a, b)),
    "!=": ("≠", lambda a, b: (a - b).abs() > _slack(a, b)),
}
RELATIVE_SLACK: Final = 1e-9
"""Sides computed in another order differ in the last bits of a float: never a breach."""


def _slack(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return RELATIVE_SLACK * pl.max_horizontal(pl.lit(1.0), a.abs(), b.abs())


@dataclass(frozen=True)
class Rule:
    """A rule of the catalog, ready to evaluate."""

    spec: RuleSpec
    elements: list[str]
    levels: frozenset[str]
    """Levels it is checked at: the catalog's ``levels``, else those collecting every
    element it names (`Config.collected_at`)."""

    @property
    def code(self) -> str:
        return self.spec.code

    def left(self) -> pl.Expr:
        return formula.to_expr(formula.parse(self.spec.left))

    def right(self) -> pl.Expr:
        return formula.to_expr(formula.parse(self.spec.right))

    def holds(self) -> pl.Expr:
        """True where it holds, false where broken, null where a side has no value."""
        compare = OPERATORS[self.spec.operator][1]
        left, right = self.left(), self.right()
        return pl.when(left.is_null() | right.is_null()).then(None).otherwise(compare(left, right))


def rules_of(config: Config) -> list[Rule]:
    found = []
    for spec in config.catalog.rules:
        elements = spec.elements()
        if spec.levels is not None:
            levels = frozenset(spec.levels)
        else:
            collecting = [{config.collected_at(config.catalog.element(e))} for e in elements]
            levels = frozenset(set.intersection(*collecting)) if collecting else frozenset()
        found.append(Rule(spec, elements, levels))
    return found


def breaches(
    wide: pl.DataFrame,
    rule: Rule,
    key: Sequence[str],
    config: Config,
    where: pl.Expr | None = None,
) -> pl.DataFrame:
    """The rows of ``wide`` that break ``rule``: ``key`` + ``rule, severity, location,
    element_code, value, left_value, right_value, message_vi, message_en``.

    ``wide``: ``key`` + one Float64 column per element (absent ones count as missing)
    and, where values have a place (a report's lines or cells), ``<code>@`` with it;
    ``where`` restricts the rows the rule is checked on (a level, a period kind)."""
    located = all(f"{e}@" in wide.columns for e in rule.elements if e in wide.columns)
    missing = [e for e in rule.elements if e not in wide.columns]
    frame = wide.with_columns(pl.lit(None, pl.Float64).alias(e) for e in missing)
    if located:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(f"{e}@") for e in missing)
    if where is not None:
        frame = frame.filter(where)
    found = frame.filter(rule.holds().not_()).with_columns(
        rule.left().alias("left_value"), rule.right().alias("right_value")
    )
    places = (
        pl.concat_list([pl.col(f"{e}@") for e in rule.elements]).list.drop_nulls()
        if located
        else pl.lit([], pl.List(pl.String))
    )
    return found.select(
        *key,
        pl.lit(rule.code).alias("rule"),
        pl.lit(rule.spec.severity).alias("severity"),
        places.list.unique(maintain_order=True).list.join("; ").replace("", None).alias("location"),
        pl.lit(rule.elements[0]).alias("element_code"),
        pl.concat_str(
            [pl.lit(f"{e}=") + text.number(pl.col(e), "en") for e in rule.elements],
            separator="; ",
        ).alias("value"),
        "left_value",
        "right_value",
        message(rule, config, "vi", located).alias("message_vi"),
        message(rule, config, "en", located).alias("message_en"),
    )


def side_text(rule: Rule, side: str, config: Config, lang: str, located: bool) -> pl.Expr:
    """One side of a broken rule as a message says it: ``XKLD (name) = 250 (dòng 30)``
    for a single element, ``HO_NGHEO + HO_CAN_NGHEO = 300 (HO_NGHEO (name) = 200 ở dòng
    5; …)`` for an expression. The wide frame's ``<code>@`` columns hold locations."""
    expression = getattr(rule.spec, side)
    tree = formula.parse(expression)
    value = text.number(pl.col(f"{side}_value"), lang, decimals=2)
    at = " ở " if lang == "vi" else " at "

    def one(code: str) -> pl.Expr:
        name = text.labelled(pl.lit(code), config, lang)
        where = (
            pl.when(pl.col(f"{code}@").is_not_null())
            .then(pl.lit(at) + pl.col(f"{code}@"))
            .otherwise(pl.lit(""))
            if located
            else pl.lit("")
        )
        return pl.concat_str(name, pl.lit(" = "), text.number(pl.col(code), lang), where)

    if isinstance(tree, formula.Element):
        return one(tree.code)
    codes = [c for c in rule.elements if c in formula.elements(tree)]
    if not codes:  # a constant: 30
        return value
    parts = pl.concat_str([one(c) for c in codes], separator="; ")
    return pl.concat_str(pl.lit(f"{expression} = "), value, pl.lit(" ("), parts, pl.lit(")"))


def message(rule: Rule, config: Config, lang: str, located: bool) -> pl.Expr:
    """``Quy tắc R01: <message>: XKLD (…) = 250 ở dòng 30 phải ≤ XKLD_TRUNG_TUYEN (…) = 234
    ở dòng 31.`` over the broken rows of ``rule`` (with ``<code>`` and ``<code>@``)."""
    symbol = OPERATORS[rule.spec.operator][0]
    if lang == "vi":
        head, own, must = f"Quy tắc {rule.code}: ", rule.spec.message, " phải "
    else:
        head, own, must = f"rule {rule.code}: ", rule.spec.message_en, " must be "
    return pl.concat_str(
        pl.lit(f"{head}{own.rstrip('.')}: "),
        side_text(rule, "left", config, lang, located),
        pl.lit(f"{must}{symbol} "),
        side_text(rule, "right", config, lang, located),
        pl.lit("." if lang == "vi" else ""),
    )
