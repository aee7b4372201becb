"""Check every figure a draft quotes against a revision: the whole job, as one function."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from chitieu.narrative.draft import Draft, Segment, Where
from chitieu.narrative.figures import find_figures
from chitieu.narrative.matching import name_index
from chitieu.narrative.numbers import detect_lang, threshold_words
from chitieu.narrative.revision import RevisionFigures, RevisionUnits
from chitieu.narrative.sections import unit_namer, unit_sections
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


@dataclass(frozen=True)
class DraftCheck:
    draft: Draft
    lang: str
    revision: RevisionFigures
    figures: tuple[FigureCheck, ...]
    sections: dict[str, RevisionFigures] = field(default_factory=dict)
    """The units whose sections the draft has (`chitieu.narrative.sections`), by code:
    a figure with an ``org_unit_code`` was checked against that unit's figures."""

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
    ``units``, a figure in a section of the draft that names another unit of the
    revision against that unit's figures."""
    lang = detect_lang(" ".join(s.text for s in draft.segments))
    half = threshold_words(revision.on_track, lang)
    named: dict[Where, str] = {}
    sections: dict[str, RevisionFigures] = {}
    if units is not None:
        named = unit_sections(draft, unit_namer(units.names))
        others = sorted(set(named.values()) - {revision.org_unit_code})
        sections = {code: units.figures(code) for code in others}
    # the names are the catalog's: one index for each set of indicators a unit has
    indexes: dict[tuple[str, ...], NameIndex] = {}
    names = {}
    for figures in (revision, *sections.values()):
        key = tuple(i.code for i in figures.indicators)
        if key not in indexes:
            indexes[key] = name_index(figures.indicators)
        names[figures.org_unit_code] = indexes[key]

    def of(segment: Segment) -> RevisionFigures:
        return sections.get(named.get(segment.where, ""), revision)

    tables = table_figures(draft.tables, lang)
    found = list(tables.figures)
    for segment in draft.segments:
        if segment.where in tables.cells:
            continue
        total = of(segment).counts.total
        found += [(segment, figure) for figure in find_figures(segment.text, lang, total, half)]
    found.sort(key=lambda item: (item[0].anchor, item[0].where.line or 0, item[1].start))
    checks = []
    for segment, figure in found:
        unit = of(segment)
        check = check_figure(figure, segment, unit, names[unit.org_unit_code], lang)
        if unit is not revision:
            check = replace(check, org_unit_code=unit.org_unit_code)
        checks.append(check)
    return DraftCheck(draft, lang, revision, tuple(checks), sections)
