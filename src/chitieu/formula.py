"""Indicator formulas: ``+ - * / ( )``, numbers and element codes, parsed, never evaluated.

A small recursive-descent parser turns a formula into a tree; the tree becomes a
polars expression over one column per element. Missing data gives null and a
division by zero gives null: neither raises.

A formula is a few terms (real catalogs: one to five); ``MAX_TERMS`` and
``MAX_NESTING`` bound what the parser accepts far above that, so that no formula
can exhaust Python's recursion (a ``RecursionError`` in every command) and every
tree walk below stays a few hundred calls deep at most.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.errors import FormulaError

_TOKEN: Final = re.compile(r"\s*(?:([0-9]+(?:\.[0-9]+)?)|([A-Z][A-Z0-9_]*)|(.))")
MAX_TERMS: Final = 100
"""Numbers and codes in one formula (once the indicators it names are written out,
`chitieu.config.catalog`): a sum of every commune's figure by hand stays below it."""
MAX_NESTING: Final = 20
"""Parentheses and signs inside one another (``-(A * (B + C))`` is 3 deep)."""


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Element:
    code: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Number | Element | Negate | Binary


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        number, name, other = match.groups()
        if number is not None:
            tokens.append(("num", number))
        elif name is not None:
            tokens.append(("name", name))
        elif other is not None and other.strip():
            if other not in "+-*/()":
                raise FormulaError(
                    f"unexpected character {other!r} in formula {quoted(text)}",
                    f"ký tự {other!r} không được dùng trong công thức",
                )
            tokens.append(("op", other))
    return tokens


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := '-' unary | atom; atom := number | CODE | '(' expr ')'."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.terms = 0
        self.nesting = 0

    def enter(self) -> None:
        """One more parenthesis or sign around what follows; refused past `MAX_NESTING`
        (each level costs the parser four calls)."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise FormulaError(
                f"formula nests parentheses and signs more than {MAX_NESTING} deep",
                f"công thức lồng dấu ngoặc và dấu +/- quá {MAX_NESTING} tầng",
            )

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError(
                f"formula {quoted(self.text)} ends too early", "công thức bị thiếu phần cuối"
            )
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise FormulaError("formula is empty", "công thức trống")
        node = self.expr()
        if self.peek() is not None:
            extra = self.peek()[1]  # type: ignore[index]
            raise FormulaError(
                f"unexpected {extra!r} in formula {quoted(self.text)}",
                f"{extra!r} không đúng chỗ trong công thức",
            )
        return node

    def expr(self) -> Node:
        node = self.term()
        while (token := self.peek()) is not None and token[1] in ("+", "-") and token[0] == "op":
            self.take()
            node = Binary(token[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token[1] in ("*", "/") and token[0] == "op":
            self.take()
            node = Binary(token[1], node, self.unary())
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token in (("op", "-"), ("op", "+")):
            self.take()
            self.enter()
            operand = self.unary()
            self.nesting -= 1
            return Negate(operand) if token == ("op", "-") else operand
        return self.atom()

    def atom(self) -> Node:
        kind, text = self.take()
        if kind in ("num", "name"):
            self.terms += 1
            if self.terms > MAX_TERMS:
                raise FormulaError(
                    f"formula has more than {MAX_TERMS} terms (numbers and codes)",
                    f"công thức có quá {MAX_TERMS} số hạng (số và mã)",
                )
        if kind == "num":
            value = float(text)
            if not math.isfinite(value):
                raise FormulaError(
                    f"number too large in formula: {shortened(text)}", "số quá lớn trong công thức"
                )
            return Number(value)
        if kind == "name":
            return Element(text)
        if text == "(":
            self.enter()
            node = self.expr()
            if self.take() != ("op", ")"):
                raise FormulaError(
                    f"missing ')' in formula {quoted(self.text)}", "công thức thiếu dấu ')'"
                )
            self.nesting -= 1
            return node
        raise FormulaError(
            f"unexpected {shortened(text)!r} in formula {quoted(self.text)}",
            f"{shortened(text)!r} không đúng chỗ trong công thức",
        )


def shortened(text: str, keep: int = 24) -> str:
    """A value as a message quotes it: a 400-digit number by its first digits and length."""
    if len(text) <= keep:
        return text
    return f"{text[:keep]}… ({len(text)} characters)"


def quoted(text: str, keep: int = 200) -> str:
    """A formula as a message quotes it: whole when short, else its start and length (a
    formula of thousands of terms is refused in a line, not a page)."""
    if len(text) <= keep:
        return repr(text)
    return f"{text[:keep]!r}… ({len(text):,} characters)"


def parse(text: str) -> Node:
    """Parse a formula; raises `FormulaError` saying what is wrong."""
    return _Parser(text).parse()


def leaves(node: Node) -> list[Number | Element]:
    """The numbers and codes of a formula, left to right (walked without recursion: a
    tree is only as deep as `parse` allows, but this also measures trees not yet
    checked)."""
    found: list[Number | Element] = []
    pending: list[Node] = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, Binary):
            pending += (current.right, current.left)
        elif isinstance(current, Negate):
            pending.append(current.operand)
        else:
            found.append(current)
    return found


def elements(node: Node) -> set[str]:
    """Element codes a formula reads."""
    return {leaf.code for leaf in leaves(node) if isinstance(leaf, Element)}


def divides_by_literal_zero(node: Node) -> bool:
    """True when some ``/`` has a constant zero denominator (``X / 0``, ``X / (1 - 1)``)."""
    if isinstance(node, Binary):
        if node.op == "/" and _constant(node.right) == 0:
            return True
        return divides_by_literal_zero(node.left) or divides_by_literal_zero(node.right)
    if isinstance(node, Negate):
        return divides_by_literal_zero(node.operand)
    return False


def _constant(node: Node) -> float | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Negate):
        value = _constant(node.operand)
        return None if value is None else -value
    if isinstance(node, Binary):
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return None if right == 0 else left / right
    return None


def to_expr(node: Node) -> pl.Expr:
    """The polars expression of a formula over Float64 columns named by element code."""
    if isinstance(node, Number):
        return pl.lit(node.value, dtype=pl.Float64)
    if isinstance(node, Element):
        return pl.col(node.code).cast(pl.Float64)
    if isinstance(node, Negate):
        return -to_expr(node.operand)
    left, right = to_expr(node.left), to_expr(node.right)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return pl.when(right != 0).then(left / right).otherwise(pl.lit(None, dtype=pl.Float64))
