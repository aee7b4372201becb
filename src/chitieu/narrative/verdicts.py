"""A verdict on each quoted figure, judged as a reader reads it.

A number is read at the precision it is written with: ``78,46 %`` states two decimals,
``270 %`` none, and ``1.752`` is 1752 whatever the revision holds past the units. A
percent with a qualifier states a range:

- ``hơn X`` / ``trên X`` (more than X): the value is above X and rounds to X at the
  precision written, so "hơn 64,5 %" is 64,54 % (agrees as written) but not 53,09 % for
  "hơn 52,2 %", which understates it by 0,89 points;
- ``gần X`` (nearly X): below X, rounding to X;
- ``khoảng X`` (about X) and a plain ``X``: rounds to X.

The percent is judged against the revision's exact ratio actual / target (not its
two-decimal rounding), or its published percent for a ``decrease`` indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chitieu.narrative.draft import Segment
from chitieu.narrative.figures import ABOVE, BELOW, EXACT, Figure, Percent
from chitieu.narrative.matching import Match, match_figure
from chitieu.narrative.numbers import (
    Written,
    as_decimal,
    format_decimal,
    round_half_away,
    same_as_written,
    threshold_words,
)
from chitieu.narrative.revision import Published, RevisionFigures
from chitieu.narrative.words import NameIndex
from chitieu.report import format_number, format_percent

AGREES, AS_WRITTEN, DISAGREES, NOT_MATCHED = (
    "agrees",
    "agrees_as_written",
    "disagrees",
    "not_matched",
)
VERDICT_WORDS: Final = {
    AGREES: "khớp / agrees",
    AS_WRITTEN: "khớp theo cách viết / agrees as written",
    DISAGREES: "KHÔNG KHỚP / disagrees",
    NOT_MATCHED: "không rõ chỉ tiêu / not matched",
}
CLASS_WORDS: Final = {
    "exceeded": ("thực hiện vượt", "exceeded"),
    "basically_achieved": ("cơ bản đạt", "basically achieved"),
    "on_track": ("đạt từ {h}% trở lên", "{h}% or more"),
    "below_half": ("đạt dưới {h}%", "below {h}%"),
    "not_started": ("chưa thực hiện", "not started"),
    "year_end": ("đánh giá vào cuối năm", "judged at year end"),
}


@dataclass(frozen=True)
class Note:
    """Why a figure disagrees (or is not matched), in Vietnamese and English."""

    vi: str
    en: str

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"


@dataclass(frozen=True)
class Judgement:
    agrees: bool
    value: Decimal
    difference: Decimal
    """value − stated, in points: above zero the text understates the value."""


@dataclass(frozen=True)
class FigureCheck:
    """One quoted figure, where it is, what it was matched to, and the verdict."""

    figure: Figure
    segment: Segment
    verdict: str
    indicator: Published | None = None
    method: str = ""
    notes: tuple[Note, ...] = ()
    published: str = ""
    trace: str | None = None
    difference: Decimal | None = None
    org_unit_code: str | None = None
    """The unit whose section of the draft the figure is in, when it is not the unit the
    draft is checked for (`chitieu.narrative.sections`)."""

    @property
    def where(self) -> str:
        return self.segment.where.describe(self.segment.text, self.figure.start)

    @property
    def line(self) -> int | None:
        return self.segment.where.number(self.segment.text, self.figure.start)


def judge(percent: Percent, value: Decimal) -> Judgement:
    """Whether ``value`` (a percent) makes the statement true, read as a reader would."""
    stated = percent.written.value
    shown = round_half_away(value, percent.written.decimals)
    if percent.qualifier == ABOVE:
        agrees = value > stated and shown == stated
    elif percent.qualifier == BELOW:
        agrees = value < stated and shown == stated
    else:  # EXACT, ABOUT
        agrees = shown == stated
    return Judgement(agrees, value, value - stated)


def percent_value(indicator: Published) -> Decimal | None:
    """The percent of target at full precision: actual / target × 100 for an increase,
    the published (two-decimal) percent for a decrease, whose baseline is not stored."""
    if indicator.direction == "increase" and indicator.actual is not None and indicator.target:
        return as_decimal(indicator.actual) * 100 / as_decimal(indicator.target)
    return None if indicator.percent is None else as_decimal(indicator.percent)


def check_figure(
    figure: Figure, segment: Segment, revision: RevisionFigures, names: NameIndex, lang: str
) -> FigureCheck:
    if figure.kind == "class_count":
        return _check_class_count(figure, segment, revision, lang)
    match = match_figure(figure, revision.indicators, names)
    if match.indicator is None:
        return FigureCheck(figure, segment, NOT_MATCHED, notes=(_unmatched(match),))
    indicator = match.indicator
    notes: list[Note] = []
    difference: Decimal | None = None
    qualified = False
    for written, value, vi, en in (
        (figure.actual, indicator.actual, "thực hiện", "actual"),
        (figure.target, indicator.target, "kế hoạch", "target"),
    ):
        if written is not None and (value is None or not same_as_written(written, value)):
            shown = format_number(value, lang)
            notes.append(
                Note(
                    f"{vi} ghi {written.text}, bản công bố là {shown}",
                    f"{en} written {written.text}, the revision has {shown}",
                )
            )
    numbers_agree = not notes
    percent = figure.percent
    if percent is not None:
        against = _stated_against(figure, indicator)
        verdict = None if against is None else judge(percent, against)
        if verdict is not None and verdict.agrees:
            qualified = percent.qualifier != EXACT
        elif verdict is not None:
            notes.append(_percent_note(percent, verdict, lang))
            difference = verdict.difference
        if not numbers_agree and indicator.direction == "increase":
            notes += _ratio_note(figure, percent, lang)
    outcome = DISAGREES if notes else (AS_WRITTEN if qualified else AGREES)
    return FigureCheck(
        figure,
        segment,
        outcome,
        indicator,
        match.method,
        tuple(notes),
        _published(indicator, lang),
        revision.trace_command(indicator.code),
        difference,
    )


def _stated_against(figure: Figure, indicator: Published) -> Decimal | None:
    """What a quoted percent is compared with: a rate indicator's (unit ``%``) own value
    when the percent is not said to be of the target, else the percent of target."""
    percent = figure.percent
    is_rate = indicator.unit.strip() == "%" and figure.kind == "percent"
    if is_rate and percent is not None and not percent.of_target:
        return None if indicator.actual is None else as_decimal(indicator.actual)
    return percent_value(indicator)


def _phrase(percent: Percent) -> str:
    return f"{percent.said} {percent.written.text}%".strip()


def _percent_note(percent: Percent, verdict: Judgement, lang: str) -> Note:
    phrase = _phrase(percent)
    value = format_percent(float(round_half_away(verdict.value, 2)), lang)
    points = format_decimal(abs(verdict.difference), lang)
    if abs(verdict.difference) < Decimal("0.005") and percent.qualifier in (ABOVE, BELOW):
        more_vi, more_en = ("hơn", "more") if percent.qualifier == ABOVE else ("kém", "less")
        return Note(
            f"“{phrase}”: giá trị là {value}, không {more_vi}",
            f"“{phrase}”: the value is {value}, not {more_en}",
        )
    if verdict.difference > 0:
        return Note(
            f"“{phrase}” thấp hơn giá trị {value} {points} điểm phần trăm",
            f"“{phrase}” understates {value} by {points} points",
        )
    return Note(
        f"“{phrase}” cao hơn giá trị {value} {points} điểm phần trăm",
        f"“{phrase}” overstates {value} by {points} points",
    )


def _ratio_note(figure: Figure, percent: Percent, lang: str) -> list[Note]:
    """The percent against the quoted numbers themselves (when they are not the
    revision's): is it at least their own ratio?"""
    if figure.actual is None or figure.target is None or not figure.target.value:
        return []
    ratio = figure.actual.value * 100 / figure.target.value
    if judge(percent, ratio).agrees:
        return []
    shown = format_percent(float(round_half_away(ratio, 2)), lang)
    pair = f"{figure.actual.text}/{figure.target.text}"
    return [
        Note(
            f"“{_phrase(percent)}” không phải tỷ lệ {pair} = {shown}",
            f"“{_phrase(percent)}” is not the ratio {pair} = {shown}",
        )
    ]


def _published(indicator: Published, lang: str) -> str:
    return (
        f"{format_number(indicator.actual, lang)}/{format_number(indicator.target, lang)}"
        f" = {format_percent(indicator.percent, lang)}"
    )


def _unmatched(match: Match) -> Note:
    if match.ambiguous:
        codes = ", ".join(match.ambiguous)
        return Note(
            f"khớp như nhau với nhiều chỉ tiêu: {codes}",
            f"matches several indicators equally: {codes}",
        )
    return Note(
        "không chỉ tiêu nào của bản công bố có các số hoặc tên này",
        "no indicator of the revision has these numbers or this name",
    )


def _class_words(name: str, revision: RevisionFigures, lang: str) -> tuple[str, str]:
    half = threshold_words(revision.on_track, lang)
    vi, en = CLASS_WORDS[name]
    return vi.format(h=half), en.format(h=half)


def _check_class_count(
    figure: Figure, segment: Segment, revision: RevisionFigures, lang: str
) -> FigureCheck:
    counts = revision.counts
    name = figure.class_name
    if name is None or figure.actual is None or figure.target is None:
        note = Note("không rõ nhóm đánh giá nào", "the class is not named")
        return FigureCheck(figure, segment, NOT_MATCHED, notes=(note,))
    expected = int(getattr(counts, name))
    vi, en = _class_words(name, revision, lang)
    notes = []
    if not _is(figure.actual, expected) or not _is(figure.target, counts.total):
        notes.append(
            Note(
                f"ghi {figure.actual.text}/{figure.target.text}, bản công bố có "
                f"{expected}/{counts.total} chỉ tiêu {vi}",
                f"written {figure.actual.text}/{figure.target.text}, the revision has "
                f"{expected}/{counts.total} indicators {en}",
            )
        )
    published = f"{expected}/{counts.total}"
    if name == "below_half":
        published += f" ({counts.not_started})"
        if figure.not_started is not None and not _is(figure.not_started, counts.not_started):
            notes.append(
                Note(
                    f"ghi {figure.not_started.text} chỉ tiêu chưa thực hiện, bản công bố có "
                    f"{counts.not_started}",
                    f"written {figure.not_started.text} not started, the revision has "
                    f"{counts.not_started}",
                )
            )
    return FigureCheck(
        figure,
        segment,
        DISAGREES if notes else AGREES,
        method="class",
        notes=tuple(notes),
        published=published,
    )


def _is(written: Written, count: int) -> bool:
    return written.decimals == 0 and written.value == count
