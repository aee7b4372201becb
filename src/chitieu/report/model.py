"""One model of the review report's content, built once from a published revision.

Every format renders this model (`chitieu.report.markdown`, ``html``, ``json_``, ``xlsx``,
``docx``) and none reaches back into the warehouse, as Pandoc's writers never reach into
its readers: a new format is a new renderer, not a new query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from chitieu.config import Config
from chitieu.config.catalog import Classification
from chitieu.periods import Period
from chitieu.quality.warnings import QualitySection
from chitieu.report import completeness as annexes
from chitieu.report.charts import Charts, band_bars, class_bars, completeness_heatmap
from chitieu.report.document import Approval, DocumentInfo, document_info
from chitieu.report.labels import (
    NOT_IN_CATALOG,
    NOT_IN_CATALOG_GROUP,
    OTHER_GROUP,
    class_labels,
)
from chitieu.report.numbers import format_number
from chitieu.report.quality import QualityReport, quality_report
from chitieu.rollup.hierarchy import subtree, valid_on
from chitieu.rollup.last_year import with_comparable
from chitieu.rollup.summary import class_counts, summary_sentence
from chitieu.shown import escapes, shown
from chitieu.warehouse.hashing import covers_records


def shown_text(column: str) -> pl.Expr:
    """A column of texts from outside (configuration, received files) as `shown` prints
    them: every control, format or separator character escaped."""
    table = escapes()
    return pl.col(column).str.replace_many(list(table), list(table.values()))


def change_percent() -> pl.Expr:
    """(actual − last year) / last year × 100; none where last year has no figure, a
    zero, or either figure is not comparable (SPEC §3.8)."""
    usable = (
        pl.col("comparable").fill_null(True)
        & pl.col("last_comparable").fill_null(True)
        & (pl.col("last_actual") != 0)
    )
    return (
        pl.when(usable)
        .then((pl.col("actual") - pl.col("last_actual")) / pl.col("last_actual") * 100)
        .alias("change")
    )


def unit_names(org_units: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """``org_unit_code, name`` as each code read on ``day`` (codes are reused after
    mergers: 28987 is Xã Phong Nẫm in 2024 and Xã Lương Hòa from July 2025); a code not
    valid that day by its last name. Names are `shown` (a control character escaped)."""
    named = org_units.select(
        pl.col("code").alias("org_unit_code"), shown_text("name"), "valid_from", "valid_to"
    )
    at_day = named.filter(valid_on(day)).select("org_unit_code", "name")
    others = (
        named.select("org_unit_code", "name")
        .unique("org_unit_code", keep="last", maintain_order=True)
        .join(at_day, on="org_unit_code", how="anti")
    )
    return pl.concat([at_day.unique("org_unit_code", keep="last"), others])


def catalog_frame(config: Config, lang: str, held: pl.Series | None = None) -> pl.DataFrame:
    """Every indicator of the catalog, in its order: ``position, stt, indicator_code, name,
    unit, group`` (an indicator without a group in the "other indicators" group).

    ``held``: the indicator codes a revision holds. A report shows a revision's
    indicators, no more and no fewer, whatever the catalog became after it was
    published: one added since is left out (the revision has no figure of it), one
    removed since is shown after the catalog's, under its code, marked as no longer in
    the catalog (`NOT_IN_CATALOG`), never silently dropped from the tables while the
    summary still counts it."""
    indicators = config.catalog.indicators
    frame = pl.DataFrame(
        {
            "indicator_code": [i.code for i in indicators],
            "name": [shown((i.name_en or i.name) if lang == "en" else i.name) for i in indicators],
            "unit": [shown(i.unit) for i in indicators],
            "group": [shown(i.group) if i.group else OTHER_GROUP[lang] for i in indicators],
        },
        schema=_CATALOG_SCHEMA,
    )
    if held is not None:
        codes = held.unique().sort()
        gone = pl.DataFrame({"indicator_code": codes}).join(frame, on="indicator_code", how="anti")
        frame = pl.concat(
            [
                frame.filter(pl.col("indicator_code").is_in(codes.implode())),
                gone.select(
                    "indicator_code",
                    (shown_text("indicator_code") + pl.lit(f" ({NOT_IN_CATALOG[lang]})")).alias(
                        "name"
                    ),
                    pl.lit("").alias("unit"),
                    pl.lit(NOT_IN_CATALOG_GROUP[lang]).alias("group"),
                ),
            ]
        )
    return (
        frame.with_row_index("position")
        .with_columns(
            pl.col("position").cast(pl.Int64), (pl.col("position") + 1).cast(pl.Int64).alias("stt")
        )
        .select("position", "stt", *_CATALOG_SCHEMA)
    )


_CATALOG_SCHEMA: Final = {
    "indicator_code": pl.String,
    "name": pl.String,
    "unit": pl.String,
    "group": pl.String,
}


@dataclass(frozen=True)
class IndicatorGroup:
    number: int
    name: str
    rows: pl.DataFrame


@dataclass(frozen=True)
class AnnexUnit:
    org_unit_code: str
    name: str
    rows: pl.DataFrame
    """The unit's indicators that have a target, with the root table's columns."""


@dataclass(frozen=True)
class AuditTables:
    """What only the Excel export adds: every unit's indicators (named), the submissions
    the revision used and the values that came with a note."""

    indicators: pl.DataFrame
    submissions: pl.DataFrame
    values: pl.DataFrame

    @classmethod
    def of(
        cls,
        config: Config,
        review_period: Period,
        indicators: pl.DataFrame,
        submissions: pl.DataFrame,
        values: pl.DataFrame,
    ) -> AuditTables:
        """``indicators``: every unit's, as the revision holds them (named here as at the
        review's end); ``submissions`` and ``values``: the revision's inputs
        (``INPUT_SUBMISSIONS_SCHEMA``, ``INPUT_VALUES_SCHEMA``)."""
        names = unit_names(config.org_units, review_period.end)
        named = prepared(indicators).join(names, on="org_unit_code", how="left")
        return cls(named, submissions, values)


@dataclass(frozen=True)
class ReportModel:
    lang: str
    header: dict[str, Any]
    """The revision's header as the warehouse gives it (``SNAPSHOTS_SCHEMA``)."""
    review_period: Period
    root: str
    root_name: str
    resolution_title: str
    summary: str
    counts: dict[str, int]
    thresholds: Classification
    indicators: pl.DataFrame
    """The root's indicators in catalog order: ``position, stt, indicator_code, name, unit,
    group, org_unit_code, level, actual, target, percent, class, comparable, last_actual,
    last_comparable, change``."""
    groups: list[IndicatorGroup]
    annex: list[AnnexUnit]
    untargeted: list[tuple[str, str]]
    """Units directly below the root without any target: (code, name)."""
    completeness: annexes.CompletenessAnnex
    charts: Charts
    document: DocumentInfo
    approval: Approval | None = None
    """Who approved the revision (``chitieu approve``), as printed; None if no one did."""
    audit: AuditTables | None = None
    quality: QualityReport | None = None
    """The quality section (`chitieu.report.quality`); None when it was not read."""
    restated_as_of: dt.date | None = None
    """Set for a report restated on the units of a later day (``report --as-of``): its
    figures are computed from the reports received, not a published revision."""

    def restated_note(self) -> str | None:
        """What a restated report says in place of its revision; None for a revision."""
        if self.restated_as_of is None:
            return None
        if self.lang == "vi":
            return (
                f"SỐ LIỆU TÍNH LẠI theo địa giới hành chính ngày "
                f"{self.restated_as_of:%d/%m/%Y} từ các báo cáo đã nhận, không phải bản công bố"
            )
        return (
            f"RESTATED on the units of {self.restated_as_of.isoformat()} from the reports "
            "received: not a published revision"
        )

    @property
    def revision(self) -> int:
        return int(self.header["revision"])

    @property
    def content_sha256(self) -> str:
        return str(self.header["content_sha256"])

    @property
    def created_at(self) -> dt.datetime:
        created: dt.datetime = self.header["created_at"]
        return created

    @property
    def approved_by(self) -> str | None:
        return self.approval.by if self.approval else None

    @property
    def approved_title(self) -> str | None:
        return self.approval.title if self.approval else None

    @property
    def approved_at(self) -> dt.datetime | None:
        return self.approval.at if self.approval else None

    @property
    def class_labels(self) -> dict[str, str]:
        return class_labels(self.lang, format_number(self.thresholds.on_track, self.lang))


def unit_table(catalog: pl.DataFrame, indicators: pl.DataFrame, unit: str) -> pl.DataFrame:
    """One unit's indicators in catalog order, every indicator of the catalog present
    (``indicators``: with the last-year columns and ``change``)."""
    mine = indicators.filter(pl.col("org_unit_code") == unit)
    return catalog.join(mine, on="indicator_code", how="left").sort("position")


def prepared(indicators: pl.DataFrame) -> pl.DataFrame:
    """A revision's (or a roll-up's) indicators with the last-year columns and the
    change against last year."""
    # a revision published before last year (content version 1) holds nulls there: it
    # reads as comparable, with no figure for last year
    return with_comparable(indicators).with_columns(change_percent())


def _groups(table: pl.DataFrame) -> list[IndicatorGroup]:
    names = table.get_column("group").unique(maintain_order=True).to_list()
    return [
        IndicatorGroup(n, name, table.filter(pl.col("group") == name))
        for n, name in enumerate(names, start=1)
    ]


def _annex(
    catalog: pl.DataFrame, indicators: pl.DataFrame, units: pl.DataFrame
) -> tuple[list[AnnexUnit], list[tuple[str, str]]]:
    below = units.filter(~pl.col("is_root"))
    rows = (
        indicators.join(below.select("org_unit_code"), on="org_unit_code", how="semi")
        .filter(pl.col("target").is_not_null())
        .join(catalog, on="indicator_code")
        .sort("org_unit_code", "position")
    )
    by_unit = {key[0]: frame for key, frame in rows.group_by("org_unit_code")}
    annex, untargeted = [], []
    for code, name in below.select("org_unit_code", "name").iter_rows():
        if code in by_unit:
            annex.append(AnnexUnit(code, name or code, by_unit[code].select(rows.columns)))
        else:
            untargeted.append((code, name or code))
    return annex, untargeted


def build_reports(
    config: Config,
    header: Mapping[str, Any],
    indicators: pl.DataFrame,
    langs: Sequence[str] = ("vi",),
    *,
    reports: pl.DataFrame | None = None,
    status_totals: pl.DataFrame | None = None,
    status_source: str = "status",
    approval: Approval | None = None,
    number: str | None = None,
    day: dt.date | None = None,
    audit: AuditTables | None = None,
    quality: QualitySection | None = None,
    as_of: dt.date | None = None,
) -> dict[str, ReportModel]:
    """The report of a revision, one model per language (what does not depend on the
    language, such as the completeness annex, is built once): ``header`` and
    ``indicators`` (every unit's) as the warehouse gives them back. The completeness annex
    comes from ``status_totals`` (``chitieu.status.totals``; ``status_source`` says whose:
    ``inputs`` for a revision's own, `chitieu.report.load.revision_status`) when given,
    else from ``reports`` (``org_unit_code, period``: the reports used). ``number`` and
    ``day`` date and number the document; ``approval`` signs it; ``quality``: the
    warnings of the revision (`chitieu.quality.warnings.quality_section`). ``as_of``: the
    units of a restatement (``indicators`` rolled up on them), not a published revision."""
    period = Period.parse(str(header["review_period"]))
    root = str(header["root_org_unit"])
    on = period.end if as_of is None else as_of
    tree = subtree(config.org_units, root, on)
    units = annexes.annex_units(tree, root, unit_names(config.org_units, on))
    indicators = prepared(indicators)
    counts = class_counts(indicators.filter(pl.col("org_unit_code") == root))
    if status_totals is not None:
        completeness = annexes.from_status(
            status_totals, units, period, status_source, records_hashed=covers_records(header)
        )
    else:
        used = (
            reports
            if reports is not None
            else pl.DataFrame(schema={"org_unit_code": pl.String, "period": pl.String})
        )
        completeness = annexes.from_revision(
            used,
            config.org_units,
            tree,
            units,
            period,
            config.submitting_levels(),
            as_of=on,
            successions=config.successions,
        )
    root_name = units.filter(pl.col("is_root")).item(0, "name") or root
    resolution = config.catalog.resolution
    document = document_info(
        config.catalog.report,
        period,
        resolution.title,
        root_name,
        number=number,
        day=day,
        approval=approval,
    )
    thresholds = config.catalog.classification
    models = {}
    for lang in langs:
        catalog = catalog_frame(config, lang, indicators.get_column("indicator_code"))
        table = unit_table(catalog, indicators, root)
        annex, untargeted = _annex(catalog, indicators, units)
        labels = class_labels(lang, format_number(thresholds.on_track, lang))
        models[lang] = ReportModel(
            lang=lang,
            header=dict(header),
            review_period=period,
            root=root,
            root_name=root_name,
            resolution_title=shown(resolution.title),
            summary=summary_sentence(counts, lang, thresholds, mid_year=not period.is_year),
            counts=counts.as_dict(),
            thresholds=thresholds,
            indicators=table,
            groups=_groups(table),
            annex=annex,
            untargeted=untargeted,
            completeness=completeness,
            charts=Charts(
                classes=class_bars(counts, labels),
                bands=band_bars(table),
                thresholds=thresholds,
                completeness=completeness_heatmap(completeness, lang),
            ),
            document=document,
            approval=approval.shown() if approval else None,
            audit=audit,
            quality=None if quality is None else quality_report(quality, config, lang),
            restated_as_of=as_of,
        )
    return models


def build_report(
    config: Config,
    header: Mapping[str, Any],
    indicators: pl.DataFrame,
    lang: str = "vi",
    **options: Any,
) -> ReportModel:
    """`build_reports` in one language."""
    return build_reports(config, header, indicators, (lang,), **options)[lang]
