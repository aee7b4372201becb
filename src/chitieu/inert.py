"""Text from outside, made inert for a Markdown renderer: what the Prefect UI shows.

The UI renders a markdown artifact as Markdown, and every string cell of a table
artifact too. A unit's, an indicator's or a file's name, a value quoted in a message or
an approver's note is text, never Markdown: written as it is, ``![b](http://x/b.png)``
would become an image loaded when the team opens the artifact (a beacon), ``[l](javascript:…)``
a link that runs script (the renderer checks no scheme), and ``x | y`` would break a
table's row. `inert` backslash-escapes what starts such syntax, so the UI shows the
characters as written. Emphasis (``*``, ``_``) is left alone: it cannot load or run
anything, and element codes such as ``DANG_VIEN_MOI`` stay readable where the text is
read as plain text (the API, a CSV download). Kept light: no Markdown library.
"""

from __future__ import annotations

import re
from typing import Final

_SYNTAX: Final = re.compile(
    r"([\\"  # an escape itself: the user's "\[" must not turn ours off
    r"\[\]()!"  # links and images: [text](url), ![alt](url), [text]: url
    r"<>"  # autolinks (<javascript:…> too), inline HTML; ">" a block quote
    r"`"  # a code span, which would swallow the escapes after it
    r"|])"  # a table cell's end
)


def inert(text: str) -> str:
    """``text`` with the characters that start a link, an image, an autolink, inline
    HTML, a code span or a table cell escaped, and its line breaks as spaces (a break
    would end a table row or a heading, or start a block of its own)."""
    return _SYNTAX.sub(r"\\\1", " ".join(text.splitlines()))


def inert_cell(value: object) -> object:
    """A table artifact's cell: text made `inert`, a number kept a number (the UI sorts
    and aligns it as one), nothing an empty cell."""
    if value is None:
        return ""
    return inert(value) if isinstance(value, str) else value


def code_span(text: str) -> str:
    """``text`` as a code span, whatever backticks it holds: fenced by one backtick more
    than its longest run (backslashes do not escape inside a code span)."""
    text = " ".join(text.splitlines())
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
