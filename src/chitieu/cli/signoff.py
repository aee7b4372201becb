"""Commands of sign-off (SPEC §8): approve a published revision, reopen an approved review.

Both write one row to the warehouse and start no flow. With ``PREFECT_API_URL`` set (the
server the data team watches), each also emits its Prefect event; without it, none
(emitting would start a temporary local server that nobody watches).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chitieu import settings
from chitieu.cli._base import REVISION, UNIT_CODE, cli, common_options

if TYPE_CHECKING:
    import polars as pl

    from chitieu.config import Config
    from chitieu.dashboard import EventSpec
    from chitieu.warehouse import Warehouse
    from chitieu.warehouse.models import SignOff, SnapshotDraft


def _review(config_dir: Path, period: str, org: str | None) -> tuple[Config, str, str]:
    from chitieu.config import load_config
    from chitieu.periods import Period

    code = Period.parse(period).code
    config = load_config(config_dir)
    return config, code, org or config.catalog.resolution.org_unit


def _signed(signed: SignOff) -> str:
    title = f", {signed.title}" if signed.title else ""
    return (
        f"{signed.review_period} {signed.root_org_unit} bản / revision {signed.revision} — "
        f"{signed.by_name}{title}, {signed.at:%Y-%m-%d %H:%M:%S} UTC"
    )


def _announce(config: Config, signed: SignOff) -> None:
    """The sign-off's Prefect event, on the server in ``PREFECT_API_URL`` if one is set.
    The warehouse holds the record: an event that cannot be sent is a warning."""
    if not os.environ.get("PREFECT_API_URL"):
        return
    import asyncio

    from chitieu.dashboard import unit_name
    from chitieu.signoff import signoff_event

    spec = signoff_event(
        signed, unit_name(config.org_units, signed.root_org_unit, signed.review_period)
    )
    try:
        settings.prepare_prefect()  # one that does not answer: ServerUnavailable, in seconds
        asyncio.run(_send(spec))
    except Exception as error:  # whatever the server or the network answers
        click.echo(
            f"cảnh báo / warning: chưa gửi được sự kiện / the Prefect event {spec.event} was "
            f"not sent ({error}); the {signed.action} is recorded",
            err=True,
        )


async def _send(spec: EventSpec) -> None:
    """One event, sent and acknowledged before the command ends (no background worker)."""
    from prefect.events import Event, RelatedResource, Resource
    from prefect.events.clients import get_events_client

    event = Event(
        event=spec.event,
        resource=Resource(spec.resource),
        related=[RelatedResource(r) for r in spec.related],
        payload=spec.payload,
    )
    async with get_events_client(reconnection_attempts=1) as client:
        await client.emit(event)


@cli.command()
@common_options
@click.argument("period")
@click.option(
    "--org", type=UNIT_CODE, default=None, help="Root unit (default: the resolution's unit)."
)
@click.option(
    "--revision",
    type=REVISION,
    default=None,
    help="The revision approved: the published one (the default); any other is refused.",
)
@click.option("--by", "by", required=True, metavar="NAME", help="Who approves, as they sign.")
@click.option("--title", default=None, help="Their title, e.g. 'Chủ tịch UBND huyện'.")
@click.option("--note", default=None, help="A note: the meeting, the resolution's number...")
def approve(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    revision: int | None,
    by: str,
    title: str | None,
    note: str | None,
) -> None:
    """Record that the committee approved the published revision of PERIOD: who, with
    which title, when, a note, and the revision's content_sha256 (its rows are checked
    against it first). The review is then locked: later reports for its months are held,
    and a review of it publishes nothing, until `chitieu reopen`."""
    from chitieu.warehouse import open_warehouse

    config, code, root = _review(config_dir, period, org)
    # never makes one: an empty warehouse has nothing to approve (a mistyped --warehouse)
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        signed = store.approve(code, root, by, revision, title, note)
    click.echo(f"đã duyệt / approved: {_signed(signed)}")
    if signed.note:
        click.echo(f"  ghi chú / note: {signed.note}")
    click.echo(f"  content_sha256 {signed.content_sha256}")
    click.echo(
        "kỳ đã khoá: báo cáo mới cho các tháng của kỳ bị giữ lại cho đến khi mở lại / "
        "the review is locked: later reports for its months are held until it is reopened"
    )
    _announce(config, signed)


@cli.command()
@common_options
@click.argument("period")
@click.option(
    "--org", type=UNIT_CODE, default=None, help="Root unit (default: the resolution's unit)."
)
@click.option("--by", "by", required=True, metavar="NAME", help="Who reopens the review.")
@click.option("--reason", required=True, help="Why: it is kept in the chain and shown by diff.")
def reopen(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    by: str,
    reason: str,
) -> None:
    """Reopen an approved review of PERIOD, saying why. The lock is lifted: the next
    `chitieu review` takes the held reports in, in their original order, and publishes
    the next revision; `chitieu snapshots diff` shows the reason beside the changes."""
    from chitieu.warehouse import open_warehouse

    config, code, root = _review(config_dir, period, org)
    with open_warehouse(settings.warehouse_url(warehouse), create=False) as store:
        signed = store.reopen(code, root, by, reason)
    click.echo(f"đã mở lại / reopened: {_signed(signed)}")
    click.echo(f"  lý do / reason: {signed.note}")
    click.echo(
        f"lần đánh giá tới đưa các báo cáo bị giữ vào / the next review takes the held "
        f"reports in: chitieu review {code} --org {root}"
    )
    _announce(config, signed)


def refuse_if_approved(config: Config, url: str, period: str, org: str | None) -> None:
    """`ReviewLocked` (exit 5, who approved and how to reopen) when the review of PERIOD
    is approved: what `chitieu review` says before it starts Prefect."""
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    code = Period.parse(period).code
    if url.startswith("duckdb:") and not settings.duckdb_path(url).exists():
        return  # a warehouse still to be created holds no approval
    with open_warehouse(url) as store:
        store.refuse_if_approved(code, org or config.catalog.resolution.org_unit)


def held_lines(taken: pl.DataFrame) -> list[str]:
    """The held reports a review takes in, one line each, for a dry run."""
    if taken.is_empty():
        return []
    lines = [f"báo cáo đang giữ được đưa vào / held reports taken in ({taken.height}):"]
    for row in taken.iter_rows(named=True):
        sent = row["submitted_at"] or row["received_at"]
        lines.append(
            f"  + #{row['submission_id']} {row['source_name']}  {row['org_unit_code']} "
            f"{row['period']}  nộp / submitted {sent:%Y-%m-%d %H:%M} UTC"
        )
    return lines


def against_approved(
    config: Config,
    store: Warehouse,
    approval: dict[str, Any],
    draft: SnapshotDraft,
    revision: int,
    lang: str = "vi",
) -> str:
    """The diff of the approved revision against ``draft`` (the review as it would be
    after a reopening, as ``revision``), as `chitieu snapshots diff` writes it."""
    import polars as pl

    from chitieu.lineage import diff_snapshots
    from chitieu.lineage.diff import changed_submissions
    from chitieu.lineage.text import render_diff
    from chitieu.warehouse.hashing import CONTENT_VERSION
    from chitieu.warehouse.models import INPUT_SUBMISSIONS_SCHEMA, SnapshotRead

    before = store.snapshot(draft.review_period, draft.root_org_unit, int(approval["revision"]))
    header = {
        **before.header,
        "snapshot_id": None,
        "revision": revision,
        "status": "dry run",
        "created_at": None,
        "flow_run_id": None,
        "catalog_sha256": draft.catalog_sha256,
        "inputs_sha256": draft.inputs_sha256,
        "content_sha256": None,
        "prev_content_sha256": before.header["content_sha256"],
        "completeness": draft.completeness,
        "checks_passed": draft.checks_passed,
        "content_version": CONTENT_VERSION,
        "history_sha256": draft.history_sha256,
        "records_sha256": None,
    }
    after = SnapshotRead(header, draft.indicators, draft.elements, draft.inputs)
    sides = changed_submissions(before, after)
    added = sorted(sides["added"])
    submissions = pl.concat(
        [
            store.input_submissions(before.snapshot_id),
            store.submissions()
            .filter(pl.col("submission_id").is_in(added))
            .select(list(INPUT_SUBMISSIONS_SCHEMA)),
        ]
    )
    values = pl.concat(
        [
            store.input_values(before.snapshot_id, sorted(sides["removed"])),
            store.report_values(added),
        ]
    )
    return render_diff(diff_snapshots(config, before, after, submissions, values), lang)
