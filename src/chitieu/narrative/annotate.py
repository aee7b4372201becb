"""An annotated copy of a Word draft: a comment on each figure that disagrees.

The copy is made from the draft's bytes as read; the officer's file is never opened for
writing. A comment covers exactly the figure's words: the run holding them is split at
the figure's edges (each piece keeps the run's formatting), unless the run holds more
than plain text (a tab, a break), in which case the whole run is covered.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable
from typing import Any

from chitieu.errors import DraftError
from chitieu.narrative.draft import Draft, open_word, paragraph_runs, word_paragraphs
from chitieu.narrative.verdicts import DISAGREES, VERDICT_WORDS, FigureCheck
from chitieu.numbers import whole_number

AUTHOR = "chitieu"
INITIALS = "CT"


def comment_text(check: FigureCheck) -> str:
    """The comment: verdict and quote, each reason in Vietnamese then English, the
    published figure and the command that traces it."""
    lines = [f"{VERDICT_WORDS[check.verdict]}: {check.figure.quoted}"]
    for note in check.notes:
        lines += [note.vi, note.en]
    if check.published:
        lines.append(f"công bố / published: {check.published}")
    if check.trace:
        lines.append(f"xem / see: {check.trace}")
    return "\n".join(lines)


def annotated_copy(draft: Draft, checks: Iterable[FigureCheck]) -> tuple[bytes, int]:
    """The draft with a comment on each disagreeing figure; and how many comments."""
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    document = open_word(draft.name, draft.content)
    _refuse_unnumbered_comments(draft.name, document)
    paragraphs = word_paragraphs(document)
    body = document._body
    count = 0
    for check in checks:
        if check.verdict != DISAGREES or check.segment.anchor < 0:
            continue
        element = paragraphs[check.segment.anchor][1]
        runs = _isolate(element, check.figure.start, check.figure.end)
        if not runs:
            continue
        paragraph = Paragraph(element, body)
        document.add_comment(
            [Run(r, paragraph) for r in runs],
            text=comment_text(check),
            author=AUTHOR,
            initials=INITIALS,
        )
        count += 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), count


def _refuse_unnumbered_comments(name: str, document: Any) -> None:
    """`DraftError` when a comment the draft already holds has an id that is no whole
    number (``w:id="abc"``: Word never writes one, a script can): python-docx numbers a
    new comment after the highest id, and stopped with a ValueError (exit 70)."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    from chitieu.shown import clipped

    try:  # asking python-docx for the comments part would add an empty one
        part = document.part.part_related_by(RELATIONSHIP_TYPE.COMMENTS)
    except KeyError:
        return
    ids = part.element.xpath("./w:comment/@w:id")
    # python-docx numbers a new one after int() of each: a number of Word's 32 bits only
    bad = next((i for i in ids if whole_number(i, -(2**31), 2**31 - 1) is None), None)
    if bad is not None:
        raise DraftError(
            f"{name}: một ghi chú (comment) của bản thảo có mã không phải số "
            f"({clipped(bad)!r}): mở và lưu lại trong Word / a comment of the draft has an "
            f"id that is no number ({clipped(bad)!r}): open and save it in Word; no annotated "
            "copy written"
        )


def _offsets(paragraph: Any) -> list[tuple[Any, int, int]]:
    found, at = [], 0
    for run in paragraph_runs(paragraph):
        length = len(run.text)
        found.append((run, at, at + length))
        at += length
    return found


def _split(run: Any, at: int) -> None:
    """Cut a plain-text run in two at ``at``, both halves keeping its formatting."""
    from docx.oxml.ns import qn

    content = [c for c in run if c.tag != qn("w:rPr")]
    if len(content) != 1 or content[0].tag != qn("w:t"):
        return
    text = content[0].text or ""
    right = copy.deepcopy(run)
    for element, piece in ((content[0], text[:at]), (right.find(qn("w:t")), text[at:])):
        element.text = piece
        element.set(qn("xml:space"), "preserve")
    run.addnext(right)


def _isolate(paragraph: Any, start: int, end: int) -> list[Any]:
    """The runs covering [start, end) of the paragraph's text, split at its edges."""
    for edge in (start, end):
        for run, begin, finish in _offsets(paragraph):
            if begin < edge < finish:
                _split(run, edge - begin)
                break
    return [r for r, b, f in _offsets(paragraph) if b < end and f > start]
