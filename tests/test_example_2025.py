"""The second bundled example: the new Xã Giồng Trôm (28984, Vĩnh Long 86) reviews 2025,
whose January–June its three predecessors reported on the old codes, and 2026S1 against
2025S1 restated on the new commune.

Every submission is ingested into a DuckDB warehouse through the pipeline's own
functions (no Prefect), then the reviews are rolled up and published. The figures are
checked against ``expected.json`` and, for the flows (``sum`` elements), against sums
this test takes itself from the submission files: the predecessors' months before the
reform plus the new commune's own after it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from chitieu import pipeline
from chitieu.config import Config, load_config
from chitieu.periods import Period
from chitieu.rollup import roll_up
from chitieu.warehouse import Warehouse, open_warehouse

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2025"
EXPECTED = json.loads((EXAMPLE / "expected.json").read_text(encoding="utf-8"))
ROOT = "28984"
PREDECESSORS = ("28984", "29017", "29032")  # Thị trấn Giồng Trôm, Bình Hoà, Bình Thành
RECEIVED = dt.datetime(2026, 7, 5, 2, 0, tzinfo=dt.UTC)  # after every period of the example


def submitted() -> pl.DataFrame:
    """Every value of every submission file: ``org_unit_code, element_code, period, value``
    and the file it came from."""
    frames = [
        pl.read_csv(path, infer_schema=False).select(
            "org_unit_code",
            "element_code",
            "period",
            pl.col("value").cast(pl.Float64),
            pl.lit(path.relative_to(EXAMPLE).as_posix()).alias("file"),
        )
        for path in sorted((EXAMPLE / "submissions").rglob("*.csv"))
    ]
    return pl.concat(frames)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Warehouse, list]]:
    folder = tmp_path_factory.mktemp("example_2025")
    config = load_config(EXAMPLE / "config")
    with (
        pytest.MonkeyPatch.context() as patch,
        open_warehouse(f"duckdb:///{folder / 'warehouse.duckdb'}") as wh,
    ):
        patch.setenv("CHITIEU_DATA_DIR", str(folder / "data"))
        files = pipeline.gather_files([EXAMPLE / "submissions"])
        result = pipeline.ingest_batch(files, config, wh, wh.archive, received_at=RECEIVED)
        yield config, wh, result.outcomes


def test_intake_accepts_every_report_but_the_dissolved_communes_august(example) -> None:
    _, _, outcomes = example
    by_status: dict[str, int] = {}
    for outcome in outcomes:
        by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
    assert len(outcomes) == EXPECTED["intake"]["files"]
    assert by_status == EXPECTED["intake"]["by_status"]
    rejected = [o for o in outcomes if o.status == "rejected"]
    assert [Path(o.source_name).name for o in rejected] == ["29017_2025M08.csv"]
    # Bình Hoà ended on 30 June: the message names the commune to report as
    assert "Từ ngày 01/07/2025 đơn vị này do đơn vị 28984 kế thừa" in rejected[0].first_problem


def _independent_sums(review_months: list[str], before: list[str]) -> pl.DataFrame:
    """Per element: the predecessors' values of the months in ``before`` plus the new
    commune's own values of the other months of ``review_months``, from the files."""
    values = submitted().filter(
        pl.col("period").is_in(review_months) & ~pl.col("file").str.contains("2025M08/29017")
    )
    theirs = values.filter(
        pl.col("period").is_in(before) & pl.col("org_unit_code").is_in(PREDECESSORS)
    )
    own = values.filter(~pl.col("period").is_in(before) & (pl.col("org_unit_code") == ROOT))
    return pl.concat([theirs, own]).group_by("element_code").agg(pl.col("value").sum())


def test_the_year_2025_includes_the_predecessors_january_to_june(example) -> None:
    config, wh, _ = example
    prepared = pipeline.prepare_review(config, wh, Period.parse("2025"), ROOT)
    published = pipeline.publish_review(wh, prepared)
    assert published.revision == 1
    elements = prepared.rollup.elements.filter(pl.col("org_unit_code") == ROOT)
    got = dict(elements.select("element_code", "value").iter_rows())

    year = [f"2025M{m:02d}" for m in range(1, 13)]
    sums = _independent_sums(year, year[:6])
    flows = [e.code for e in config.catalog.elements if e.time_aggregation == "sum"]
    for code, total in sums.filter(pl.col("element_code").is_in(flows)).iter_rows():
        assert got[code] == pytest.approx(total, rel=1e-12), code
        assert EXPECTED["reviews"]["2025"]["elements"][code] == pytest.approx(total, rel=1e-12)
    # a stock is the new commune's own December
    december = submitted().filter(
        (pl.col("period") == "2025M12") & (pl.col("org_unit_code") == ROOT)
    )
    for code in ("TONG_SO_HO", "HO_NGHEO"):
        own = december.filter(pl.col("element_code") == code).item(0, "value")
        assert got[code] == own, code

    indicators = prepared.rollup.root_indicators()
    _matches_expected(indicators, EXPECTED["reviews"]["2025"]["indicators"])


def test_2026s1_compares_with_2025s1_restated_on_the_new_commune(example) -> None:
    config, wh, _ = example
    prepared = pipeline.prepare_review(config, wh, Period.parse("2026S1"), ROOT)
    expected = EXPECTED["reviews"]["2026S1"]["indicators"]
    _matches_expected(prepared.rollup.root_indicators(), expected)

    values = wh.accepted_values().select("org_unit_code", "element_code", "period", "value")
    last_year = roll_up(
        config, values, "2025S1", ROOT, as_of=Period.parse("2026S1").end
    ).root_indicators()
    half = [f"2025M{m:02d}" for m in range(1, 7)]
    sums = dict(_independent_sums(half, half).iter_rows())
    assert sums["DANG_VIEN_MOI"] == expected["CT01"]["last_actual"]
    for row in last_year.iter_rows(named=True):
        want = expected[row["indicator_code"]]["last_actual"]
        assert row["actual"] == pytest.approx(want, rel=1e-12), row


def _matches_expected(got: pl.DataFrame, expected: dict[str, dict]) -> None:
    assert set(got.get_column("indicator_code")) == set(expected)
    for row in got.iter_rows(named=True):
        want = expected[row["indicator_code"]]
        assert row["class"] == want["class"], row
        assert row["target"] == want["target"], row
        if want["actual"] is None:
            assert row["actual"] is None, row
        else:
            assert row["actual"] == pytest.approx(want["actual"], rel=1e-12), row
        assert row["percent"] == (
            None if want["percent"] is None else pytest.approx(want["percent"], abs=1e-9)
        ), row


def test_a_restated_reports_completeness_counts_the_predecessors_under_the_new_commune(
    example,
) -> None:
    """2025S1 restated on the new Xã Giồng Trôm: its annex counts its three
    predecessors' months under it (they reported every month), as the roll-up does, not
    the old units of each month's end."""
    from chitieu.report.load import load_restated_report

    config, wh, _ = example
    model = load_restated_report(config, wh, "2025S1", ROOT, dt.date(2025, 12, 14))
    months = len(Period.parse("2025S1").months())
    assert model.completeness.root_counts() == (len(PREDECESSORS) * months,) * 2
