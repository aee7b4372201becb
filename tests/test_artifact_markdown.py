"""Text from outside is inert in what the Prefect UI renders as Markdown: shown as
written, with no image (a beacon), no link (``javascript:``) and no broken table. Text is
rendered by a CommonMark parser with tables and raw HTML on, as the UI's renderer reads
it."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from chitieu.inert import code_span, inert, inert_cell

HOSTILE = (
    "x | y ![b](http://attacker.example/b.png) [l](javascript:alert(1)) "
    "<img src=x onerror=alert(1)> <javascript:alert(1)> `tick` a\\[b](c)\nsecond line"
)
"""Every way a text could turn into Markdown: a table's pipe, an image, a link, inline
HTML, an autolink, a code span, an escape of its own, and a line break."""
AS_WRITTEN = " ".join(HOSTILE.splitlines())

_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
# the UI's renderer checks no link's scheme: neither does this one, to see every link
_PARSER.validateLink = lambda url: True  # type: ignore[method-assign]
_TAG = re.compile(r"<[^>]*>")


def rendered(text: str) -> str:
    return _PARSER.render(text)


def assert_inert(text: str) -> None:
    """No image, link, raw HTML or code span comes out of ``text``; the ``file:`` links
    to reports are chitieu's own."""
    out = rendered(text)
    assert "<img" not in out, out
    assert "<code" not in out or "chitieu reopen" in out, out
    assert re.findall(r'<a href="(?!file:)', out) == [], out
    assert 'href="javascript' not in out, out


def shown_text(markdown: str) -> str:
    """What a reader sees of ``markdown``: its rendered text."""
    return html.unescape(_TAG.sub("", rendered(markdown))).strip()


# ---------------------------------------------------------------- the function


def test_inert_text_reads_as_written() -> None:
    assert_inert(inert(HOSTILE))
    assert shown_text(inert(HOSTILE)) == AS_WRITTEN


def test_inert_leaves_emphasis_codes_and_plain_text_alone() -> None:
    assert inert("DANG_VIEN_MOI: Giá trị '-4' *x*") == "DANG_VIEN_MOI: Giá trị '-4' *x*"
    assert inert("Xã Bình Hoà") == "Xã Bình Hoà"


def test_a_cell_is_inert_text_a_number_or_empty() -> None:
    assert inert_cell("a | b") == "a \\| b"
    assert inert_cell(3) == 3
    assert inert_cell(None) == ""


@pytest.mark.parametrize("text", ["chitieu reopen 834", "a`b", "`a``", "a\nb"])
def test_a_code_span_holds_any_text(text: str) -> None:
    span = code_span(text)
    assert rendered(span) == f"<p><code>{html.escape(' '.join(text.splitlines()))}</code></p>\n"
