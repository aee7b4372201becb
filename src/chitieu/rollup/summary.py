"""Class counts and the summary sentence of a review, in the article's words (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chitieu.config.catalog import Classification
from chitieu.rollup.indicators import CLASSES


@dataclass(frozen=True)
class ClassCounts:
    total: int
    exceeded: int
    basically_achieved: int
    on_track: int
    below_half: int
    """Includes ``not_started``, as the article counts them."""
    not_started: int
    year_end: int
    no_target: int

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ("total", *CLASSES)}


def class_counts(indicators: pl.DataFrame) -> ClassCounts:
    """Counts over one unit's indicators (``class`` column)."""
    counts = dict(indicators.group_by("class").len().iter_rows())
    return ClassCounts(
        total=indicators.height,
        exceeded=counts.get("exceeded", 0),
        basically_achieved=counts.get("basically_achieved", 0),
        on_track=counts.get("on_track", 0),
        below_half=counts.get("below_half", 0) + counts.get("not_started", 0),
        not_started=counts.get("not_started", 0),
        year_end=counts.get("year_end", 0),
        no_target=counts.get("no_target", 0),
    )


def _fmt_threshold(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "vi" else text


def summary_sentence(
    counts: ClassCounts,
    lang: str = "vi",
    thresholds: Classification | None = None,
    mid_year: bool = True,
) -> str:
    """The review's one-line summary. The year-end clause appears in a mid-year review,
    the no-target clause only when some indicator has no target."""
    t = counts.total
    half = _fmt_threshold((thresholds or Classification()).on_track, lang)
    if lang == "vi":
        parts = [
            f"thực hiện vượt {counts.exceeded}/{t} chỉ tiêu",
            f"cơ bản đạt {counts.basically_achieved}/{t} chỉ tiêu",
            f"{counts.on_track}/{t} chỉ tiêu đạt từ {half}% trở lên",
            f"{counts.below_half}/{t} chỉ tiêu đạt dưới {half}%"
            + (
                f", trong đó có {counts.not_started} chỉ tiêu chưa thực hiện"
                if counts.not_started
                else ""
            ),
        ]
        if mid_year:
            parts.append(f"{counts.year_end}/{t} chỉ tiêu đánh giá vào cuối năm")
        if counts.no_target:
            parts.append(f"{counts.no_target}/{t} chỉ tiêu chưa được giao kế hoạch")
        return "; ".join(parts)
    parts = [
        f"exceeded {counts.exceeded}/{t} indicators",
        f"basically achieved {counts.basically_achieved}/{t}",
        f"{counts.on_track}/{t} at {half}% or more",
        f"{counts.below_half}/{t} below {half}%"
        + (f", of which {counts.not_started} not started" if counts.not_started else ""),
    ]
    if mid_year:
        parts.append(f"{counts.year_end}/{t} judged at year end")
    if counts.no_target:
        parts.append(f"{counts.no_target}/{t} without a target")
    return "; ".join(parts)
