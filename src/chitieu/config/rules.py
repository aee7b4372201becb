"""catalog.yaml's data-quality settings (SPEC §7): rules across elements (``rules:``)
and each element's outlier test (``outlier:``).

A rule compares two expressions of the formula grammar that indicators use (parsed,
never evaluated as code) with one of six operators; an ``error`` rule rejects the report
that breaks it, a ``warning`` accepts it and flags it. `check_rules` adds the problems a
schema cannot see (an unknown element, an expression that does not parse, a repeated
code, a level that does not exist), each naming the file, the entry and the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chitieu import formula
from chitieu.config.wording import (
    DIVIDES_BY_ZERO,
    both,
    duplicate_code,
    formula_problem,
    unknown_element,
    unknown_level,
)
from chitieu.errors import ConfigProblem, FormulaError

CODE_PATTERN: Final = r"^[A-Z][A-Z0-9_]*$"
Operator = Literal["<=", "<", "==", ">=", ">", "!="]
Severity = Literal["error", "warning"]
PeriodKind = Literal["month", "quarter", "half_year", "year"]
PERIOD_KINDS: Final[dict[str, str]] = {"M": "month", "Q": "quarter", "S": "half_year", "Y": "year"}
"""`Period.kind` → the word a rule's ``period_kinds`` uses."""

DEFAULT_THRESHOLD: Final = 3.5
"""Iglewicz and Hoaglin's cut-off for the modified z-score."""
DEFAULT_MIN_HISTORY: Final = 6
"""Fewer earlier values than this and nothing is judged: there is no history yet."""


class _Strict(BaseModel):
    # NaN or infinity (`.nan`, `.inf`, `1e400`) is no bound, threshold or setting
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OutlierSpec(_Strict):
    """``outlier: {threshold: 3.5, min_history: 3}`` on an element."""

    threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0)
    min_history: int = Field(default=DEFAULT_MIN_HISTORY, ge=1, le=12)


OUTLIER_OFF: Final = "off"


def outlier_setting(value: Any) -> Any:
    """``outlier: off`` (YAML reads a bare ``off`` as false), ``on``/true for the
    defaults, or a mapping; anything else is refused with what to write."""
    if value is None or isinstance(value, dict):
        return value
    if value is False or (isinstance(value, str) and value.strip().lower() == "off"):
        return OUTLIER_OFF
    if value is True or (isinstance(value, str) and value.strip().lower() == "on"):
        return {}
    raise ValueError(
        both(
            "ghi `outlier: off` hoặc `outlier: {threshold: 3.5}`",
            "write `outlier: off`, or `outlier: {threshold: 3.5}`",
        )
    )


class RuleSpec(_Strict):
    """One rule across elements: ``left operator right``, checked where both sides have
    a value."""

    code: str = Field(pattern=CODE_PATTERN)
    left: str
    operator: Operator
    right: str
    severity: Severity = "error"
    levels: list[str] | None = Field(default=None, min_length=1)
    period_kinds: list[PeriodKind] | None = Field(default=None, min_length=1)
    message: str
    message_en: str

    @field_validator("message", "message_en")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError(both("không được để trống", "must not be empty"))
        return text

    def elements(self) -> list[str]:
        """The element codes the rule reads, left side first, each once."""
        found: list[str] = []
        for side in (self.left, self.right):
            found += [c for c in _codes_in_order(formula.parse(side)) if c not in found]
        return found

    def applies_to_kind(self, kind: str) -> bool:
        """Whether the rule is checked on a period of `Period.kind` ``kind`` (M, Q, S, Y)."""
        return self.period_kinds is None or PERIOD_KINDS[kind] in self.period_kinds


def _codes_in_order(node: formula.Node) -> list[str]:
    if isinstance(node, formula.Element):
        return [node.code]
    if isinstance(node, formula.Negate):
        return _codes_in_order(node.operand)
    if isinstance(node, formula.Binary):
        return _codes_in_order(node.left) + _codes_in_order(node.right)
    return []


def check_rules(
    rules: Sequence[RuleSpec], element_codes: set[str], indicator_codes: set[str], file: str
) -> list[ConfigProblem]:
    """Unique codes; both sides parse and name known elements (not indicators: a rule
    compares what units submit)."""
    problems: list[ConfigProblem] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules, start=1):
        entry = f"rules[{index}] {rule.code}"
        named = 0
        if rule.code in seen:
            problems.append(
                ConfigProblem(file, entry, "code", duplicate_code("rules", seen[rule.code]))
            )
        seen.setdefault(rule.code, index)
        for key in ("left", "right"):
            text = getattr(rule, key)
            try:
                tree = formula.parse(text)
            except FormulaError as exc:
                problems.append(ConfigProblem(file, entry, key, formula_problem(exc)))
                continue
            names = formula.elements(tree)
            named += len(names)
            if key == "right" and named == 0:
                problems.append(
                    ConfigProblem(
                        file,
                        entry,
                        key,
                        both("cả hai vế đều không có phần tử nào", "neither side names an element"),
                    )
                )
            unknown = sorted(names - element_codes)
            indicators = [n for n in unknown if n in indicator_codes]
            strangers = [n for n in unknown if n not in indicator_codes]
            if strangers:
                problems.append(
                    ConfigProblem(file, entry, key, unknown_element(", ".join(strangers)))
                )
            if indicators:
                problems.append(
                    ConfigProblem(
                        file,
                        entry,
                        key,
                        both(
                            f"{', '.join(indicators)} là chỉ tiêu: quy tắc chỉ so sánh các phần tử",
                            f"{', '.join(indicators)} is an indicator: a rule compares elements",
                        ),
                    )
                )
            if formula.divides_by_literal_zero(tree):
                problems.append(ConfigProblem(file, entry, key, DIVIDES_BY_ZERO))
    return problems


def check_rule_levels(
    rules: Sequence[RuleSpec], levels: set[str], file: str, units_file: str
) -> list[ConfigProblem]:
    """Every level a rule names exists in the hierarchy."""
    return [
        ConfigProblem(
            file,
            f"rules[{index}] {rule.code}",
            "levels",
            unknown_level(level, levels, units_file),
        )
        for index, rule in enumerate(rules, start=1)
        for level in rule.levels or []
        if level not in levels
    ]
