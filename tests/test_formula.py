"""Indicator formulas: parsed into a tree, computed as polars expressions, never evaluated."""

from __future__ import annotations

import math

import polars as pl
import pytest

from chitieu import formula
from chitieu.errors import FormulaError


def compute(text: str, **columns: list[float | None]) -> list[float | None]:
    """The formula over a frame of the given element columns (one row if none given)."""
    frame = pl.DataFrame(columns or {"_": [0]}, schema_overrides=dict.fromkeys(columns, pl.Float64))
    return frame.select(formula.to_expr(formula.parse(text)).alias("out"))["out"].to_list()


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("2 * 3 + 4", 10),
        ("10 - 4 - 3", 3),  # left to right, not 10 - (4 - 3)
        ("8 / 4 / 2", 1),
        ("100 - 20 / 4", 95),
        ("((1 + 2)) * (3 - 1)", 6),
        ("-3 + 5", 2),
        ("-(3 + 5)", -8),
        ("2 * -3", -6),
        ("- - 4", 4),
        ("+4", 4),
        ("1.5 * 2", 3),
        ("0.25 + 0.5", 0.75),
        ("7", 7),
    ],
)
def test_arithmetic(text: str, result: float) -> None:
    assert compute(text) == [pytest.approx(result)]


def test_element_columns() -> None:
    assert compute("A * 100 / B", A=[1, 3], B=[4, 4]) == [25, 75]
    assert compute("-A + B", A=[2.5], B=[1]) == [-1.5]


def test_parse_tree_and_elements() -> None:
    tree = formula.parse("A + B * 2")
    assert tree == formula.Binary(
        "+",
        formula.Element("A"),
        formula.Binary("*", formula.Element("B"), formula.Number(2.0)),
    )
    assert formula.elements(formula.parse("(POOR_HH - X1) * 100 / -HOUSEHOLDS")) == {
        "POOR_HH",
        "X1",
        "HOUSEHOLDS",
    }
    assert formula.elements(formula.parse("3 * 4")) == set()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A % B", r"unexpected character '%' in formula 'A % B'"),
        ("A ^ 2", r"unexpected character '\^'"),
        ("a + B", r"unexpected character 'a'"),
        ("1,5 * A", r"unexpected character ','"),
        ("(A + B", r"formula '\(A \+ B' ends too early"),
        ("A + B)", r"unexpected '\)' in formula 'A \+ B\)'"),
        ("(A + B C", r"missing '\)' in formula"),
        ("A +", r"ends too early"),
        ("* A", r"unexpected '\*' in formula"),
        ("A B", r"unexpected 'B' in formula 'A B'"),
        ("()", r"unexpected '\)'"),
        ("", r"formula is empty"),
        ("   ", r"formula is empty"),
    ],
)
def test_bad_formula_raises_with_a_message(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        formula.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "A if B else C",
        "A; B",
        "A.real",
        "[A]",
        "A == B",
    ],
)
def test_python_is_rejected_never_evaluated(text: str) -> None:
    with pytest.raises(FormulaError):
        formula.parse(text)


def test_lowercase_python_names_are_not_element_codes() -> None:
    with pytest.raises(FormulaError, match="unexpected character 'o'"):
        formula.parse("open")


def test_missing_data_gives_null() -> None:
    assert compute("A + B", A=[1, None, None], B=[2, 2, None]) == [3, None, None]
    assert compute("A * 0", A=[None]) == [None]
    assert compute("-A", A=[None]) == [None]


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("A / B", {"A": [5.0], "B": [0.0]}),
        ("A / B", {"A": [0.0], "B": [0.0]}),
        ("A / (B - C)", {"A": [1.0], "B": [3.0], "C": [3.0]}),
        ("A / B", {"A": [5.0], "B": [None]}),
        ("1 + A / B * 100", {"A": [-5.0], "B": [0.0]}),
    ],
)
def test_division_by_zero_gives_null_not_infinity(
    text: str, columns: dict[str, list[float | None]]
) -> None:
    assert compute(text, **columns) == [None]


def test_division_by_zero_only_nulls_the_affected_rows() -> None:
    result = compute("A / B", A=[6, 6, 6], B=[3, 0, -2])
    assert result == [2, None, -3]
    assert not any(isinstance(x, float) and math.isinf(x) for x in result)


@pytest.mark.parametrize(
    ("text", "divides"),
    [
        ("A / 0", True),
        ("A / 0.0", True),
        ("A / -0", True),
        ("A / (1 - 1)", True),
        ("A / (2 * 0)", True),
        ("A + B / (3 - 1 - 2)", True),
        ("-(A / 0)", True),
        ("A / B", False),
        ("A / (B - B)", False),  # not a literal: data decides, and gives null at run time
        ("A / 2", False),
        ("A / (1 - 2)", False),
        ("0 / A", False),
        ("A * 0", False),
    ],
)
def test_divides_by_literal_zero(text: str, divides: bool) -> None:
    assert formula.divides_by_literal_zero(formula.parse(text)) is divides


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 250 + "A" + ")" * 250, r"^formula nests parentheses and signs more than 20 deep$"),
        ("-" * 21 + "A", r"nests parentheses and signs more than 20 deep"),
        ("-(" * 11 + "A" + ")" * 11, r"nests parentheses and signs more than 20 deep"),
        (" + ".join(["A"] * 1200), r"^formula has more than 100 terms \(numbers and codes\)$"),
        (" * ".join(["2"] * 101), r"more than 100 terms"),
        ("9" * 400 + " * A", r"^number too large in formula: 9{24}… \(400 characters\)$"),
    ],
)
def test_a_formula_past_the_limits_is_refused_not_a_recursion_error(
    text: str, message: str
) -> None:
    """Real formulas have a few terms: a deep or long one is a mistake (or an attack),
    refused with the limit it passed, never a RecursionError in every command."""
    with pytest.raises(FormulaError, match=message):
        formula.parse(text)


def test_a_formula_at_the_limits_is_computed() -> None:
    deep = "(" * formula.MAX_NESTING + "A" + ")" * formula.MAX_NESTING
    signs = "-" * formula.MAX_NESTING + "A"
    long = " + ".join(["A"] * formula.MAX_TERMS)
    assert compute(deep, A=[3]) == [3]
    assert compute(signs, A=[3]) == [3]
    assert compute(long, A=[0.5]) == [50]
    assert formula.elements(formula.parse(long)) == {"A"}
    assert len(formula.leaves(formula.parse(long))) == formula.MAX_TERMS


def test_a_long_formula_is_quoted_by_its_start_and_length() -> None:
    """A formula of thousands of characters is refused in a line, not a page."""
    text = "A " + " + ".join(["B"] * 900)
    with pytest.raises(FormulaError) as refused:
        formula.parse(text)
    message = str(refused.value)
    assert message.startswith("unexpected 'B' in formula 'A B + B")
    assert message.endswith(f"… ({len(text):,} characters)")
    assert len(message) < 300
