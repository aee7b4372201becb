"""Check every figure a draft quotes against a revision: the whole job, as one function."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Final

from chitieu.errors import DraftError
from chitieu.narrative.draft import Draft, Segment
from chitieu.narrative.figures import Figure, find_figures
from chitieu.narrative.matching import name_index
from chitieu.narrative.numbers import detect_lang, threshold_words
from chitieu.narrative.revision import RevisionFigures, RevisionUnits
from chitieu.narrative.sections import unit_mentioner, unit_namer, unit_sections
from chitieu.narrative.tables import table_figures
from chitieu.narrative.verdicts import (
    AGREES,
    AS_WRITTEN,
    DISAGREES,
    NOT_MATCHED,
    FigureCheck,
    check_figure,
)
from chitieu.narrative.words import NameIndex
from chitieu.shown import count_en, count_vi

MAX_FIGURES: Final = 50_000
"""A draft quoting more figures than this is refused before they are judged (each
against every indicator's names, some 0.1 ms): the national report chitieu writes
quotes 2,564."""


@dataclass(frozen=True)
class DraftCheck:
    draft: Draft
    lang: str
    revision: RevisionFigures
    figures: tuple[FigureCheck, ...]
    sections: dict[str, RevisionFigures] = field(default_factory=dict)
    """The other units the draft speaks of (in a section, or named in a figure's clause:
    `chitieu.narrative.sections`), by code: a figure with an ``org_unit_code`` was checked
    against that unit's figures."""

    def figures_of(self, check: FigureCheck) -> RevisionFigures:
        """The unit's figures ``check`` was judged against."""
        if check.org_unit_code is None:
            return self.revision
        return self.sections[check.org_unit_code]

    def counts(self) -> dict[str, int]:
        found = Counter(f.verdict for f in self.figures)
        return {v: found[v] for v in (AGREES, AS_WRITTEN, DISAGREES, NOT_MATCHED)}

    @property
    def agrees(self) -> bool:
        """Every figure matched to the revision agrees (unmatched ones are listed only)."""
        return all(f.verdict != DISAGREES for f in self.figures)


def check_draft(
    draft: Draft, revision: RevisionFigures, units: RevisionUnits | None = None
) -> DraftCheck:
    """Find, match and judge every figure of ``draft`` against ``revision``; with
    ``units``, a figure whose clause names another unit of the revision, or that stands
    in a section of the draft naming one (`chitieu.narrative.sections`), against that
    unit's figures."""
    lang = detect_lang(" ".join(s.text for s in draft.segments))
    half = threshold_words(revision.on_track, lang)
    names = {} if units is None else units.names
    named = unit_sections(draft, unit_namer(names))
    mentioned = unit_mentioner(names)
    sections: dict[str, RevisionFigures] = {}
    indexes: dict[tuple[str, ...], NameIndex] = {}

    def of(segment: Segment, figure: Figure | None = None) -> RevisionFigures:
        """The unit's figures the segment's figure is judged against."""
        code = (figure and mentioned(figure.clause)) or named.get(segment.where)
        if units is None or code is None or code == revision.org_unit_code:
            return revision
        if code not in sections:
            sections[code] = units.figures(code)
        return sections[code]

    def names_of(unit: RevisionFigures) -> NameIndex:
        key = tuple(i.code for i in unit.indicators)  # the names are the catalog's
        if key not in indexes:
            indexes[key] = name_index(unit.indicators)
        return indexes[key]

    tables = table_figures(draft.tables, lang)
    found = list(tables.figures)
    for segment in draft.segments:
        if len(found) > MAX_FIGURES:
            break
        if segment.where in tables.cells:
            continue
        total = of(segment).counts.total
        allowance = MAX_FIGURES - len(found)  # a longer paragraph is read no further
        figures = find_figures(segment.text, lang, total, half, allowance)
        found += [(segment, figure) for figure in figures]
    if len(found) > MAX_FIGURES:
        raise DraftError(
            f"{draft.name}: bản thảo có hơn {count_vi(MAX_FIGURES)} số liệu, nhiều hơn mọi báo "
            f"cáo / the draft quotes more than {count_en(MAX_FIGURES)} figures, more than any "
            "report"
        )
    found.sort(key=lambda item: (item[0].anchor, item[0].where.line or 0, item[1].start))
    checks = []
    for segment, figure in found:
        unit = of(segment, figure)
        check = check_figure(figure, segment, unit, names_of(unit), lang)
        if unit is not revision:
            check = replace(check, org_unit_code=unit.org_unit_code)
        checks.append(check)
    return DraftCheck(draft, lang, revision, tuple(checks), sections)
