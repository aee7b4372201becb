"""A review publishes a period of its resolution's year (catalog.yaml's
``resolution.year``) or of a year targets.csv sets targets for (the 2025 example's
catalog carries 2026's, and reviews 2026S1), never another: every indicator would be
"no target", a revision of nothing that could never be taken back. A dry run may look
at any period."""

from __future__ import annotations

from pathlib import Path

import pytest

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.errors import ReviewOutsideResolution
from chitieu.periods import Period
from chitieu.warehouse import open_warehouse

CONFIG = Path(__file__).parents[1] / "examples" / "giong_trom_2024" / "config"


@pytest.mark.parametrize("period", ["2023", "2023S2", "2025S1", "2025M01"])
def test_a_period_of_another_year_is_never_published(tmp_path: Path, period: str) -> None:
    config = load_config(CONFIG)
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        with pytest.raises(ReviewOutsideResolution) as refused:
            pipeline.prepare_review(config, wh, Period.parse(period), publish=True)
        assert wh.list_snapshots().is_empty()
        looked = pipeline.prepare_review(config, wh, Period.parse(period), keep_results=False)
        assert looked.draft.review_period == period
    year = period[:4]
    assert str(refused.value) == (
        f"kỳ {period} không thuộc năm 2024 của nghị quyết NQ-HU-GT-2024 (catalog.yaml, "
        f"resolution.year) và targets.csv không giao chỉ tiêu nào cho năm {year}: không "
        f"công bố; xem trước bằng --dry-run / the period {period} is not in 2024, the year "
        "of resolution NQ-HU-GT-2024 (catalog.yaml, resolution.year), and targets.csv "
        f"sets no target for {year}: nothing is published; look at it with --dry-run"
    )
