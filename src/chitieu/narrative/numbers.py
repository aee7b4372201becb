"""Numbers as a draft writes them, and the rounding a reader applies to them.

Vietnamese groups thousands with ``.`` and marks decimals with ``,`` (``1.752``,
``78,46``); English the other way round (``1,752``, ``78.46``). A figure keeps the number
of decimals it was written with: ``hơn 64,5 %`` is a statement at one decimal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Final

# Lookbehind: not inside a word, a code (CT01) or another number.
_VI: Final = (
    r"(?<![\w.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d.])"  # 1.752  12.345,6
    r"|\d+\.\d{1,2}(?![\d.])"  # 52.2: a dot that cannot be a thousands mark
    r"|\d+(?:,\d+)?(?!\d))"  # 78,46  130
)
_EN: Final = r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?(?![\d]))"
NUMBER: Final = {"vi": _VI, "en": _EN}
"""The pattern of one number in each language (no sign: drafts quote counts)."""

_VIETNAMESE_LETTERS: Final = set("đăâêôơư")

MAX_DIGITS: Final = 15
"""A number written with more significant digits, or more decimals, than this is no
figure but text: a revision keeps its figures as doubles, which hold 15 significant
digits, and no review writes a figure more precisely."""


@dataclass(frozen=True)
class Written:
    """A number as written: its value and how many decimals the writer gave."""

    text: str
    value: Decimal
    decimals: int


def parse_number(text: str, lang: str) -> Written:
    """``1.752`` (vi) → 1752; ``78,46`` (vi) → 78.46 at 2 decimals; ``1,752`` (en) → 1752."""
    if lang == "vi":
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
            plain = text.replace(".", "").replace(",", ".")
        else:  # 78,46, or a lenient 52.2
            plain = text.replace(",", ".")
    else:
        plain = text.replace(",", "")
    decimals = len(plain.split(".", 1)[1]) if "." in plain else 0
    return Written(text, Decimal(plain), decimals)


def figure_number(text: str, lang: str) -> Written | None:
    """`parse_number`, or None for a number no figure can be, written with more than
    `MAX_DIGITS` significant digits or decimals (``10000000000000000000000000000,5``,
    ``0,0000000000000000001``): text, as a date is."""
    written = parse_number(text, lang)
    significant = written.value.adjusted() + written.decimals + 1 if written.value else 1
    if significant > MAX_DIGITS or written.decimals > MAX_DIGITS:
        return None
    return written


def detect_lang(text: str) -> str:
    """``vi`` when the letters carry Vietnamese marks often enough, else ``en``.

    Vietnamese prose carries about one mark for every three letters (the seed article:
    0.40), English that names a place ("Giồng Trôm, Bến Tre") about one in ten."""
    letters = marked = 0
    for char in unicodedata.normalize("NFD", text.casefold()):
        if char.isalpha():
            letters += 1
            marked += char in _VIETNAMESE_LETTERS
        elif unicodedata.combining(char):
            marked += 1
    return "vi" if letters and marked / letters > 0.2 else "en"


def round_half_away(value: Decimal, decimals: int) -> Decimal:
    """Rounded half away from zero (SPEC §3.5), as a reader rounds; at whatever
    precision that takes (a large value at many decimals has more digits than the
    default context's 28, which would make ``quantize`` raise)."""
    digits = max(value.adjusted() + 1, 1) + max(decimals, 0) + 1
    context = Context(prec=max(digits, 28))
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=context)


def as_decimal(value: float) -> Decimal:
    """A stored float as the decimal it was meant to be (``0.1`` → ``0.1``)."""
    return Decimal(repr(value))


def same_as_written(written: Written, value: float) -> bool:
    """Whether ``value`` is what a reader sees in ``written`` at its precision."""
    return round_half_away(as_decimal(value), written.decimals) == written.value


def format_decimal(value: Decimal, lang: str, decimals: int = 2) -> str:
    """``Decimal('0.8909')`` → ``0,89`` (vi) or ``0.89`` (en)."""
    text = f"{round_half_away(value, decimals):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def threshold_words(value: float, lang: str) -> str:
    """A class threshold as the summary sentence writes it: ``50``, ``52,5``."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "vi" else text
