"""Commands of the data team's review: demo, review, report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Final

import click

from chitieu import settings
from chitieu.cli._base import (
    REVISION,
    UNIT_CODE,
    as_of_option,
    cli,
    common_options,
    ephemeral_option,
    settled_imports,
    start_prefect,
)
from chitieu.cli._output import output_file


@cli.command()
@click.option(
    "--workdir",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo's fresh warehouse, archive and reports.",
)
@ephemeral_option
def demo(workdir: Path, ephemeral: bool) -> None:
    """Run the whole job on the bundled Giồng Trôm 2024 example."""
    from chitieu.examples import demo_leftovers
    from chitieu.quality import worker

    demo_leftovers(workdir.resolve())  # a folder holding a team's warehouse is refused first

    worker.warm()  # Great Expectations imports beside Prefect's start and the intake
    ui = start_prefect(ephemeral)
    with settled_imports():
        from chitieu.flows.demo import demo_flow
        from chitieu.flows.support import attended

    with attended():
        result = demo_flow(str(workdir))
    for line in result.lines:
        click.echo(line)
    if ui:
        click.echo(f"Giao diện Prefect / Prefect UI: {ui}/runs")


@cli.command()
@common_options
@click.argument("period")
@click.option(
    "--org", type=UNIT_CODE, default=None, help="Root unit (default: the resolution's unit)."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Roll up and run the quality checks, say what would be published; write nothing.",
)
@as_of_option
@ephemeral_option
def review(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    dry_run: bool,
    as_of: dt.date | None,
    ephemeral: bool,
) -> None:
    """Roll up, check and publish a snapshot revision of a review period. An approved
    review publishes nothing (exit 5) until `chitieu reopen`."""
    if as_of is not None and not dry_run:
        raise click.UsageError(
            "--as-of chỉ dùng với --dry-run: số liệu tính lại theo địa giới về sau không được "
            "công bố / --as-of needs --dry-run: a period restated on a later hierarchy is "
            "never published as a revision"
        )
    if dry_run:
        with settled_imports():
            from chitieu.quality import worker

        worker.warm()  # Great Expectations imports in its own process while this one works
        _dry_run(config_dir, settings.warehouse_url(warehouse), period, org, as_of)
        return
    from chitieu.flows.read_ahead import Review, reviewing_ahead

    flow_url = settings.warehouse_for_flow(warehouse)
    settings.check_beside(flow_url, *settings.REVIEW_FOLDERS)  # a file in the way: said first
    # first thing, before polars: the review rolled up and checked while Prefect starts
    with reviewing_ahead(Review.of(period, str(config_dir), flow_url, org)) as ahead:
        with settled_imports():
            from chitieu.cli.signoff import refuse_if_approved
            from chitieu.config import load_config
            from chitieu.errors import ReviewLocked
            from chitieu.periods import Period, refuse_unbegun
            from chitieu.quality import worker

        def refuse() -> None:
            """Before the run starts, an approved review is refused at once."""
            refuse_if_approved(
                load_config(config_dir), settings.warehouse_url(warehouse), period, org
            )

        refuse_unbegun(Period.parse(period))  # before the run starts: nothing to publish
        if ahead is None:
            worker.warm()  # Great Expectations imports in its own process while this one works
            refuse()  # before Prefect starts
        start_prefect(ephemeral)  # before Prefect is imported
        with settled_imports():
            from chitieu.flows.review import review_flow
            from chitieu.flows.support import attended

        if ahead is not None:
            told = ahead.approval()
            if told is None:  # the reader could not tell: ask the warehouse
                ahead.release()
                refuse()
            elif told.locked is not None:
                raise ReviewLocked(told.locked)
        with attended():
            outcome = review_flow(period, str(config_dir), flow_url, org)
    if outcome.locked:  # approved while the review ran
        raise ReviewLocked(outcome.locked)
    click.echo(f"{outcome.review_period} {outcome.root}: {outcome.summary_vi}")
    if not outcome.checks_passed:
        click.echo(
            "kiểm tra chất lượng không đạt, không công bố / quality checks failed, "
            "nothing published: " + "; ".join(outcome.failed_checks),
            err=True,
        )
        sys.exit(4)
    published = outcome.published
    assert published is not None
    if published.created:
        click.echo(
            f"công bố bản {published.revision} / published revision {published.revision}"
            f" (sha256 {published.content_sha256[:16]}…)"
        )
    else:
        click.echo(
            f"không có gì mới, bản {published.revision} giữ nguyên / "
            f"inputs unchanged, revision {published.revision} stands"
        )
    if outcome.failed_checks:
        click.echo("cảnh báo / warnings: " + "; ".join(outcome.failed_checks))


def _dry_run(
    config_dir: Path, url: str, period: str, org: str | None, as_of: dt.date | None = None
) -> None:
    """`review --dry-run`: the roll-up and the quality gate without Prefect; writes nothing
    (exit 4, as a review, when a critical check fails). Held reports the review would take
    in are taken in; an approved review is rolled up as if reopened, compared with the
    approved revision, and exits 5, as a review would."""
    with settled_imports():
        from chitieu import pipeline
        from chitieu.cli.signoff import against_approved, held_lines
        from chitieu.config import load_config
        from chitieu.periods import Period
        from chitieu.rollup import class_counts, summary_sentence
        from chitieu.warehouse import open_warehouse
        from chitieu.warehouse.signoff import approved_message

    review_period = Period.parse(period)
    config = load_config(config_dir)
    root = org or config.catalog.resolution.org_unit
    with open_warehouse(url, create=False) as store:
        approval = store.standing_approval(review_period.code, root)
        inputs, taken = pipeline.review_inputs(config, store, review_period, root)
        prepared = pipeline.prepare_review(
            config, store, review_period, root, keep_results=False, inputs=inputs, as_of=as_of
        )
        revision, new = pipeline.next_revision(store, prepared.draft)
        if approval is not None:
            changes = against_approved(config, store, approval, prepared.draft, revision)
    rollup, draft, checks = prepared.rollup, prepared.draft, prepared.checks
    counts = class_counts(rollup.root_indicators())
    thresholds, mid_year = config.catalog.classification, not review_period.is_year
    summary = summary_sentence(counts, "vi", thresholds, mid_year)
    if approval is not None:
        click.echo(f"{approved_message(approval)}; nếu mở lại / if reopened:")
    click.echo(f"{draft.review_period} {draft.root_org_unit}: {summary}")
    click.echo("chạy thử, không ghi gì / dry run, nothing written")
    if as_of is not None:
        import polars as pl

        apart = rollup.root_indicators().filter(~pl.col("comparable")).get_column("indicator_code")
        click.echo(
            f"tính lại theo địa giới ngày {as_of.isoformat()} / restated on the units of "
            f"{as_of.isoformat()}; "
            f"không so sánh được / not comparable: {', '.join(apart) or '-'}"
        )
    for line in held_lines(taken):
        click.echo(line)
    complete = "-" if draft.completeness is None else f"{draft.completeness:.1%}"
    click.echo(
        f"{rollup.units.height} units, {draft.indicators.height} indicator rows, "
        f"{draft.elements.height} element rows, {draft.inputs.height} reports used, "
        f"completeness {complete}"
    )
    click.echo("kiểm tra chất lượng / quality checks:")
    for o in checks.outcomes:
        verdict = "pass" if o.passed else "FAIL"
        click.echo(f"  {verdict:<4} {o.severity:<8} {o}")
    if approval is not None:
        click.echo("\nso với bản đã duyệt / against the approved revision:")
        click.echo(changes, nl=False)
        click.echo(
            f"sẽ không công bố / would publish nothing: {approved_message(approval)}", err=True
        )
        sys.exit(5)
    if not checks.passed:
        click.echo(
            "sẽ không công bố / would publish nothing: quality checks failed: " + checks.reason(),
            err=True,
        )
        sys.exit(4)
    if new:
        click.echo(f"sẽ công bố bản {revision} / would publish revision {revision}")
    else:
        click.echo(
            f"không có gì mới, bản {revision} giữ nguyên / nothing new, revision {revision} stands"
        )


REPORT_WRITES: Final[dict[str, tuple[str, tuple[str, str], tuple[str, ...]]]] = {
    "md": (".md", ("Markdown", "Markdown"), (".markdown", ".txt")),
    "html": (".html", ("một trang HTML", "an HTML page"), (".htm",)),
    "json": (".json", ("JSON", "JSON"), ()),
    "xlsx": (".xlsx", ("một bảng tính Excel", "an Excel workbook"), ()),
    "docx": (".docx", ("một văn bản Word", "a Word document"), ()),
}
"""What each report format writes, in a file of which suffixes (`chitieu.cli._output`)."""


@cli.command()
@common_options
@click.argument("period")
@click.option(
    "--org", type=UNIT_CODE, default=None, help="Root unit (default: the resolution's unit)."
)
@click.option("--revision", type=REVISION, default=None, help="Default: the published revision.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "xlsx", "docx"]),
    default="md",
    show_default=True,
    help="docx: the Word document the meeting reads and signs, from the configuration "
    "folder's report_template.docx when it has one.",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option(
    "-o", "--output", "output_name", type=click.Path(dir_okay=False, path_type=str), default=None
)
@click.option("--number", default=None, help="The document's number: 123 in Số 123-BC/HU (docx).")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]),
    default=None,
    help="The document's date (docx): 2024-06-17 or 17/06/2024; default: the report: "
    "section's, else today in Vietnam.",
)
@as_of_option
def report(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    revision: int | None,
    fmt: str,
    lang: str,
    output_name: str | None,
    number: str | None,
    day: dt.datetime | None,
    as_of: dt.date | None,
) -> None:
    """The review report of a published revision (md, html, json, xlsx; docx: the
    signed review document). With --as-of, the period restated on the units of a later
    day from the reports accepted now: not a published revision, and it says so."""
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.report.load import load_report
    from chitieu.report.output import FILE_FORMATS, render_text, write_report
    from chitieu.warehouse import open_warehouse

    period_code = Period.parse(period).code
    output = None if output_name is None else output_file(output_name, fmt, *REPORT_WRITES[fmt])
    if fmt in FILE_FORMATS and output is None:
        raise click.UsageError(f"--format {fmt} writes a file: give -o FILE.{fmt}")
    if fmt == "docx" and lang != "vi":
        raise click.UsageError("the review document (--format docx) is in Vietnamese: --lang vi")
    if as_of is not None and (revision is not None or fmt == "xlsx"):
        raise click.UsageError(
            "--as-of tính lại số liệu, không đọc một bản công bố / --as-of restates the "
            "period from the reports accepted now: no --revision, and md, html, json or docx"
        )
    config = load_config(config_dir)
    if as_of is not None:
        from chitieu.report.load import load_restated_report

        with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
            model = load_restated_report(
                config,
                store,
                period_code,
                org or config.catalog.resolution.org_unit,
                as_of,
                lang,
                number=number,
                day=day.date() if day else None,
            )
    else:
        with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
            model = load_report(
                config,
                store,
                period_code,
                org or config.catalog.resolution.org_unit,
                revision,
                lang,
                audit=fmt == "xlsx",
                number=number,
                day=day.date() if day else None,
            )
    if output is not None:
        click.echo(str(write_report(model, fmt, output, config.folder)))
    else:
        click.echo(render_text(model, fmt), nl=False)
