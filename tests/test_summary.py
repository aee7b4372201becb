"""Class counts and the review's summary sentence, in the article's words (SPEC §3)."""

from __future__ import annotations

import polars as pl
import pytest
from rollup_helpers import MakeConfig, element, indicator, values

from chitieu.config.catalog import Classification
from chitieu.rollup import ClassCounts, class_counts, roll_up, summary_sentence

ARTICLE_VI = (
    "thực hiện vượt 2/31 chỉ tiêu; cơ bản đạt 4/31 chỉ tiêu; 15/31 chỉ tiêu đạt từ 50% trở lên; "
    "7/31 chỉ tiêu đạt dưới 50%, trong đó có 2 chỉ tiêu chưa thực hiện; "
    "3/31 chỉ tiêu đánh giá vào cuối năm"
)


def classes(**how_many: int) -> pl.DataFrame:
    """One indicator row per count, with its ``class``."""
    labels = [name for name, n in how_many.items() for _ in range(n)]
    return pl.DataFrame(
        {"indicator_code": [f"CT{i:02d}" for i in range(1, len(labels) + 1)], "class": labels}
    )


ARTICLE = classes(
    exceeded=2, basically_achieved=4, on_track=15, below_half=5, not_started=2, year_end=3
)


def test_class_counts_of_the_article() -> None:
    counts = class_counts(ARTICLE)
    assert counts == ClassCounts(
        total=31,
        exceeded=2,
        basically_achieved=4,
        on_track=15,
        below_half=7,  # the article's 7 include the 2 not started
        not_started=2,
        year_end=3,
        no_target=0,
    )
    assert counts.as_dict() == {
        "total": 31,
        "exceeded": 2,
        "basically_achieved": 4,
        "on_track": 15,
        "below_half": 7,
        "not_started": 2,
        "year_end": 3,
        "no_target": 0,
    }


def test_the_articles_sentence_in_vietnamese() -> None:
    assert summary_sentence(class_counts(ARTICLE)) == ARTICLE_VI
    assert summary_sentence(class_counts(ARTICLE), lang="vi") == ARTICLE_VI


def test_the_articles_sentence_in_english() -> None:
    assert summary_sentence(class_counts(ARTICLE), lang="en") == (
        "exceeded 2/31 indicators; basically achieved 4/31; 15/31 at 50% or more; "
        "7/31 below 50%, of which 2 not started; 3/31 judged at year end"
    )


def test_nothing_not_started_drops_the_clause() -> None:
    counts = class_counts(classes(exceeded=1, below_half=2))
    assert summary_sentence(counts) == (
        "thực hiện vượt 1/3 chỉ tiêu; cơ bản đạt 0/3 chỉ tiêu; 0/3 chỉ tiêu đạt từ 50% trở lên; "
        "2/3 chỉ tiêu đạt dưới 50%; 0/3 chỉ tiêu đánh giá vào cuối năm"
    )
    assert "of which" not in summary_sentence(counts, lang="en")


def test_the_year_review_has_no_year_end_clause() -> None:
    counts = class_counts(classes(exceeded=1, not_started=1))
    assert summary_sentence(counts, mid_year=False) == (
        "thực hiện vượt 1/2 chỉ tiêu; cơ bản đạt 0/2 chỉ tiêu; 0/2 chỉ tiêu đạt từ 50% trở lên; "
        "1/2 chỉ tiêu đạt dưới 50%, trong đó có 1 chỉ tiêu chưa thực hiện"
    )
    assert "year end" not in summary_sentence(counts, lang="en", mid_year=False)


def test_indicators_without_a_target_are_said_only_when_there_are_some() -> None:
    counts = class_counts(classes(on_track=3, no_target=2))
    assert counts.no_target == 2
    assert summary_sentence(counts).endswith("; 2/5 chỉ tiêu chưa được giao kế hoạch")
    assert summary_sentence(counts, lang="en").endswith("; 2/5 without a target")
    assert "kế hoạch" not in summary_sentence(class_counts(ARTICLE))


@pytest.mark.parametrize(
    ("on_track", "lang", "wording"),
    [
        (60, "vi", "đạt từ 60% trở lên"),
        (62.5, "vi", "đạt dưới 62,5%"),  # the Vietnamese decimal comma
        (62.5, "en", "below 62.5%"),
    ],
)
def test_the_half_threshold_follows_the_catalog(on_track: float, lang: str, wording: str) -> None:
    thresholds = Classification(on_track=on_track)
    assert wording in summary_sentence(class_counts(ARTICLE), lang=lang, thresholds=thresholds)


def test_counts_of_an_empty_review() -> None:
    counts = class_counts(classes())
    assert counts.total == 0
    assert summary_sentence(counts).startswith("thực hiện vượt 0/0 chỉ tiêu")


def test_sentence_from_a_roll_up(make_config: MakeConfig) -> None:
    config = make_config(
        [element("X")],
        [
            indicator("CT01", "X * 2"),
            indicator("CT02", "X"),
            indicator("CT03", "X / 2"),
            indicator("CT04", "X * 0"),
            indicator("CT05", "X", review="year_end"),
        ],
        targets=[(f"CT0{i}", "D", 2024, 10, None) for i in range(1, 6)],
    )
    result = roll_up(config, values(("C1", "X", "2024M02", 6.0)), "2024S1")
    counts = class_counts(result.root_indicators())
    assert (counts.exceeded, counts.on_track, counts.below_half, counts.not_started) == (1, 1, 2, 1)
    assert summary_sentence(counts) == (
        "thực hiện vượt 1/5 chỉ tiêu; cơ bản đạt 0/5 chỉ tiêu; 1/5 chỉ tiêu đạt từ 50% trở lên; "
        "2/5 chỉ tiêu đạt dưới 50%, trong đó có 1 chỉ tiêu chưa thực hiện; "
        "1/5 chỉ tiêu đánh giá vào cuối năm"
    )
