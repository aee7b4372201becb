"""What the Prefect UI shows about a run, as plain data: artifact keys, the review's
summary and indicator table, the rejected reports of an intake, and the events a team
hangs its notifications on.

Built from the pipeline's results without Prefect; `chitieu.flows` hands them over.
The UI renders the artifacts' text as Markdown: every name, file name, message or value
from outside is made `chitieu.inert` there (the events carry it as it is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from chitieu.config import Config
from chitieu.errors import PeriodError
from chitieu.inert import inert, inert_cell
from chitieu.periods import Period
from chitieu.report import CLASS_LABELS, class_labels, format_number, format_percent, review_title
from chitieu.report.cells import indicator_cells
from chitieu.report.model import catalog_frame, prepared, unit_table
from chitieu.rollup import ClassCounts, Rollup
from chitieu.rollup.hierarchy import valid_on
from chitieu.rollup.indicators import CLASSES
from chitieu.shown import shown
from chitieu.warehouse.models import Published

_NOT_KEY = re.compile(r"[^a-z0-9-]+")


def artifact_key(*parts: str) -> str:
    """``review-2024s1-834``: Prefect keys take lowercase letters, digits and dashes.
    The same review always gets the same key, so the UI shows the key's history."""
    return re.sub("-+", "-", _NOT_KEY.sub("-", "-".join(parts).lower())).strip("-")


def review_key(review_period: str, root: str) -> str:
    return artifact_key("review", review_period, root)


def intake_key(month: str, root: str) -> str:
    return artifact_key("intake", month, root)


# ---------------------------------------------------------------- the review


@dataclass(frozen=True)
class ReviewView:
    """One review run, as the team reads it."""

    review_period: Period
    root: str
    root_name: str
    summary_vi: str
    summary_en: str
    counts: ClassCounts
    completeness: float | None
    checks_passed: bool
    failed_checks: list[str]
    """Every failed check; only critical ones stop the publication."""
    published: Published | None
    dry_run: bool = False
    on_track: float = 50
    reports: tuple[Path, ...] = ()


def class_count_rows(view: ReviewView) -> list[tuple[str, str, int]]:
    """(Vietnamese label, English label, count) for every class, in the article's order;
    ``below_half`` counts ``not_started`` too, as the article does."""
    half = {lang: format_number(view.on_track, lang) for lang in ("vi", "en")}
    counts = view.counts.as_dict()
    labels = {
        lang: {name: label.format(half=half[lang]) for name, label in CLASS_LABELS[lang].items()}
        for lang in ("vi", "en")
    }
    labels["vi"]["not_started"] = "– trong đó chưa thực hiện"
    labels["en"]["not_started"] = "– of which not started"
    return [
        (labels["vi"][name], labels["en"][name], counts[name])
        for name in CLASSES
        if name != "no_target" or counts[name]
    ]


def review_markdown(view: ReviewView) -> str:
    """The summary artifact: the sentence read out at the meeting, and the counts."""
    period, total = view.review_period, view.counts.total
    lines = [
        f"# {review_title(period, 'vi')} — {inert(view.root_name)} ({inert(view.root)})",
        f"*{review_title(period, 'en')}, {period.vi_range()}*",
        "",
        f"**Tóm tắt:** {inert(view.summary_vi)}",
        "",
        f"**Summary:** {inert(view.summary_en)}",
        "",
        "| Đánh giá | Class | Số chỉ tiêu / indicators |",
        "|---|---|---:|",
        *(f"| {vi} | {en} | {n}/{total} |" for vi, en, n in class_count_rows(view)),
        "",
        f"- Mức đầy đủ báo cáo / completeness: "
        f"{format_percent(None if view.completeness is None else view.completeness * 100, 'vi')}",
    ]
    if not view.checks_passed:
        lines.append(
            "- **Kiểm tra chất lượng không đạt, không công bố / quality checks failed, "
            "nothing published:**"
        )
    elif view.dry_run:
        lines.append("- Chạy thử, không công bố / dry run, nothing published")
    elif view.published is not None:
        published = view.published
        state = "mới / new" if published.created else "giữ nguyên / unchanged"
        lines.append(
            f"- Bản công bố / revision {published.revision} ({state}), "
            f"sha256 `{published.content_sha256[:16]}…`"
        )
    if view.reports:
        links = ", ".join(f"[{inert(path.name)}]({file_link(path)})" for path in view.reports)
        lines.append(f"- Báo cáo / reports: {links}")
    if view.failed_checks and view.checks_passed:
        lines.append("- Cảnh báo / warnings:")
    lines += [f"  - {inert(failure)}" for failure in view.failed_checks]
    return "\n".join(lines) + "\n"


INDICATOR_COLUMNS = {
    "code": "Mã / code",
    "name": "Chỉ tiêu / indicator",
    "unit": "Đơn vị tính / unit",
    "actual": "Thực hiện / actual",
    "target": "Kế hoạch năm / target",
    "percent": "Tỷ lệ / percent",
    "last_actual": "Cùng kỳ năm trước / same period last year",
    "change": "So với cùng kỳ / change",
    "class": "Đánh giá / class",
}


def indicator_rows(config: Config, root: str, indicators: pl.DataFrame) -> list[dict[str, str]]:
    """Every indicator of the root, in catalog order, numbers written the Vietnamese way,
    with last year's figure and the change ("không so sánh được" where not comparable).
    ``indicators``: a revision's (or its draft's), with the same period last year."""
    table = unit_table(catalog_frame(config, "vi"), prepared(indicators), root)
    labels = class_labels("vi", format_number(config.catalog.classification.on_track, "vi"))
    return [
        {label: inert(cells[key]) for key, label in INDICATOR_COLUMNS.items()}
        for cells in (indicator_cells(row, "vi", labels) for row in table.iter_rows(named=True))
    ]


def root_name(rollup: Rollup) -> str:
    names = rollup.units.filter(pl.col("org_unit_code") == rollup.root).get_column("name")
    return names.item(0) if names.len() else rollup.root


def file_link(path: Path) -> str:
    """A ``file://`` link: reports and Data Docs are files beside the warehouse."""
    return path.resolve().as_uri()


# ---------------------------------------------------------------- the intake

REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "org_unit_code": pl.String(),
    "name": pl.String(),
    "period": pl.String(),
    "file": pl.String(),
    "problems": pl.Int64(),
    "first_problem": pl.String(),
    "sha256": pl.String(),
}
REJECTED_COLUMNS = {
    "org_unit_code": "Đơn vị / unit",
    "name": "Tên / name",
    "period": "Kỳ / period",
    "file": "Tệp / file",
    "problems": "Số lỗi / problems",
    "first_problem": "Lỗi đầu tiên / first problem",
}


def rejected_reports(
    registered: pl.DataFrame, issues: pl.DataFrame, org_units: pl.DataFrame
) -> pl.DataFrame:
    """The rejected reports of an intake batch with their first problem, by unit and period.

    ``registered``: the batch's submissions (with ``batch_seq``); ``issues``: its issues.
    A file that is not a submission at all has no unit or period. A report's warnings are
    no reason it was rejected: its errors are counted (those not kept too: `problem_total`).
    """
    from chitieu.problems import problem_total

    errors = (
        issues.filter(pl.col("severity") != "warning") if "severity" in issues.columns else issues
    )
    first = (
        errors.group_by("batch_seq", maintain_order=True)
        .agg(
            problem_total(pl.col("check"), pl.col("value")).cast(pl.Int64).alias("problems"),
            (
                pl.col("location").fill_null("")
                + pl.lit(": ")
                + pl.col("message_vi")
                + pl.lit(" / ")
                + pl.col("message_en")
            )
            .first()
            .str.strip_prefix(": ")
            .alias("first_problem"),
        )
        .with_columns(pl.col("batch_seq").cast(pl.Int64))
    )
    rejected = (
        registered.filter(pl.col("status") == "rejected")
        .join(first, on="batch_seq", how="left")
        .with_columns(
            pl.col("source_name")
            .map_elements(lambda s: shown(Path(s).name), pl.String)
            .alias("file"),
            pl.col("problems").fill_null(0),
            pl.col("first_problem").fill_null(""),
        )
    )
    names = [
        unit_name(org_units, unit, period)
        for unit, period in rejected.select("org_unit_code", "period").iter_rows()
    ]
    return (
        rejected.with_columns(pl.Series("name", names, pl.String))
        .select(pl.col(name).cast(dtype) for name, dtype in REJECTED_SCHEMA.items())
        .sort("org_unit_code", "period", "file", nulls_last=True)
    )


def unit_name(org_units: pl.DataFrame, code: str | None, period: str | None) -> str:
    """The unit's name on the period's last day (codes are reused after mergers)."""
    if code is None:
        return ""
    rows = org_units.filter(pl.col("code") == code)
    if period is not None:
        try:
            at_end = rows.filter(valid_on(Period.parse(period).end))
        except PeriodError:
            at_end = rows.head(0)
        if not at_end.is_empty():
            rows = at_end
    return str(rows.get_column("name")[-1]) if rows.height else ""


def rejected_rows(rejected: pl.DataFrame) -> list[dict[str, Any]]:
    """The intake's table artifact: one row per rejected report, texts `inert_cell`."""
    return [
        {label: inert_cell(row[name]) for name, label in REJECTED_COLUMNS.items()}
        for row in rejected.iter_rows(named=True)
    ]


def intake_markdown(
    label: str,
    root: str,
    root_name: str,
    files: int,
    counts: str,
    rejected: int,
    warnings: int = 0,
    status_lines: Sequence[str] = (),
) -> str:
    """The intake's summary artifact: what was received (``label``: its period, or
    ``first..last``), what must be resent, the warnings to check, who has reported."""
    first, _, last = label.partition("..")
    when = (
        f"Intake of {first} to {last}"
        if last
        else f"Intake after the {Period.parse(first).end:%d/%m/%Y} cut-off"
    )
    text = (
        f"# Tiếp nhận báo cáo kỳ {label} — {inert(root_name)} ({inert(root)})\n"
        f"*{when}*\n\n"
        f"- {files} tệp / files: {counts or 'không có / none'}\n"
        f"- {rejected} báo cáo bị từ chối, đơn vị phải gửi lại / "
        f"rejected reports, to be resent\n"
        f"- {warnings} cảnh báo cần kiểm tra / warnings to check\n"
    )
    if status_lines:
        text += "\n## Tình trạng báo cáo / reporting status\n\n" + "\n".join(status_lines) + "\n"
    return text


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class EventSpec:
    """A Prefect event: what happened, to which resource, with which related resources."""

    event: str
    resource: dict[str, str]
    related: list[dict[str, str]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)


def unit_resource(code: str, name: str, labels: Mapping[str, object]) -> dict[str, str]:
    """``chitieu.org_unit.28987``: automations match units by this id, and by labels."""
    return {
        "prefect.resource.id": f"chitieu.org_unit.{code}",
        "prefect.resource.name": name or code,
        **{f"chitieu.{key}": str(value) for key, value in labels.items()},
    }


def period_resource(period: str) -> dict[str, str]:
    return {"prefect.resource.id": f"chitieu.period.{period}", "prefect.resource.role": "period"}


def rejected_events(rejected: pl.DataFrame) -> list[EventSpec]:
    """``chitieu.report.rejected`` per rejected report; ``chitieu.file.rejected`` for a
    file that is not a submission at all (no unit to name). The texts are as received,
    not made `inert`: an event is data, and the automation that writes it into a Slack
    message or an e-mail escapes it for that format (README, "Events and notifications")."""
    events = []
    for row in rejected.iter_rows(named=True):
        payload = {"first_problem": row["first_problem"], "file": row["file"]}
        if row["org_unit_code"] is None:
            events.append(
                EventSpec(
                    "chitieu.file.rejected",
                    {
                        "prefect.resource.id": f"chitieu.file.{row['sha256']}",
                        "prefect.resource.name": row["file"],
                        "chitieu.problems": str(row["problems"]),
                    },
                    payload=payload,
                )
            )
            continue
        labels = {"period": row["period"], "problems": row["problems"], "file": row["file"]}
        events.append(
            EventSpec(
                "chitieu.report.rejected",
                unit_resource(row["org_unit_code"], row["name"], labels),
                [period_resource(row["period"])] if row["period"] else [],
                payload,
            )
        )
    return events


def _review_labels(view: ReviewView) -> dict[str, object]:
    return {"period": view.review_period.code, **view.counts.as_dict()}


def published_event(view: ReviewView) -> EventSpec:
    """``chitieu.snapshot.published``: a new revision of a review, with its class counts."""
    assert view.published is not None
    published = view.published
    snapshot = f"chitieu.snapshot.{view.review_period.code}.{view.root}.{published.revision}"
    return EventSpec(
        "chitieu.snapshot.published",
        unit_resource(
            view.root, view.root_name, {**_review_labels(view), "revision": published.revision}
        ),
        [
            period_resource(view.review_period.code),
            {"prefect.resource.id": snapshot, "prefect.resource.role": "snapshot"},
        ],
        {
            "summary_vi": view.summary_vi,
            "summary_en": view.summary_en,
            "content_sha256": published.content_sha256,
            "superseded_revision": published.superseded_revision,
            "completeness": view.completeness,
        },
    )


def checks_failed_event(view: ReviewView) -> EventSpec:
    """``chitieu.review.checks_failed``: the gate stopped a publication."""
    return EventSpec(
        "chitieu.review.checks_failed",
        unit_resource(view.root, view.root_name, _review_labels(view)),
        [period_resource(view.review_period.code)],
        {"failed_checks": list(view.failed_checks)},
    )
