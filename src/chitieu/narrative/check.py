"""Check every figure a draft quotes against a revision: the whole job, as one function."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chitieu.narrative.draft import Draft
from chitieu.narrative.figures import find_figures
from chitieu.narrative.matching import name_index
from chitieu.narrative.numbers import detect_lang, threshold_words
from chitieu.narrative.revision import RevisionFigures
from chitieu.narrative.tables import table_figures
from chitieu.narrative.verdicts import (
    AGREES,
    AS_WRITTEN,
    DISAGREES,
    NOT_MATCHED,
    FigureCheck,
    check_figure,
)


@dataclass(frozen=True)
class DraftCheck:
    draft: Draft
    lang: str
    revision: RevisionFigures
    figures: tuple[FigureCheck, ...]

    def counts(self) -> dict[str, int]:
        found = Counter(f.verdict for f in self.figures)
        return {v: found[v] for v in (AGREES, AS_WRITTEN, DISAGREES, NOT_MATCHED)}

    @property
    def agrees(self) -> bool:
        """Every figure matched to the revision agrees (unmatched ones are listed only)."""
        return all(f.verdict != DISAGREES for f in self.figures)


def check_draft(draft: Draft, revision: RevisionFigures) -> DraftCheck:
    """Find, match and judge every figure of ``draft`` against ``revision``."""
    lang = detect_lang(" ".join(s.text for s in draft.segments))
    names = name_index(revision.indicators)
    half = threshold_words(revision.on_track, lang)
    tables = table_figures(draft.tables, lang)
    found = list(tables.figures)
    for segment in draft.segments:
        if segment.where in tables.cells:
            continue
        found += [
            (segment, figure)
            for figure in find_figures(segment.text, lang, revision.counts.total, half)
        ]
    found.sort(key=lambda item: (item[0].anchor, item[0].where.line or 0, item[1].start))
    checks = tuple(check_figure(f, s, revision, names, lang) for s, f in found)
    return DraftCheck(draft, lang, revision, checks)
