"""The report as JSON, for scripts: the same content as the document, figures as numbers.

``indicators`` keeps the keys scripts already read (``indicator_code, name, unit, group,
org_unit_code, level, actual, target, percent, class``) and adds ``comparable``,
``last_actual``, ``last_comparable`` and ``change_percent``; a last-year figure that is not
comparable is null, as no document prints it. ``approval`` names who approved the
revision (``approved_by``, ``approved_title``, ``approved_at``, ``approved_note``), or is
null. ``quality`` is the quality section: whether the warnings could be read and the
gate's result is kept, the counts by check, the gate's warnings and every warning of the
reports used (the value as received, the message in the report's language); null when
the report was built without it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Final

import orjson
import polars as pl

from chitieu.report.model import ReportModel
from chitieu.report.quality import QualityReport

ROW_KEYS = (
    "stt",
    "indicator_code",
    "name",
    "unit",
    "group",
    "org_unit_code",
    "level",
    "actual",
    "target",
    "percent",
    "class",
    "comparable",
    "last_actual",
    "last_comparable",
    "change_percent",
)


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    shown = frame.with_columns(
        pl.when(pl.col("last_comparable").fill_null(True)).then(pl.col("last_actual")),
        pl.col("change").alias("change_percent"),
    )
    return shown.select(ROW_KEYS).to_dicts()


JSON_OPTIONS: Final = (
    orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
)
"""Indented two spaces, dates as `_plain` writes them: orjson writes a national report's
195,000 items in a tenth of the time the standard library takes (0.45 s)."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _quality(quality: QualityReport | None) -> dict[str, Any] | None:
    if quality is None:
        return None
    return {
        "warnings_read": quality.warnings_read,
        "checks_kept": quality.checks_kept,
        "total": quality.total,
        "counts": quality.counts(),
        "gate": [{"check": g.check, "label": g.label, "detail": g.detail} for g in quality.gate],
        "warnings": quality.warnings.select(
            "org_unit_code",
            pl.col("unit").alias("name"),
            "period",
            "element_code",
            "element",
            "value",
            "check",
            "message",
            "location",
        ).to_dicts(),
    }


def render_json(model: ReportModel) -> str:
    annex = model.completeness
    months = annex.cells.sort("period").group_by("org_unit_code", maintain_order=True)
    per_unit = {key[0]: frame.drop("org_unit_code").to_dicts() for key, frame in months}
    totals = {u: (e, r) for u, e, r in annex.totals().iter_rows()}
    document = {
        "snapshot": {k: _plain(v) for k, v in model.header.items()},
        "content_sha256": model.content_sha256,
        **(
            {"restated_as_of": model.restated_as_of.isoformat(), "restated": model.restated_note()}
            if model.restated_as_of is not None
            else {}
        ),
        "root_name": model.root_name,
        "lang": model.lang,
        "summary": model.summary,
        "counts": model.counts,
        "indicators": _rows(model.indicators),
        "groups": [
            {
                "number": g.number,
                "name": g.name,
                "indicators": g.rows.get_column("indicator_code").to_list(),
            }
            for g in model.groups
        ],
        "annex": {
            "units": [
                {"org_unit_code": u.org_unit_code, "name": u.name, "indicators": _rows(u.rows)}
                for u in model.annex
            ],
            "untargeted": [{"org_unit_code": c, "name": n} for c, n in model.untargeted],
        },
        "completeness": {
            "source": annex.source,
            "months": [m.code for m in annex.months],
            "units": [
                {
                    **unit,
                    "expected": totals.get(unit["org_unit_code"], (0, 0))[0],
                    "received": totals.get(unit["org_unit_code"], (0, 0))[1],
                    "months": per_unit.get(unit["org_unit_code"], []),
                }
                for unit in annex.units.to_dicts()
            ],
        },
        "approval": None
        if model.approval is None
        else {
            "approved_by": model.approval.by,
            "approved_title": model.approval.title,
            "approved_at": model.approval.at,
            "approved_note": model.approval.note,
        },
        "document": dataclasses.asdict(model.document),
        "quality": _quality(model.quality),
    }
    return orjson.dumps(document, default=_plain, option=JSON_OPTIONS).decode() + "\n"
