"""What sign-off means for the reports (SPEC §8), as pure functions over the hierarchy:
which reports an approved review holds, a review's reports as if it were reopened, who
approved a revision, and the events a team hangs notifications on.

`chitieu.warehouse.signoff` records approvals and reopenings; this module decides, from
the configuration, which reports they hold. An approved review holds every report for a
period inside it (a month, a quarter, the review period itself) from a unit whose history
belongs to the root's subtree at the review's end, as the review itself would draw on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from chitieu.config import Config
from chitieu.inert import code_span, inert
from chitieu.periods import Period
from chitieu.rollup.elements import within_review
from chitieu.rollup.hierarchy import ReviewError, subtree
from chitieu.shown import shown
from chitieu.snapshot import reports_within
from chitieu.warehouse.models import SignOff
from chitieu.warehouse.signoff import Hold

if TYPE_CHECKING:
    from chitieu.dashboard import EventSpec

HOLDING_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "review_period": pl.String(),
    "root_org_unit": pl.String(),
}


def holding(config: Config, reports: pl.DataFrame, locks: pl.DataFrame) -> pl.DataFrame:
    """Which approved review (of ``locks``: ``review_period, root_org_unit``) holds which
    of ``reports`` (``submission_id, org_unit_code, period``): one row per pair
    (``HOLDING_SCHEMA``). A root this configuration does not know holds every report
    inside its period: nothing slips past an approval for want of a hierarchy."""
    found = [pl.DataFrame(schema=HOLDING_SCHEMA)]
    reviews = locks.select("review_period", "root_org_unit").unique(maintain_order=True)
    for review_period, root in reviews.iter_rows():
        period = Period.parse(review_period)
        try:
            units = subtree(config.org_units, root, period.end)
        except ReviewError:
            held = within_review(reports.lazy(), period).collect()
        else:
            held = reports_within(reports, config, period, units)
        found.append(
            held.select(
                pl.col("submission_id").cast(pl.Int64),
                pl.lit(review_period).alias("review_period"),
                pl.lit(root).alias("root_org_unit"),
            )
        )
    return pl.concat(found).sort("submission_id", "review_period", "root_org_unit")


def hold_rule(config: Config) -> Hold:
    """The `Hold` the warehouse asks at intake and before a review: by this hierarchy."""

    def hold(locks: pl.DataFrame, reports: pl.DataFrame) -> Sequence[int]:
        return holding(config, reports, locks)["submission_id"].unique().to_list()

    return hold


def held_by_others(
    config: Config, held: pl.DataFrame, locks: pl.DataFrame, review_period: str, root: str
) -> pl.DataFrame:
    """The ``held`` reports a reopening of (``review_period``, ``root``) would take in:
    those no other approved review holds."""
    others = locks.filter(
        (pl.col("review_period") != review_period) | (pl.col("root_org_unit") != root)
    )
    still = holding(config, held, others)["submission_id"].implode()
    return held.filter(~pl.col("submission_id").is_in(still))


def taken_in(
    reports: pl.DataFrame, values: pl.DataFrame, held: pl.DataFrame, held_values: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The accepted ``reports`` and ``values`` with the ``held`` ones (and their values)
    taken in, as if they had been accepted on arrival: one report per (unit, period), the
    latest by submitted_at (else received_at), then by arrival (SPEC §2)."""
    both = pl.concat([reports, held.select(reports.columns)])
    kept = (
        both.sort(pl.coalesce("submitted_at", "received_at"), "submission_id")
        .group_by("org_unit_code", "period")
        .last()
        .select(reports.columns)
        .sort("org_unit_code", "period", "submission_id")
    )
    ids = kept["submission_id"].implode()
    every = pl.concat([values, held_values.select(values.columns)])
    return kept, every.filter(pl.col("submission_id").is_in(ids))


def approval_of(approvals: pl.DataFrame, revision: int) -> dict[str, Any] | None:
    """Who approved ``revision`` (``approved_by``, ``approved_title``, ``approved_at``,
    ``approved_note``): its latest approval, which a later reopening does not undo (the
    document was signed), or None. ``approvals``: the review's sign-offs."""
    found = approvals.filter((pl.col("action") == "approve") & (pl.col("revision") == revision))
    if found.is_empty():
        return None
    row = found.sort("seq").row(-1, named=True)
    return {
        "approved_by": row["by_name"],
        "approved_title": row["title"],
        "approved_at": row["at"],
        "approved_note": row["note"],
    }


def signoff_event(signed: SignOff, root_name: str) -> EventSpec:
    """``chitieu.snapshot.approved`` or ``chitieu.review.reopened``, about the root unit,
    related to the period and to the revision."""
    from chitieu.dashboard import EventSpec, period_resource, unit_resource

    name = "chitieu.snapshot.approved" if signed.action == "approve" else "chitieu.review.reopened"
    period, root, revision = signed.review_period, signed.root_org_unit, signed.revision
    labels = {"period": period, "revision": revision, "by": signed.by_name}
    snapshot = f"chitieu.snapshot.{period}.{root}.{revision}"
    payload = {
        "by": signed.by_name,
        "title": signed.title,
        "at": signed.at.isoformat(),
        "content_sha256": signed.content_sha256,
        "sha256": signed.sha256,
        ("note" if signed.action == "approve" else "reason"): signed.note,
    }
    return EventSpec(
        name,
        unit_resource(root, root_name, labels),
        [
            period_resource(period),
            {"prefect.resource.id": snapshot, "prefect.resource.role": "snapshot"},
        ],
        payload,
    )


def locked_markdown(
    review_period: str, root: str, root_name: str, approval: dict[str, Any], held: pl.DataFrame
) -> str:
    """The summary artifact of a review run that found its review approved: why nothing
    was published, the reports waiting, and how to take them in. Names, the approver's
    texts and the files' names are made `inert`: the UI renders the artifact as Markdown."""
    by = inert(approval["by_name"])
    title = f", {inert(approval['title'])}" if approval["title"] else ""
    when = f"{approval['at']:%Y-%m-%d %H:%M} UTC"
    note = f" — “{inert(approval['note'])}”" if approval["note"] else ""
    reopen = code_span(f"chitieu reopen {review_period} --org {root} --by … --reason …")
    lines = [
        f"# {review_period} — {inert(root_name)} ({inert(root)}): đã duyệt / approved",
        "",
        f"**Không công bố gì.** Kỳ đánh giá đã được duyệt: bản {approval['revision']}, "
        f"{by}{title}, {when}{note}. Báo cáo mới cho các tháng của kỳ bị giữ "
        f"lại cho đến khi kỳ được mở lại ({reopen}).",
        "",
        f"**Nothing published.** The review is approved: revision {approval['revision']}, "
        f"{by}{title}, {when}. Later reports for its months are held until "
        f"it is reopened ({reopen}); the next review then takes them in.",
        "",
        f"Báo cáo đang bị giữ lại / reports held: {held.height}",
    ]
    if held.height:
        lines += [
            "",
            "| Đơn vị / unit | Kỳ / period | Tệp / file | Nộp / submitted |",
            "|---|---|---|---|",
        ]
        for row in held.iter_rows(named=True):
            sent = row["submitted_at"] or row["received_at"]
            # the file's name, as the intake's tables show it: its folder is the inbox's
            file = inert(shown(Path(row["source_name"]).name))
            lines.append(
                f"| {inert(row['org_unit_code'])} | {inert(row['period'])} | {file} | "
                f"{sent:%Y-%m-%d %H:%M} UTC |"
            )
    return "\n".join(lines) + "\n"


SIGNOFF_WORDS = {"approve": "approved", "reopen": "reopened"}


def revision_signoffs(approvals: pl.DataFrame) -> pl.DataFrame:
    """Each signed revision's latest sign-off: ``review_period, root_org_unit, revision,
    signoff`` (``approved``: it stands; ``reopened``: it was approved, then reopened),
    ``signed_by``, ``signed_at``."""
    return (
        approvals.sort("seq")
        .group_by("review_period", "root_org_unit", "revision")
        .last()
        .select(
            "review_period",
            "root_org_unit",
            "revision",
            pl.col("action").replace_strict(SIGNOFF_WORDS).alias("signoff"),
            pl.col("by_name").alias("signed_by"),
            pl.col("at").alias("signed_at"),
        )
    )


def signoff_lines(approvals: pl.DataFrame, revision: int) -> list[tuple[str, str]]:
    """(label, text) for every approval and reopening of ``revision``, in chain order:
    what `chitieu snapshots show` prints under the revision's header."""
    lines = []
    for row in approvals.filter(pl.col("revision") == revision).sort("seq").iter_rows(named=True):
        title = f", {row['title']}" if row["title"] else ""
        text = f"{row['by_name']}{title}, {row['at']:%Y-%m-%d %H:%M:%S} UTC"
        if row["note"]:
            text += f" — {'lý do / reason: ' if row['action'] == 'reopen' else ''}{row['note']}"
        lines.append((f"{SIGNOFF_WORDS[row['action']]}_by", text))
        lines.append((f"{SIGNOFF_WORDS[row['action']]}_sha256", row["sha256"]))
    return lines
