"""``chitieu status PERIOD``: who has reported (SPEC §7). Reads only, never starts Prefect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options

SHORT: dict[str, str] = {
    "on_time": "✓",
    "late": "trễ/late",
    "superseded": "sửa/fixed",
    "rejected": "từ chối/rej",
    "held": "giữ/held",
    "missing": "THIẾU/MISS",
}
TOTAL_WORDS = (
    ("expected", "phải gửi/expected"),
    ("on_time", "đúng hạn/on time"),
    ("late", "trễ/late"),
    ("missing", "chưa gửi/missing"),
    ("rejected", "từ chối/rejected"),
    ("held", "tạm giữ/held"),
)


@cli.command()
@common_options
@click.argument("period")
@click.option("--org", default=None, help="Root unit (default: the resolution's unit).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "xlsx"]),
    default="text",
    show_default=True,
    help="text to read, json for scripts, xlsx for the phone calls.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (needed for xlsx) instead of the terminal.",
)
def status(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Who has reported for PERIOD (a month, 2024M06, or a review period, 2024S1): every
    submitting unit at or below the root, month by month: on time, late (after the due date,
    two working days after the cut-off), corrected, rejected and not resent, held,
    missing; its warnings; and the totals per unit below the root."""
    from chitieu import status as reporting
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx cần -o TỆP.xlsx / --format xlsx needs -o FILE.xlsx")
    parsed = Period.parse(period)
    config = load_config(config_dir)
    root = org or config.catalog.resolution.org_unit
    with open_warehouse(settings.warehouse_url(warehouse)) as opened:
        submissions = opened.submissions().join(
            opened.warning_counts(), on="submission_id", how="left"
        )
    states = reporting.month_states(config, submissions, parsed, root)
    totals = reporting.totals(states, config, parsed, root)
    root_name = totals.filter(totals["org_unit_code"] == root)["name"].first() or root
    if fmt == "xlsx":
        assert output is not None
        write_xlsx(output, parsed.code, root, str(root_name), states, totals)
        click.echo(f"{states.height} dòng / rows → {output}")
        return
    text = (
        as_json(parsed, root, str(root_name), states, totals)
        if fmt == "json"
        else as_text(parsed, root, str(root_name), states, totals)
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"→ {output}")


def _when(moment: Any) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(_zone())
    return local.strftime("%d/%m/%Y %H:%M")


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")


def as_text(period: Any, root: str, root_name: str, states: Any, totals: Any) -> str:
    """A grid: one line per unit, one column per month, then the totals."""
    months = period.months()
    lines = [
        f"Tình trạng báo cáo / reporting status {period.code} — {root_name} ({root})",
        "hạn gửi / due: " + ", ".join(f"{m.code} {m.due:%d/%m/%Y}" for m in months),
        "",
    ]
    width = max(11, *(len(w) for w in SHORT.values()))
    header = f"{'mã/code':<8} {'tên/name':<28} " + " ".join(f"{m.code:<{width}}" for m in months)
    lines += [header + " cảnh báo/warnings", "-" * (len(header) + 18)]
    grid: dict[tuple[str, str], dict[str, Any]] = {}
    for row in states.iter_rows(named=True):
        unit = grid.setdefault((row["org_unit_code"], row["name"]), {"warnings": 0})
        unit[row["period"]] = SHORT[row["state"]]
        unit["warnings"] += row["warnings"]
    for (code, name), cells in sorted(grid.items()):
        shown = " ".join(f"{cells.get(m.code, ''):<{width}}" for m in months)
        warn = str(cells["warnings"]) if cells["warnings"] else ""
        lines.append(f"{code:<8} {name[:28]:<28} {shown} {warn}")
    lines += [
        "",
        "✓ đúng hạn / on time · trễ: sau hạn gửi / after the due date · sửa: đã gửi bản sửa "
        "/ corrected · từ chối: chưa gửi lại / rejected, not resent · giữ: tạm giữ khi phê "
        "duyệt / held at sign-off · THIẾU: chưa gửi / missing",
        "",
        f"{'Tổng hợp / totals':<36} {'kỳ/period':<9} "
        + " ".join(f"{label:>17}" for _, label in TOTAL_WORDS),
    ]
    for row in totals.iter_rows(named=True):
        label = f"{row['org_unit_code']} {row['name']}"[:36]
        counts = " ".join(f"{row[column]:>17}" for column, _ in TOTAL_WORDS)
        lines.append(f"{label:<36} {row['period']:<9} {counts}")
    return "\n".join(lines) + "\n"


def as_json(period: Any, root: str, root_name: str, states: Any, totals: Any) -> str:
    def rows(frame: Any) -> list[dict[str, Any]]:
        out = []
        for row in frame.iter_rows(named=True):
            if row.get("submitted_at") is not None:
                row["submitted_at"] = row["submitted_at"].isoformat()
            out.append(row)
        return out

    document = {
        "period": period.code,
        "root": root,
        "root_name": root_name,
        "months": [{"period": m.code, "due": m.due.isoformat()} for m in period.months()],
        "units": rows(states),
        "totals": rows(totals),
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def write_xlsx(
    path: Path, period: str, root: str, root_name: str, states: Any, totals: Any
) -> None:
    """Two sheets: every unit × month with what to ask for, and the totals."""
    import polars as pl
    import xlsxwriter

    from chitieu.status import STATE_WORDS

    words = {state: f"{vi} / {en}" for state, (vi, en) in STATE_WORDS.items()}
    units = states.sort("state", "org_unit_code", "period").select(
        pl.col("org_unit_code").alias("Mã đơn vị / unit"),
        pl.col("name").alias("Tên / name"),
        pl.col("parent_code").alias("Cấp trên / parent"),
        pl.col("period").alias("Kỳ / period"),
        pl.col("state").replace_strict(words).alias("Tình trạng / state"),
        pl.col("submitted_at")
        .dt.convert_time_zone("Asia/Ho_Chi_Minh")
        .dt.strftime("%d/%m/%Y %H:%M")
        .alias("Gửi lúc / submitted (giờ VN)"),
        pl.col("warnings").alias("Cảnh báo / warnings"),
        pl.col("submission_id").alias("Số báo cáo / submission"),
    )
    summary = totals.rename(
        {"org_unit_code": "Mã đơn vị / unit", "name": "Tên / name", "period": "Kỳ / period"}
        | dict(TOTAL_WORDS)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path)) as book:
        # strings stay strings: a name beginning with "=" never becomes a formula
        book.strings_to_formulas = False
        units.write_excel(book, worksheet="Don vi", table_style="Table Style Light 9", autofit=True)
        summary.write_excel(
            book, worksheet="Tong hop", table_style="Table Style Light 9", autofit=True
        )
        book.set_properties({"title": f"Tình trạng báo cáo {period} — {root_name} ({root})"})
