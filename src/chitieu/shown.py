"""Text from outside, made safe to print: names and values as a person can read them.

A file name or a cell may hold a newline, a terminal escape (``\\x1b[2J`` clears the
screen), a right-to-left override that shows ``exe.csv`` as ``vsc.exe``, or, for a name
that is not UTF-8, bytes Python keeps as lone surrogates (which no terminal, log or
database takes). `shown` writes each such character as an escape (``\\n``, ``\\x1b``,
``\\u202e``), so that one file is one line and what is printed is what is there. Kept
light: the command line imports it at start-up.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

# control characters, line and paragraph separators, format characters (bidi overrides,
# zero-width marks, the byte order mark) and lone surrogates
_ESCAPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@functools.cache
def escapes() -> dict[str, str]:
    """Every character `shown` escapes within the Basic Multilingual Plane, with its
    escape (for a polars ``replace_many`` over a column of texts)."""
    return {
        chr(code): _escape(chr(code))
        for code in range(0x10000)
        if unicodedata.category(chr(code)) in _ESCAPED_CATEGORIES
        and not 0xD800 <= code <= 0xDFFF  # no polars text holds a surrogate
    }


def shown(text: str) -> str:
    """``text`` with every control, format or separator character escaped."""
    if text.isprintable():  # the common case, checked in C: nothing to escape
        return text
    return "".join(
        _escape(char) if unicodedata.category(char) in _ESCAPED_CATEGORIES else char
        for char in text
    )


UNSHOWN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
"""Characters a text kept for good and printed (a signer's name, a sign-off's reason, a
name the review prints) never holds: controls (a line break would print as a line of its
own), format characters (a right-to-left override turns the text around), private and
lone surrogates. Refused where they are written rather than escaped when printed."""


def first_unshown(text: str) -> tuple[int, str] | None:
    """The position (from 1) and the character of ``text``'s first `UNSHOWN_CATEGORIES`
    character, or None."""
    if text.isascii() and text.isprintable():
        return None
    for place, char in enumerate(text, 1):
        if unicodedata.category(char) in UNSHOWN_CATEGORIES:
            return place, char
    return None


BLANK_LOOKING: Final = "\u115f\u1160\u2800\u3164\uffa0"
"""Letters and symbols that print as blank space: the Hangul fillers and the empty
Braille pattern. A name or a reason of only these is as empty as one of spaces."""
VISIBLE_CLASS: Final = rf"[\p{{L}}\p{{N}}\p{{P}}\p{{S}}&&[^{BLANK_LOOKING}]]"
"""A regular expression (polars', Rust's syntax) for one character that prints as
something: a letter, digit, punctuation or symbol that is not `BLANK_LOOKING`."""


def prints_nothing(text: str) -> bool:
    """Whether ``text`` holds no letter, digit, punctuation or symbol that shows: empty,
    spaces, combining marks alone (U+0301), `BLANK_LOOKING` characters. By `VISIBLE_CLASS`,
    as a column of names is checked (polars' Unicode tables, newer than Python 3.11's:
    one answer for a catalog's name and an org_units.csv name)."""
    import polars as pl

    return not pl.Series([text], dtype=pl.String).str.contains(VISIBLE_CLASS).item()


CLIPPED_CHARS: Final = 200
"""A name or value from outside is quoted in a message up to this many characters."""


def clipped(text: str, keep: int = CLIPPED_CHARS) -> str:
    """`shown` ``text``, cut in the middle when longer than ``keep`` characters: its start
    and its end around "…", so that a 5,000-character path or a 100 KB argument is
    named in a line, not a page, and a path keeps its file's name."""
    text = shown(text)
    if len(text) <= keep:
        return text
    head = keep * 2 // 3
    return f"{text[:head]}…{text[len(text) - (keep - head - 1) :]}"


def count_vi(number: int) -> str:
    """20000 → "20.000": Vietnamese groups thousands with a dot."""
    return f"{number:,}".replace(",", ".")


def count_en(number: int) -> str:
    """20000 → "20,000"."""
    return f"{number:,}"


def size_vi(size: int) -> str:
    """A number of bytes as a person reads it: "4 MB", "150,3 MB", "16 KB"."""
    return _size(size).replace(".", ",")


def size_en(size: int) -> str:
    return _size(size)


def _size(size: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            text = f"{size / scale:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    return f"{size} B"
