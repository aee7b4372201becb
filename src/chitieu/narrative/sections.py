"""Which unit a draft's figures speak of, where the draft gives units sections of their
own: the review report's annex (a table for each unit, under a heading such as
``### 28987 Xã Phong Nẫm``, or in Word one table with a row naming each unit before its
rows), or a district's draft with a part for each commune.

A heading names a unit of the revision when its text, numbering such as ``1.`` or ``II.``
left out, is the unit's code and name (``28987 Xã Phong Nẫm``, ``28987 - Xã Phong
Nẫm``), its name and code (``Xã Phong Nẫm (28987)``), or its name alone when no other
unit of the revision bears it; compared in NFC, case-folded, spaces collapsed. Its figures
are that unit's until the next heading of the same or a higher level. In a table, a row
whose cells (but empty ones) hold one text that names a unit makes the rows after it that
unit's, up to the next such row or the end of the table. Everything else is the unit the
draft is checked for (``--org``).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Final

from chitieu.narrative.draft import HEADING, Draft, Where
from chitieu.narrative.words import normalise

_NUMBERING: Final = re.compile(r"(?:\d+(?:\.\d+)*[.)]|[IVXLCDM]+[.)]|[a-zđ][.)])\s+", re.I)
_MARKDOWN_ESCAPE: Final = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_CLOSING_MARKS: Final = re.compile(r"\s+#+\s*$")


def _plain(text: str) -> str:
    """As names are compared: entities read (the report escapes ``&``, ``<``, ``>``),
    `normalise`d, a closing colon or full stop left out."""
    return normalise(html.unescape(text)).strip(" :.")


def _borne_once(names: Mapping[str, str]) -> dict[str, str]:
    """Plain name → code, for the names that one unit alone bears."""
    bearers = Counter(_plain(name) for name in names.values())
    return {_plain(name): code for code, name in names.items() if bearers[_plain(name)] == 1}


def unit_namer(names: Mapping[str, str]) -> Callable[[str], str | None]:
    """The function that tells which unit (its code) a heading's text names, of
    ``names`` (code → the unit's name as the review names it), or None."""
    said: dict[str, str] = {}
    for code, name in names.items():
        plain, key = _plain(name), _plain(code)
        for form in (f"{key} {plain}", f"{key} - {plain}", f"{key} – {plain}", f"{plain} ({key})"):
            said[form] = code
    for plain, code in _borne_once(names).items():
        said.setdefault(plain, code)

    def named(text: str) -> str | None:
        marks = HEADING.match(text)
        text = text[marks.end() :] if marks else text
        plain = _plain(_CLOSING_MARKS.sub("", _MARKDOWN_ESCAPE.sub(r"\1", text)))
        numbered = _NUMBERING.match(plain)
        return said.get(plain) or (numbered and said.get(plain[numbered.end() :])) or None

    return named


def unit_sections(draft: Draft, named: Callable[[str], str | None]) -> dict[Where, str]:
    """The unit (code) of each place of ``draft`` inside a unit's section (`Where` of a
    paragraph, a text line or a table cell); places outside every section are absent."""
    sections: dict[Where, str] = {}
    open_: list[tuple[int, str | None]] = []  # (heading level, the unit it names)
    for segment in draft.segments:
        if segment.heading is not None:  # a heading is in the section it opens
            open_ = [(level, unit) for level, unit in open_ if level < segment.heading]
            open_.append((segment.heading, named(segment.text)))
        unit = next((unit for _, unit in reversed(open_) if unit is not None), None)
        if unit is not None:
            sections[segment.where] = unit
    for table in draft.tables:
        unit = None
        for row in table.rows:
            said = _row_unit(cell.text for cell in row)
            found = None if said is None else named(said)
            if found is not None:
                unit = found
            elif unit is not None:
                sections.update((cell.where, unit) for cell in row)
    return sections


def _row_unit(cells: Iterable[str]) -> str | None:
    """The one text of a row whose cells, but empty ones, all hold it (Word's merged
    cells, a Markdown row with one cell filled)."""
    texts = {" ".join(text.split()) for text in cells} - {""}
    return texts.pop() if len(texts) == 1 else None


_LONGEST_NAME: Final = 8
"""Syllables of the longest unit name looked for in a clause (``Thành phố Hồ Chí Minh``)."""


def unit_mentioner(names: Mapping[str, str]) -> Callable[[str], str | None]:
    """The function that tells which unit (its code) a figure's clause names last, by
    its whole name (``xã Phong Nẫm``), or None: names that several units of the revision
    bear count only with the code, which prose does not write."""
    said = _borne_once(names)
    longest = min(_LONGEST_NAME, max((len(n.split()) for n in said), default=0))

    def mentioned(clause: str) -> str | None:
        words = _plain(clause).replace(",", " ").split()
        for end in range(len(words), 0, -1):  # the last name written wins
            for size in range(min(longest, end), 0, -1):
                found = said.get(" ".join(words[end - size : end]))
                if found is not None:
                    return found
        return None

    return mentioned
