"""Whole numbers written by others (an environment variable, an attribute of a Word
draft's XML), read without the surprises of ``int()``: it takes ``²`` for a digit to
``str.isdigit``, ``1_000`` and `` 5 `` as numbers, and raises on more than 4,300 digits."""

from __future__ import annotations

import re
from typing import Final

_WHOLE: Final = re.compile(r"-?[0-9]{1,18}")
"""A whole number as a person or a program writes one: ASCII digits, a sign for a
negative one, at most 18 digits (no setting or attribute needs more)."""


def whole_number(text: str, least: int | None = None, most: int | None = None) -> int | None:
    """``text`` as a whole number between ``least`` and ``most`` (either bound left out is
    none), or None when it is no such number."""
    if _WHOLE.fullmatch(text) is None:
        return None
    number = int(text)
    if (least is not None and number < least) or (most is not None and number > most):
        return None
    return number
