"""Data quality in the warehouse (SPEC §7), on every backend: issues carry a severity
(migration 005: every issue recorded before is an error), the warnings of the
submissions a revision used are read from the view auditors may read, and the review's
quality section is built from them and the gate's kept result."""

from __future__ import annotations

from example_fixtures import Example, example_fixture  # noqa: F401
from warehouse_fixtures import Report, batch, warehouse_url_fixture  # noqa: F401

from chitieu.quality import GateFolders, read_result
from chitieu.quality.warnings import SUBMISSION_WARNING_COLUMNS, quality_section
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.queries import migrations


def test_an_older_warehouse_keeps_its_issues_as_errors(warehouse_url: str) -> None:
    """A warehouse written before migration 005: its issues have no severity; opening it
    adds the column with every issue an error, and the auditors' view of warnings."""
    with open_warehouse(warehouse_url) as wh:
        wh.register_intake(batch(Report(status="rejected", issues=[("line 2", "value_below_min")])))
        run = wh.backend.execute
        run("DROP VIEW published_warnings")
        run("ALTER TABLE validation_issues DROP COLUMN severity")
        run("DELETE FROM schema_version WHERE version = 5")
    with open_warehouse(warehouse_url) as wh:
        assert wh.schema_version == migrations(wh.backend.dialect)[-1].version
        assert wh.issues().select("check", "severity").rows() == [("value_below_min", "error")]
        assert wh.backend.rows("SELECT count(*) FROM published_warnings") == [(0,)]


def test_the_warnings_of_a_revisions_inputs(example: Example) -> None:
    """The example's year: four values far from their history (Phong Nẫm's 3.500
    households among them); the six-month review used none of them."""
    with open_warehouse(example.url) as wh:
        year = wh.snapshot("2024", "834", elements=False)
        half = wh.snapshot("2024S1", "834", elements=False)
        warned = wh.input_warnings(year.snapshot_id)
        assert wh.input_warnings(half.snapshot_id).is_empty()
        all_warnings = wh.issues().filter(wh.issues()["severity"] == "warning")
    assert warned.height == 4 == all_warnings.height
    households = warned.filter(warned["element_code"] == "TONG_SO_HO")
    assert households.select("org_unit_code", "period", "location", "value").rows() == [
        ("28987", "2024M09", "line 20", "3500")
    ]
    assert "tháng trước 3.056; trung vị 8 tháng 3.054,5" in households["message_vi"].item()


def test_the_quality_section_of_a_review(example: Example, monkeypatch) -> None:
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(example.data))
    with open_warehouse(example.url) as wh:
        year = wh.snapshot("2024", "834", elements=False)
        warned = wh.input_warnings(year.snapshot_id)
        kept = read_result(GateFolders.beside(wh.url), "2024", "834", 1)
    section = quality_section(warned, kept, example.config.org_units)
    assert section.checks_kept
    assert section.submission_warnings.columns == list(SUBMISSION_WARNING_COLUMNS)
    assert section.submission_warnings.filter(
        section.submission_warnings["org_unit_code"] == "28987"
    )["name"].to_list() == ["Xã Phong Nẫm"]
    assert section.gate_warnings == []  # the year passed every check
    assert section.counts() == {"outlier": 4, "gate": 0}
    assert not section.empty
    none = quality_section(warned.clear(), None, example.config.org_units)
    assert (none.empty, none.checks_kept) == (True, False)
