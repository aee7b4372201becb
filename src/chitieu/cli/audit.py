"""Commands for auditors: snapshots list, show, diff, verify; trace."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import REVISION, UNIT_CODE, as_of_option, cli, common_options


@cli.group()
def snapshots() -> None:
    """For auditors: list, show, diff and verify published snapshots."""


@snapshots.command("list")
@common_options
@click.option("--period", default=None)
@click.option("--org", type=UNIT_CODE, default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def snapshots_list(
    config_dir: Path, warehouse: str | None, period: str | None, org: str | None, as_json: bool
) -> None:
    """Every revision: period, unit, revision, status, when, flow run, completeness, checks,
    and its sign-off (approved; or reopened after an approval)."""
    from chitieu.periods import Period
    from chitieu.signoff import revision_signoffs
    from chitieu.warehouse import open_warehouse

    code = None if period is None else Period.parse(period).code  # as every command does
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        frame = store.list_snapshots(code, org)
        signed = revision_signoffs(store.approvals(code, org))
    keys = ["review_period", "root_org_unit", "revision"]
    frame = frame.join(signed, on=keys, how="left", maintain_order="left")
    if as_json:
        for row in frame.to_dicts():
            click.echo(json.dumps(row, default=str, ensure_ascii=False))
        return
    if frame.is_empty():
        click.echo(_none_listed(code, org))
        return
    click.echo(
        f"{'period':<8} {'unit':<8} {'rev':>3} {'status':<10} {'created (UTC)':<19} "
        f"{'complete':>8} {'checks':<6} {'flow run':<36} {'content_sha256':<17} sign-off"
    )
    for row in frame.iter_rows(named=True):
        completeness = row["completeness"]
        click.echo(
            f"{row['review_period']:<8} {row['root_org_unit']:<8} {row['revision']:>3} "
            f"{row['status']:<10} {row['created_at']:%Y-%m-%d %H:%M:%S} "
            f"{'' if completeness is None else f'{completeness:.1%}':>8} "
            f"{'pass' if row['checks_passed'] else 'FAIL':<6} {row['flow_run_id'] or '-':<36} "
            f"{row['content_sha256'][:16]}… {_signed(row)}"
        )


def _none_listed(period: str | None, org: str | None) -> str:
    """What an empty listing says: which revisions there are none of."""
    from chitieu.shown import clipped

    if period is None and org is None:
        return "kho chưa có bản công bố nào / the warehouse has no snapshots yet"
    vi = ", ".join(
        [*([f"kỳ {period}"] if period else []), *([f"đơn vị {clipped(org)}"] if org else [])]
    )
    en = ", ".join(
        [*([f"period {period}"] if period else []), *([f"unit {clipped(org)}"] if org else [])]
    )
    return f"chưa có bản công bố nào của {vi} / no snapshots for {en}"


def _signed(row: dict[str, Any]) -> str:
    if row["signoff"] is None:
        return "-"
    return f"{row['signoff']} {row['signed_at']:%Y-%m-%d} {row['signed_by']}"


@snapshots.command("show")
@common_options
@click.argument("period")
@click.option("--org", type=UNIT_CODE, default=None)
@click.option("--revision", type=REVISION, default=None)
def snapshots_show(
    config_dir: Path, warehouse: str | None, period: str, org: str | None, revision: int | None
) -> None:
    """One revision: its header, hashes, approvals and reopenings, inputs and the root's
    indicators."""
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.quality.results import GateFolders, read_result
    from chitieu.report.load import load_report
    from chitieu.report.markdown import render_markdown
    from chitieu.signoff import signoff_lines
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    code, root = Period.parse(period).code, org or config.catalog.resolution.org_unit
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        snap = store.snapshot(code, root, revision, elements=False)
        signed = signoff_lines(store.approvals(code, root), int(str(snap.header["revision"])))
        model = load_report(config, store, code, root, int(str(snap.header["revision"])))
    for key, value in snap.header.items():
        click.echo(f"{key:<20} {value}")
    for key, text in signed:
        click.echo(f"{key:<20} {text}")
    click.echo(f"{'inputs':<20} {snap.inputs.height} submissions")
    kept = read_result(
        GateFolders.beside(settings.warehouse_url(warehouse)),
        str(snap.header["review_period"]),
        str(snap.header["root_org_unit"]),
        int(str(snap.header["revision"])),
    )
    click.echo(f"{'data_docs':<20} {kept.describe() if kept else '-'}")
    click.echo("")
    click.echo(render_markdown(model, annexes=False), nl=False)


@snapshots.command("verify")
@common_options
@click.option(
    "--head",
    "heads",
    multiple=True,
    metavar="HASH",
    help="A content_sha256 from a printed report (at least its first 16 digits): verify "
    "fails unless the warehouse still holds that revision. Repeatable.",
)
@click.option(
    "--archive",
    "every_file",
    is_flag=True,
    help="Re-hash every received file in the archive, not only those of the revisions' "
    "inputs (needs the owner's role on PostgreSQL).",
)
def snapshots_verify(
    config_dir: Path, warehouse: str | None, heads: tuple[str, ...], every_file: bool
) -> None:
    """Check that nothing published changed: every revision's hashes and chain, its input
    submissions and their archived files, the heads log (no revision removed), the heads
    given with --head, each revision recomputed from its inputs with --config, and every
    approval and reopening.
    Exit 1 on any mismatch; what could not be checked is said, never passed over."""
    from chitieu.lineage.verify import verify_warehouse
    from chitieu.warehouse import open_warehouse
    from chitieu.warehouse.rollback import valid_head

    wrong = [h for h in heads if not valid_head(h)]
    if wrong:
        raise click.BadParameter(
            f"{wrong[0]!r}: not a content_sha256 (16 to 64 hexadecimal digits)", param_hint="--head"
        )
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        found = verify_warehouse(store, config_dir, heads, every_file)
        signed = store.approvals().height
    for problem in found.problems:
        click.echo(f"SAI / MISMATCH: {problem}")
    for note in found.notes:
        click.echo(f"CHƯA KIỂM / NOT CHECKED: {note}")
    for line in found.checked:
        click.echo(f"đã kiểm / checked: {line}")
    if found.problems:
        click.echo(
            f"{len(found.problems)} sai lệch / mismatches: the warehouse is not what was published"
        )
        sys.exit(1)
    if found.notes:
        click.echo(
            f"{found.revisions} bản đã kiểm tra, không thấy sai lệch, {len(found.notes)} điều "
            f"chưa kiểm được (ở trên) / revisions verified, no mismatch found, "
            f"{len(found.notes)} thing(s) not checked (above)"
        )
        return
    click.echo(f"{found.revisions} bản đã kiểm tra, toàn vẹn / revisions verified, chain intact")
    if signed:
        click.echo(
            f"{signed} lần duyệt và mở lại đã kiểm tra, toàn vẹn / approvals and reopenings "
            "verified, chain intact"
        )


@snapshots.command("diff")
@common_options
@click.argument("period")
@click.argument("before", type=REVISION)
@click.argument("after", type=REVISION)
@click.option(
    "--org", type=UNIT_CODE, default=None, help="Root unit (default: the resolution's unit)."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def snapshots_diff(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    before: int,
    after: int,
    org: str | None,
    fmt: str,
    lang: str,
) -> None:
    """Indicators and elements whose value or class changed between revisions BEFORE and
    AFTER, with the submissions added or removed that caused each change, and the
    approvals and reopenings in between (a reopening with its reason)."""
    import polars as pl

    from chitieu.config import load_config
    from chitieu.lineage import diff_snapshots
    from chitieu.lineage.diff import changed_submissions
    from chitieu.lineage.text import diff_json, render_diff
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    root = org or config.catalog.resolution.org_unit
    code = Period.parse(period).code
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        # each revision's rows that the other has not, found by the database: a national
        # revision holds two million element rows, a correction changes a few thousand
        reads = store.snapshot_differences(code, root, before, after)
        ids = [read.snapshot_id for read in reads]
        # the added and removed submissions and their values: a national revision's
        # inputs are 130,000 submissions and millions of values, a correction's a few
        changed = sorted(set().union(*changed_submissions(*reads).values()))
        submissions = pl.concat([store.input_submissions(i, changed) for i in ids])
        values = pl.concat([store.input_values(i, changed) for i in ids])
        signoffs = store.approvals(code, root)
    diff = diff_snapshots(config, reads[0], reads[1], submissions, values, signoffs)
    click.echo(diff_json(diff) if fmt == "json" else render_diff(diff, lang), nl=False)


@cli.command()
@common_options
@click.argument("period")
@click.argument("indicator")
@click.option(
    "--org",
    type=UNIT_CODE,
    default=None,
    help="The unit whose figure to trace (default: the root).",
)
@click.option("--root", default=None, help="The review's root unit (default: the resolution's).")
@click.option("--revision", type=REVISION, default=None, help="Default: the published revision.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@as_of_option
def trace(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    indicator: str,
    org: str | None,
    root: str | None,
    revision: int | None,
    fmt: str,
    lang: str,
    as_of: dt.date | None,
) -> None:
    """Where a published figure came from: INDICATOR's formula, each element's value at
    the unit, the child units' contributions, down to the submissions (file, SHA-256,
    submitted_at) and their values, each recomputed from the revision's inputs; exit 1
    when a published figure differs from its recomputation. With --as-of, the revision's
    inputs restated on the units of that day: the old units' files and the share each
    value was carried with."""
    from chitieu.config import load_config
    from chitieu.lineage import trace_indicator
    from chitieu.lineage.text import render_trace, trace_json
    from chitieu.lineage.trace import TraceError, known_indicator
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    root = root or config.catalog.resolution.org_unit
    try:
        known_indicator(config, indicator)  # before a national revision's millions of values
    except TraceError as unknown:
        _held_by_the_revision(settings.warehouse_url(warehouse), period, root, revision, indicator)
        raise unknown
    # the formula's elements' rows and values only: a national revision holds two
    # million element rows and 23 M input values, one element's a hundredth of them
    elements = config.catalog.formula_elements(indicator)
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        snap = store.snapshot(Period.parse(period).code, root, revision, elements=elements)
        submissions = store.input_submissions(snap.snapshot_id)
        values = store.input_values(snap.snapshot_id, elements=elements)
    found = trace_indicator(
        config, snap, submissions, values, indicator, org or root, lang, as_of=as_of
    )
    click.echo(trace_json(found) if fmt == "json" else render_trace(found, lang), nl=False)
    if not found.matches:
        sys.exit(1)  # a published figure disagrees with its inputs


def _held_by_the_revision(
    url: str, period: str, root: str, revision: int | None, indicator: str
) -> None:
    """Raise `TraceError` saying so when the revision holds ``indicator`` that the catalog
    no longer defines (removed after it was published): tracing needs its formula. Says
    nothing when the revision cannot be read or does not hold it either."""
    from chitieu.errors import ChitieuError
    from chitieu.lineage.trace import TraceError
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    try:
        with open_warehouse(url, create=False) as store:
            snap = store.snapshot(Period.parse(period).code, root, revision, elements=False)
    except ChitieuError:
        return
    if indicator in snap.indicators.get_column("indicator_code"):
        raise TraceError(
            f"chỉ tiêu {indicator} có trong bản {snap.header['revision']} nhưng không còn "
            "trong danh mục: cần công thức của nó để truy vết, hãy khôi phục nó trong "
            f"catalog.yaml / {indicator} is in revision {snap.header['revision']} but no "
            "longer in the catalog: tracing needs its formula; restore it in catalog.yaml "
            "to trace it"
        )
