"""``chitieu status PERIOD``: who has reported (SPEC §7). Reads only, never starts Prefect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import UNIT_CODE, cli, common_options
from chitieu.cli._output import output_file

SHORT: dict[str, str] = {
    "on_time": "✓",
    "late": "trễ/late",
    "superseded": "sửa/fixed",
    "rejected": "từ chối/rej",
    "held": "giữ/held",
    "missing": "THIẾU/MISS",
}
WRITES: dict[str, tuple[str, tuple[str, str]]] = {
    "text": (".txt", ("văn bản", "text")),
    "json": (".json", ("JSON", "JSON")),
    "xlsx": (".xlsx", ("một bảng tính Excel", "an Excel workbook")),
}
"""What each format writes, in a file of which suffix (`chitieu.cli._output`)."""
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
@click.option(
    "--org", type=UNIT_CODE, default=None, help="Root unit (default: the resolution's unit)."
)
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
    "output_name",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Write to this file (needed for xlsx) instead of the terminal: FILE.xlsx, "
    "FILE.json, FILE.txt as --format says.",
)
def status(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    fmt: str,
    output_name: str | None,
) -> None:
    """Who has reported for PERIOD (a month, 2024M06, or a review period, 2024S1): every
    submitting unit at or below the root, month by month: on time, late (after the due date,
    two working days after the cut-off), corrected, rejected and not resent, held,
    missing; its warnings; and the totals per unit below the root."""
    from chitieu import status as reporting
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    if fmt == "xlsx" and output_name is None:
        raise click.UsageError("--format xlsx cần -o TỆP.xlsx / --format xlsx needs -o FILE.xlsx")
    output = None if output_name is None else output_file(output_name, fmt, *WRITES[fmt])
    parsed = Period.parse(period)
    config = load_config(config_dir)
    root = org or config.catalog.resolution.org_unit
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as opened:
        submissions = opened.submissions().join(
            opened.warning_counts(), on="submission_id", how="left"
        )
    states = reporting.month_states(config, submissions, parsed, root)
    totals = reporting.totals(states, config, parsed, root)
    root_name = totals.filter(totals["org_unit_code"] == root)["name"].first() or root
    if fmt == "xlsx":
        assert output is not None
        from chitieu.files import write_through_temporary

        write_through_temporary(
            output,
            lambda path: write_xlsx(path, parsed.code, root, str(root_name), states, totals),
        )
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
        from chitieu.files import write_atomically

        write_atomically(output, text.encode("utf-8"))
        click.echo(f"→ {output}")


def as_text(period: Any, root: str, root_name: str, states: Any, totals: Any) -> str:
    """A grid: one line per unit, one column per month, then the totals; built column by
    column (a national year is 130,000 unit-months)."""
    import polars as pl

    months = [m.code for m in period.months()]
    width = max(11, *(len(w) for w in SHORT.values()))
    wide = (
        states.with_columns(pl.col("state").replace_strict(SHORT).alias("short"))
        # a code reused by a new unit (the 2025 reform) is a line per unit that held it,
        # each under its own name and over its own months
        .group_by("org_unit_code", "name", maintain_order=True)
        .agg(
            pl.col("warnings").sum(),
            *[pl.col("short").filter(pl.col("period") == m).first().alias(m) for m in months],
        )
        .sort("org_unit_code")
    )
    grid = wide.select(
        pl.concat_str(
            pl.col("org_unit_code").str.pad_end(8),
            pl.col("name").str.slice(0, 28).str.pad_end(28),
            *[pl.col(m).fill_null("").str.pad_end(width) for m in months],
            pl.when(pl.col("warnings") > 0)
            .then(pl.col("warnings").cast(pl.String))
            .otherwise(pl.lit("")),
            separator=" ",
        ).str.strip_chars_end()
    ).to_series()
    header = f"{'mã/code':<8} {'tên/name':<28} " + " ".join(f"{m:<{width}}" for m in months)
    counts = [column for column, _ in TOTAL_WORDS]
    summed = totals.select(
        pl.concat_str(
            pl.concat_str("org_unit_code", "name", separator=" ").str.slice(0, 36).str.pad_end(36),
            pl.col("period").str.pad_end(9),
            *[pl.col(c).cast(pl.String).str.pad_start(17) for c in counts],
            separator=" ",
        )
    ).to_series()
    lines = [
        f"Tình trạng báo cáo / reporting status {period.code} — {root_name} ({root})",
        "hạn gửi / due: " + ", ".join(f"{m.code} {m.due:%d/%m/%Y}" for m in period.months()),
        "",
        header + " cảnh báo/warnings",
        "-" * (len(header) + 18),
        *grid.to_list(),
        "",
        "✓ đúng hạn / on time · trễ: sau hạn gửi / after the due date · sửa: đã gửi bản sửa "
        "/ corrected · từ chối: chưa gửi lại / rejected, not resent · giữ: tạm giữ khi phê "
        "duyệt / held at sign-off · THIẾU: chưa gửi / missing",
        "",
        f"{'Tổng hợp / totals':<36} {'kỳ/period':<9} "
        + " ".join(f"{label:>17}" for _, label in TOTAL_WORDS),
        *summed.to_list(),
    ]
    return "\n".join(lines) + "\n"


def as_json(period: Any, root: str, root_name: str, states: Any, totals: Any) -> str:
    """The same for scripts: the months with their due dates, every unit-month, the
    totals. The rows are written by polars (no loop over 130,000 of them)."""
    import polars as pl

    units = states.with_columns(
        pl.col("submitted_at").dt.strftime("%Y-%m-%dT%H:%M:%S%:z").alias("submitted_at")
    )
    head = json.dumps(
        {
            "period": period.code,
            "root": root,
            "root_name": root_name,
            "months": [{"period": m.code, "due": m.due.isoformat()} for m in period.months()],
        },
        ensure_ascii=False,
    )
    return head[:-1] + f', "units": {units.write_json()}, "totals": {totals.write_json()}}}' + "\n"


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
