"""Which indicator a quoted figure speaks of: by its numbers, its words, or both.

1. A code written beside it (a table's code column) decides.
2. An indicator whose published actual and target both read as the quoted pair (at the
   precision written) is the figure's, unless its name is absent from the words around
   the figure while another indicator's name is plainly there. Several such indicators
   (the same numbers) are told apart by the words; a tie is reported, not guessed.
3. Otherwise the words decide alone, when they name an indicator clearly (most of its
   name's weight), or fairly well with one of the two numbers agreeing. The figure is
   then the indicator's, with numbers that the verdict will say are not the revision's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from chitieu.narrative.figures import Figure
from chitieu.narrative.numbers import Written, same_as_written
from chitieu.narrative.revision import Published
from chitieu.narrative.words import NameIndex

CLEAR: Final = 0.6
"""Words alone name an indicator when they carry this share of its name's weight."""
FAIR: Final = 0.35
"""With one number agreeing, this share will do."""
ABSENT: Final = 0.2
"""Below this, the indicator's name is not in the figure's words at all."""
MARGIN: Final = 0.1
"""Words choose between candidates only when one leads the next by this much."""


@dataclass(frozen=True)
class Match:
    indicator: Published | None
    method: str
    """``code``, ``numbers``, ``numbers+words``, ``words``, or empty when unmatched."""
    words: float = 0.0
    ambiguous: tuple[str, ...] = ()
    """The indicators a figure matches equally well, when it cannot choose."""


def name_index(indicators: tuple[Published, ...]) -> NameIndex:
    return NameIndex({i.code: (i.name, i.name_en) for i in indicators})


def _reads_as(written: Written | None, value: float | None) -> bool:
    return written is not None and value is not None and same_as_written(written, value)


def _best(candidates: list[Published], scores: dict[str, float]) -> Match:
    """The candidate the words favour, unless another comes within `MARGIN` of it (or
    none is named at all): then the ones that tie."""
    ranked = sorted(candidates, key=lambda c: scores[c.code], reverse=True)
    top = scores[ranked[0].code]
    tied = [c.code for c in ranked if top - scores[c.code] < MARGIN]
    if len(tied) > 1 or (len(ranked) > 1 and top < ABSENT):
        close = set(tied) if len(tied) > 1 else {c.code for c in ranked}
        return Match(None, "", top, tuple(c.code for c in candidates if c.code in close))
    return Match(ranked[0], "", top)


def match_figure(figure: Figure, indicators: tuple[Published, ...], names: NameIndex) -> Match:
    """The indicator ``figure`` quotes, or an unmatched `Match` (possibly ambiguous)."""
    if figure.code:
        found = [i for i in indicators if i.code.casefold() == figure.code.casefold()]
        if found:
            return Match(found[0], "code", 1.0)
    if not indicators or figure.kind == "class_count":
        return Match(None, "")
    scores = names.scores(figure.context)
    by_words = _best(list(indicators), scores)
    if figure.kind in ("pair", "row"):
        both = [
            i
            for i in indicators
            if _reads_as(figure.actual, i.actual) and _reads_as(figure.target, i.target)
        ]
        if both:
            chosen = _best(both, scores)
            words_elsewhere = by_words.indicator is not None and by_words.words >= CLEAR
            if chosen.indicator is None:
                return chosen  # the same numbers, and words that cannot choose
            if chosen.words >= ABSENT or not words_elsewhere:
                method = "numbers+words" if chosen.words >= FAIR else "numbers"
                return Match(chosen.indicator, method, chosen.words)
    if by_words.indicator is None:
        return Match(None, "", by_words.words, by_words.ambiguous if by_words.words >= FAIR else ())
    best = by_words.indicator
    if by_words.words >= CLEAR or (by_words.words >= FAIR and _one_number_agrees(figure, best)):
        return Match(best, "words", by_words.words)
    return Match(None, "", by_words.words)


def _one_number_agrees(figure: Figure, indicator: Published) -> bool:
    if figure.kind == "percent" and figure.percent is not None:
        return _reads_as(figure.percent.written, indicator.percent)
    return _reads_as(figure.actual, indicator.actual) or _reads_as(figure.target, indicator.target)
