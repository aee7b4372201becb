"""The same period last year (SPEC §3 rule 8) as part of a published revision: restated on
the units at the end of the review (a merged commune's predecessors summed into it), from
the warehouse's accepted values, else from history.csv, else nothing (null, "–", never 0);
hashed (content version 2), recomputed by verify, diffed, traced.

A district D with communes C1, C3 and CA, which merged into C1 on 2024-04-01: the
2024S1 review (units of 14 June 2024) compares with 2023S1, when CA still reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from example_fixtures import Example, example_fixture  # noqa: F401
from rollup_helpers import MERGER, catalog, element, indicator, values, write_config
from warehouse_fixtures import (  # noqa: F401
    INPUTS_1,
    Report,
    batch,
    draft,
    publish_before_last_year,
    warehouse_url_fixture,
)

from chitieu import pipeline
from chitieu.config import Config, load_config
from chitieu.lineage import diff_snapshots
from chitieu.lineage.text import render_diff, render_trace
from chitieu.lineage.trace import trace_indicator
from chitieu.lineage.verify import differences, verify_warehouse
from chitieu.periods import Period
from chitieu.report.load import load_report
from chitieu.report.model import prepared
from chitieu.report.output import render_text
from chitieu.rollup import roll_up
from chitieu.rollup.last_year import last_year, previous_period
from chitieu.settings import duckdb_path
from chitieu.snapshot import draft_snapshot
from chitieu.warehouse import Published, Warehouse, open_warehouse
from chitieu.warehouse import intake as intake_sql
from chitieu.warehouse.duckdb_backend import DuckDBBackend
from chitieu.warehouse.hashing import CONTENT_VERSION
from chitieu.warehouse.postgres_backend import PostgresBackend
from chitieu.warehouse.queries import migrations, query

S1 = Period.parse("2024S1")
HISTORY_HEADER = "indicator_code,org_unit_code,period,actual\n"
RECEIVED = dt.datetime(2024, 6, 16, 1, 0, tzinfo=dt.UTC)
CSV_HEADER = "org_unit_code,element_code,period,value,note,submitted_at\n"


SPLIT = """
D,Huyện,district,,2020-01-01,,
C1,Xã Một,commune,D,2020-01-01,,
C3,Xã Ba,commune,D,2020-01-01,,
CA,Xã A (chia cho Xã Một và Xã Ba),commune,D,2020-01-01,2024-03-31,
"""


def make_config(
    folder: Path, history: str = "", org_units: str = MERGER, successions: str | None = None
) -> Config:
    """CT01 new members (a sum), CT02 the poor-household rate (a ratio of sums), targets
    for D; ``history``: rows of history.csv, without its header."""
    doc = catalog(
        [
            element("MEMBERS", unit="người", collected_at="commune"),
            element("POOR", time_aggregation="last", collected_at="commune"),
            element("HOUSEHOLDS", time_aggregation="last", collected_at="commune"),
        ],
        [
            indicator("CT01", "MEMBERS", unit="người"),
            indicator("CT02", "POOR * 100 / HOUSEHOLDS", unit="%"),
        ],
        "D",
    )
    targets = [("CT01", "D", 2024, 20, ""), ("CT02", "D", 2024, 5, "")]
    write_config(folder, doc, org_units, targets, successions)
    if history:
        (folder / "history.csv").write_text(HISTORY_HEADER + history, "utf-8")
    return load_config(folder)


def figures(config: Config, accepted: pl.DataFrame) -> dict[tuple[str, str], tuple[object, ...]]:
    found = last_year(config, accepted, S1, "D").figures
    return {
        (unit, code): (actual, comparable, source)
        for unit, code, actual, comparable, source in found.iter_rows()
    }


THIS_YEAR = [("C1", "MEMBERS", "2024M05", 6.0), ("C3", "MEMBERS", "2024M05", 2.0)]


@pytest.mark.parametrize(
    ("review", "last"), [("2024S1", "2023S1"), ("2024", "2023"), ("2025S2", "2024S2")]
)
def test_last_year_is_the_same_period_one_year_earlier(review: str, last: str) -> None:
    assert previous_period(Period.parse(review)).code == last


def test_a_merged_communes_last_year_is_its_predecessors_summed(tmp_path: Path) -> None:
    config = make_config(tmp_path / "config")
    accepted = values(
        *THIS_YEAR,
        ("C1", "MEMBERS", "2023M03", 3.0),
        ("CA", "MEMBERS", "2023M02", 4.0),  # CA reported then; C1 holds its history now
        ("C3", "MEMBERS", "2023M01", 1.0),
        ("C1", "POOR", "2023M06", 10.0),
        ("C1", "HOUSEHOLDS", "2023M06", 400.0),
        ("CA", "POOR", "2023M06", 30.0),
        ("CA", "HOUSEHOLDS", "2023M06", 100.0),
    )
    found = figures(config, accepted)
    assert found["C1", "CT01"] == (7.0, True, "warehouse")
    assert found["D", "CT01"] == (8.0, True, "warehouse")
    assert found["C1", "CT02"] == (8.0, True, "warehouse")  # 40 / 500: a ratio of sums
    assert found["C3", "CT02"] == (None, None, None)  # nobody has it: null, never 0
    assert {unit for unit, _ in found} == {"D", "C1", "C3"}  # CA is no unit in 2024S1


def test_history_fills_what_the_warehouse_lacks(tmp_path: Path) -> None:
    history = "\n".join(
        [
            "CT01,C1,2023S1,3",
            "CT01,CA,2023S1,4",  # summed into C1: CT01 adds up over units
            "CT01,D,2023S1,9",
            "CT02,C1,2023S1,2.5",
            "CT02,CA,2023S1,30",  # a rate: two predecessors' rates do not add up
            "CT01,C3,2023S1,5",  # the warehouse has C3's 2023: this row is not used
            "CT02,D,2022S1,3.1",  # another period
            "",
        ]
    )
    config = make_config(tmp_path / "config", history)
    found = figures(config, values(*THIS_YEAR, ("C3", "MEMBERS", "2023M01", 1.0)))
    assert found["C1", "CT01"] == (7.0, True, "history")
    assert found["C3", "CT01"] == (1.0, True, "warehouse")
    assert found["D", "CT01"] == (1.0, True, "warehouse")  # the warehouse's own, however partial
    assert found["C1", "CT02"] == (None, False, "history")  # not comparable, never a rate sum
    assert found["D", "CT02"] == (None, None, None)


def test_a_merged_unit_missing_a_predecessors_row_is_not_comparable(tmp_path: Path) -> None:
    config = make_config(tmp_path / "config", "CT01,C1,2023S1,3\n")
    assert figures(config, values(*THIS_YEAR))["C1", "CT01"] == (None, False, "history")


@pytest.mark.parametrize(
    ("shares", "c1", "c3"),
    [
        ("0.6,0.4", (9.0, True, "history"), (6.0, True, "history")),
        (",", (None, False, "history"), (None, False, "history")),  # nobody knows the split
    ],
)
def test_history_of_a_split_unit_goes_by_its_shares(
    tmp_path: Path, shares: str, c1: tuple[object, ...], c3: tuple[object, ...]
) -> None:
    """CA split between C1 and C3 on 2024-04-01: a sum goes by the shares; a rate never."""
    to_c1, to_c3 = shares.split(",")
    history = "CT01,C1,2023S1,3\nCT01,CA,2023S1,10\nCT01,C3,2023S1,2\nCT02,C1,2023S1,4\n"
    config = make_config(
        tmp_path / "config",
        history,
        SPLIT,
        f"CA,C1,2024-04-01,{to_c1}\nCA,C3,2024-04-01,{to_c3}",
    )
    found = figures(config, values(*THIS_YEAR))
    assert (found["C1", "CT01"], found["C3", "CT01"]) == (c1, c3)
    assert found["C1", "CT02"] == (None, False, "history")  # CA's part of a rate is unknown


# --- the example: the real mergers of 1 July 2025, and its history.csv ------------------


def test_the_reforms_merged_communes_compare_with_their_predecessors_summed(
    example: Example,
) -> None:
    """2025 compared with 2024 on the units of December 2025: Xã Châu Hòa (28996) took
    over Châu Hòa, Lương Quới and Châu Bình; Phường An Hội (28777) Sơn Phú."""
    with open_warehouse(example.url) as wh:
        accepted = wh.accepted_values()
    last = last_year(example.config, accepted, Period.parse("2025"), "86").figures
    then = roll_up(example.config, accepted, "2024", "834").indicators

    def old(units: list[str], code: str) -> float:
        rows = then.filter(
            pl.col("org_unit_code").is_in(units) & (pl.col("indicator_code") == code)
        )
        return float(rows["actual"].sum())

    def new(unit: str, code: str) -> tuple[float, bool]:
        row = last.filter((pl.col("org_unit_code") == unit) & (pl.col("indicator_code") == code))
        return row.item(0, "last_actual"), row.item(0, "last_comparable")

    for code in ("CT01", "CT20", "CT24"):
        assert new("28996", code) == (old(["28996", "29002", "29008"], code), True)
        assert new("28777", code) == (old(["29014"], code), True)
    assert new("86", "CT01") == (old(["834"], "CT01"), True)  # the whole old district
    elements = roll_up(example.config, accepted, "2024", "834").elements

    def summed(element_code: str) -> float:
        rows = elements.filter(
            pl.col("org_unit_code").is_in(["28996", "29002", "29008"])
            & (pl.col("element_code") == element_code)
        )
        return float(rows["value"].sum())

    rate, comparable = new("28996", "CT25")  # a ratio of the merged communes' sums
    assert rate == pytest.approx(summed("HO_NGHEO") * 100 / summed("TONG_SO_HO"))
    assert comparable


def test_the_examples_revision_holds_last_year_from_its_history(example: Example) -> None:
    with open_warehouse(example.url) as wh:
        read = wh.snapshot("2024S1", "834", 1, elements=False)
    assert read.header["content_version"] == CONTENT_VERSION
    assert read.header["history_sha256"] == example.config.history_sha256
    rows = {
        (u, c): (a, lc, cmp)
        for u, c, a, lc, cmp in read.indicators.select(
            "org_unit_code", "indicator_code", "last_actual", "last_comparable", "comparable"
        ).iter_rows()
    }
    assert rows["834", "CT01"] == (91.0, True, True)  # history.csv line 2
    assert rows["28987", "CT01"] == (5.0, True, True)
    assert rows["834", "CT03"] == (None, None, True)  # judged at year end: no figure then


def test_every_format_shows_last_year(example: Example, tmp_path: Path) -> None:
    import docx
    import openpyxl

    from chitieu.report.output import write_report

    with open_warehouse(example.url) as wh:
        model = load_report(example.config, wh, "2024S1", "834", 1, audit=True)  # the article's
    markdown = render_text(model, "md")
    assert (
        "| 1 | CT01 | Kết nạp đảng viên mới | đảng viên | 130 | 102 | 78,46 % | 91 | +12,09 % |"
        in (markdown)
    )
    assert "| 3 | CT03 |" in markdown
    assert "| 90 | – | – | – | – | Đánh giá cuối năm |" in markdown
    document = json.loads(render_text(model, "json"))
    root = {row["indicator_code"]: row for row in document["indicators"]}
    assert root["CT01"]["last_actual"] == 91
    assert root["CT01"]["change_percent"] == pytest.approx((102 - 91) / 91 * 100)
    assert root["CT03"]["last_actual"] is None
    annexed = {u["org_unit_code"]: u["indicators"] for u in document["annex"]["units"]}
    assert {r["indicator_code"]: r["last_actual"] for r in annexed["28987"]}["CT01"] == 5
    html = render_text(model, "html")
    assert ">91<" in html
    assert "+12,09 %" in html
    paper = docx.Document(
        str(write_report(model, "docx", tmp_path / "r.docx", example.config.folder))
    )
    cells = [
        [c.text.replace("\u00a0", " ") for c in row.cells]
        for table in paper.tables
        for row in table.rows
    ]
    ct01 = next(row for row in cells if row[1:2] == ["Kết nạp đảng viên mới"])
    assert ct01[6:8] == ["91", "+12,09 %"]
    book = openpyxl.load_workbook(write_report(model, "xlsx", tmp_path / "r.xlsx"))
    sheet = book.worksheets[0]
    found = [
        [c.value for c in row] for row in sheet.iter_rows() if "CT01" in [c.value for c in row]
    ]
    assert found
    assert 91 in found[0]


def test_verify_recomputes_last_year_and_finds_an_edited_figure(example: Example) -> None:
    with open_warehouse(example.url) as wh:
        read = wh.snapshot("2024S1", "834")
        submissions = wh.input_submissions(read.snapshot_id)
        figures_in = wh.input_figures(read.snapshot_id)
    assert differences(example.config, read, submissions, figures_in) == []
    forged = dataclasses.replace(
        read,
        indicators=read.indicators.with_columns(
            pl.when((pl.col("org_unit_code") == "834") & (pl.col("indicator_code") == "CT01"))
            .then(pl.lit(90.0))
            .otherwise(pl.col("last_actual"))
            .alias("last_actual")
        ),
    )
    assert differences(example.config, forged, submissions, figures_in) == [
        "834 CT01 last_actual 90 (recomputed 91)"
    ]


# --- a small warehouse: last year's submissions are inputs -------------------------------


def write_report(folder: Path, name: str, unit: str, period: str, value: int, at: str) -> Path:
    path = folder / name
    path.write_text(CSV_HEADER + f"{unit},MEMBERS,{period},{value},,{at}\n", "utf-8")
    return path


def publish(config: Config, wh: Warehouse, period: Period = S1) -> Published:
    """Roll up and publish as `chitieu review` does, without the quality gate."""
    reports, accepted = wh.accepted_reports(), wh.accepted_values()
    rollup = roll_up(
        config, accepted, period, "D", reports=reports.select("org_unit_code", "period")
    )
    last = last_year(config, accepted, period, "D")
    return wh.publish(draft_snapshot(rollup, config, reports, True, last=last))


def test_last_years_submissions_are_inputs_diffed_and_traced(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    config = make_config(tmp_path / "config")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = [
        write_report(inbox, "C1_2024M05.csv", "C1", "2024M05", 6, "2024-05-15T08:00:00+07:00"),
        write_report(inbox, "CA_2023M02.csv", "CA", "2023M02", 4, "2023-02-15T08:00:00+07:00"),
        write_report(inbox, "C1_2023M03.csv", "C1", "2023M03", 3, "2023-03-15T08:00:00+07:00"),
    ]
    with open_warehouse(warehouse_url) as wh:
        pipeline.ingest_batch(files, config, wh, wh.archive, received_at=RECEIVED)
        first = publish(config, wh)
        again = publish(config, wh)
        assert (first.revision, again.created) == (1, False)  # same inputs, nothing new
        sent = write_report(
            inbox, "CA_2023M02_sua.csv", "CA", "2023M02", 5, "2023-02-20T08:00:00+07:00"
        )
        later = RECEIVED + dt.timedelta(days=1)
        pipeline.ingest_batch([sent], config, wh, wh.archive, received_at=later)
        second = publish(config, wh)  # only last year's report changed: a new revision
        assert second.revision == 2
        before, after = wh.snapshot("2024S1", "D", 1), wh.snapshot("2024S1", "D", 2)
        assert sorted(after.inputs["period"]) == ["2023M02", "2023M03", "2024M05"]
        ids = sorted(set(before.inputs["submission_id"]) | set(after.inputs["submission_id"]))
        submissions = pl.concat(
            [wh.input_submissions(before.snapshot_id), wh.input_submissions(after.snapshot_id)]
        )
        inputs = pl.concat(
            [wh.input_values(before.snapshot_id), wh.input_values(after.snapshot_id)]
        )
        diff = diff_snapshots(config, before, after, submissions, inputs)
        added, removed = (
            ids[-1],
            next(i for i in ids if i not in set(after.inputs["submission_id"])),
        )
        changes = [
            (c.org_unit_code, c.code, c.before["last_actual"], c.after["last_actual"])
            for c in diff.last_year
        ]
        assert changes == [("C1", "CT01", 7.0, 8.0), ("D", "CT01", 7.0, 8.0)]
        assert {(tuple(c.added), tuple(c.removed)) for c in diff.last_year} == {
            ((added,), (removed,))
        }
        assert diff.indicators == []  # this year's figures did not move
        text = render_diff(diff)
        assert "cùng kỳ năm trước thay đổi / same period last year changed (2):" in text
        assert f"  C1       CT01     7 → 8  ← +#{added} −#{removed}" in text
        trace = trace_indicator(
            config,
            after,
            wh.input_submissions(after.snapshot_id),
            wh.input_values(after.snapshot_id),
            "CT01",
            "C1",
        )
        assert trace.last_year is not None
        assert trace.matches
        assert (trace.last_year.period, trace.last_year.last_actual, trace.last_year.source) == (
            "2023S1",
            8.0,
            "warehouse",
        )
        came_from = [
            (s["org_unit_code"], s["unit"], s["value"], s["source_name"])
            for s in trace.last_year.submissions
        ]
        assert came_from == [
            ("C1", "C1", 3.0, str(files[2])),
            ("CA", "C1", 5.0, str(sent)),  # the old unit's file, placed on its successor
        ]  # fmt: skip
        assert "CA→C1" in render_trace(trace)
        # the day in both halves (the Vietnamese once ended "trên đơn vị ngày")
        day = f"{trace.last_year.as_of:%Y-%m-%d}"
        assert f"(trên đơn vị ngày {day} / on the units of {day})" in render_trace(trace)
    found = verify_warehouse(open_warehouse(warehouse_url), config.folder)
    assert found.problems == []
    assert "2 revision(s) recomputed" in found.checked[-1]


def test_a_changed_history_csv_is_a_new_revision_and_verify_says_which(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "config"
    config = make_config(folder, "CT01,C3,2023S1,2\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    report = write_report(inbox, "C1_2024M05.csv", "C1", "2024M05", 6, "2024-05-15T08:00:00+07:00")
    with open_warehouse(warehouse_url) as wh:
        pipeline.ingest_batch([report], config, wh, wh.archive, received_at=RECEIVED)
        assert publish(config, wh).revision == 1
        (folder / "history.csv").write_text(HISTORY_HEADER + "CT01,C3,2023S1,3\n", "utf-8")
        changed = load_config(folder)
        assert changed.catalog_sha256 == config.catalog_sha256
        assert publish(changed, wh).revision == 2
        read = wh.snapshot("2024S1", "D")
        assert read.header["history_sha256"] == changed.history_sha256
        assert read.indicators.filter(pl.col("org_unit_code") == "C3")["last_actual"][0] == 3.0
    with open_warehouse(warehouse_url) as wh:
        found = verify_warehouse(wh, folder)
    assert found.problems == []
    assert [str(n) for n in found.notes] == [
        f"2024S1 D revision 1: same period last year not recomputed: it used history.csv "
        f"{config.history_sha256[:16]}…, --config {folder} holds {changed.history_sha256[:16]}…"  # type: ignore[index]
    ]


# --- a warehouse from before migration 007 ------------------------------------------------

LAST_YEAR = 7


def test_an_old_revision_still_verifies_and_reads_as_comparable_with_no_last_year(
    warehouse_url: str,
) -> None:
    backend = (
        DuckDBBackend(duckdb_path(warehouse_url))
        if warehouse_url.startswith("duckdb")
        else PostgresBackend(warehouse_url)
    )
    try:
        with backend.transaction():
            backend.script(query("schema_version_create", backend.dialect))
            for migration in migrations(backend.dialect):
                if migration.version < LAST_YEAR:
                    backend.script(migration.sql)
                    backend.execute(
                        query("schema_version_record", backend.dialect),
                        [migration.version, dt.datetime.now(dt.UTC)],
                    )
        intake_sql.register_intake(
            backend, batch(Report(org="C1", sha256="a" * 64)), lambda _backend, _reports: []
        )
        old = publish_before_last_year(backend, draft())
    finally:
        backend.close()
    with open_warehouse(warehouse_url) as wh:
        assert wh.schema_version >= LAST_YEAR
        assert wh.verify() == []
        read = wh.snapshot("2024S1", "D")
        assert (read.header["content_version"], read.header["content_sha256"]) == (1, old)
        assert read.header["history_sha256"] is None
        shown = prepared(read.indicators).row(0, named=True)
        assert (shown["comparable"], shown["last_actual"], shown["change"]) == (True, None, None)
        assert wh.publish(draft()).created is False  # the same inputs: nothing new
        newer = wh.publish(
            draft(
                inputs=INPUTS_1,
                indicators=[("D", "district", "CT01", 4.0, 8.0, 50.0, "on_track", True, 3.0, True)],
                catalog_sha256="d" * 64,
            )
        )
        assert newer.revision == 2
        assert wh.snapshot("2024S1", "D").header["content_version"] == CONTENT_VERSION
        assert wh.verify() == []
        wh.backend.execute(
            "UPDATE snapshot_indicators SET last_actual = 4 WHERE snapshot_id = $1",
            [newer.snapshot_id],
        )
        problems = wh.verify()
        assert [(p.revision, p.check) for p in problems] == [(2, "content")]


# --- the second example: Xã Giồng Trôm (28984) after the reform -----------------------

EXAMPLE_2025 = Path(__file__).parents[1] / "examples" / "giong_trom_2025"


def test_the_new_communes_2026s1_revision_compares_with_its_predecessors_2025s1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its three predecessors reported January–June 2025 on the old codes: the revision of
    2026S1 holds their figures summed as last year's, rests on their files too, and
    verifies."""
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    config = load_config(EXAMPLE_2025 / "config")
    expected = json.loads((EXAMPLE_2025 / "expected.json").read_text("utf-8"))
    indicators = expected["reviews"]["2026S1"]["indicators"]
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with open_warehouse(url) as wh:
        files = pipeline.gather_files([EXAMPLE_2025 / "submissions"])
        received = dt.datetime(2026, 7, 5, 2, 0, tzinfo=dt.UTC)  # after every period of it
        pipeline.ingest_batch(files, config, wh, wh.archive, received_at=received)
        prepared = pipeline.prepare_review(config, wh, Period.parse("2026S1"), "28984")
        pipeline.publish_review(wh, prepared)
        read = wh.snapshot("2026S1", "28984")
        inputs = wh.input_submissions(read.snapshot_id)
        model = load_report(config, wh, "2026S1", "28984")
    root = read.indicators.filter(pl.col("org_unit_code") == "28984")
    for code, last, comparable in root.select(
        "indicator_code", "last_actual", "last_comparable"
    ).iter_rows():
        assert last == pytest.approx(indicators[code]["last_actual"], rel=1e-12), code
        assert comparable is (last is not None), code
    old = inputs.filter(pl.col("period").str.starts_with("2025"))
    assert set(old["org_unit_code"]) == {"28984", "29017", "29032"}  # the old units' files
    assert set(old["period"]) == {f"2025M{m:02d}" for m in range(1, 7)}
    ct01 = model.indicators.filter(pl.col("indicator_code") == "CT01").row(0, named=True)
    assert ct01["last_actual"] == indicators["CT01"]["last_actual"]
    assert verify_warehouse(open_warehouse(url), config.folder).problems == []
