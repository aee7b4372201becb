"""``chitieu check-text FILE PERIOD``: every figure a report draft quotes, against the
published revision it claims to describe. Reads only; python-docx loads for a .docx."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import REVISION, UNIT_CODE, cli, common_options


@cli.command("check-text")
@common_options
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("period")
@click.option(
    "--org",
    type=UNIT_CODE,
    default=None,
    metavar="CODE",
    help="The unit the draft reports on (default: the resolution's unit): the root of "
    "its review, or a unit inside the resolution's review.",
)
@click.option("--revision", type=REVISION, default=None, help="Default: the published revision.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--annotate",
    "annotate_to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="OUT.docx",
    help="For a .docx draft: write a copy with a Word comment on each figure that "
    "disagrees. The draft itself is never changed.",
)
def check_text(
    config_dir: Path,
    warehouse: str | None,
    file: Path,
    period: str,
    org: str | None,
    revision: int | None,
    fmt: str,
    annotate_to: Path | None,
) -> None:
    """Check every figure the draft FILE (.docx, .txt, .md) quotes against the revision
    of PERIOD: pairs such as "102/130 đảng viên (đạt 78,46% NQ)", class counts such as
    "vượt 2/31 chỉ tiêu", percents such as "đạt hơn 64,5% NQ", and indicator tables.
    Exit 0 when every figure matched to an indicator agrees, 1 otherwise."""
    from chitieu.config import load_config
    from chitieu.narrative import check_draft, read_draft, revision_figures
    from chitieu.narrative.render import check_json, render_check
    from chitieu.narrative.revision import revision_units
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    review_period = Period.parse(period).code
    if annotate_to is not None:
        _check_annotate_target(file, annotate_to)
    draft = read_draft(file)
    config = load_config(config_dir)
    url = settings.warehouse_url(warehouse)
    with open_warehouse(url, create=False) as store:  # reads only: never makes one
        snap, unit = _find_revision(store, review_period, org, config, revision)
    checked = check_draft(
        draft,
        revision_figures(config, snap.header, snap.indicators, unit),
        revision_units(config, snap.header, snap.indicators),
    )
    click.echo(check_json(checked) if fmt == "json" else render_check(checked), nl=False)
    if annotate_to is not None:
        from chitieu.files import write_atomically
        from chitieu.narrative.annotate import annotated_copy

        content, comments = annotated_copy(draft, checked.figures)
        write_atomically(annotate_to, content)
        click.echo(
            f"bản có ghi chú / annotated copy: {annotate_to} ({comments} ghi chú / comments)",
            err=fmt == "json",
        )
    sys.exit(0 if checked.agrees else 1)


def _check_annotate_target(file: Path, target: Path) -> None:
    from chitieu.errors import DraftError

    if file.suffix.lower() != ".docx" or target.suffix.lower() != ".docx":
        raise DraftError(
            "--annotate chỉ dùng cho bản thảo .docx và ghi ra tệp .docx / --annotate needs "
            "a .docx draft and an OUT.docx"
        )
    if target.exists() and file.exists() and target.resolve() == file.resolve():
        raise DraftError(
            f"{target}: --annotate không ghi đè lên bản thảo / --annotate never writes "
            "over the draft itself: name another file"
        )
    from chitieu.files import writable

    writable(target, reads=file)  # a hard link to the draft, a device, a folder


def _find_revision(
    store: Any, period: str, org: str | None, config: Any, revision: int | None
) -> tuple[Any, str]:
    """The revision to check against and the unit whose figures the draft quotes: the
    review rooted at ``org``, else (a commune's draft) the resolution's review holding
    ``org``'s figures."""
    from chitieu.errors import NoSuchRevision
    from chitieu.shown import clipped

    resolution_root = config.catalog.resolution.org_unit
    unit = org or resolution_root
    root = unit
    listed = store.list_snapshots(period, root)
    if listed.is_empty() and root != resolution_root:
        root = resolution_root
        listed = store.list_snapshots(period, root)
    if listed.is_empty():
        unit = clipped(unit)
        raise NoSuchRevision(
            f"chưa có bản công bố nào của kỳ {period} cho đơn vị {unit} / no revision of "
            f"{period} has been published for {unit}: run chitieu review {period} first"
        )
    known = listed["revision"].to_list()
    if revision is not None and revision not in known:
        raise NoSuchRevision(
            f"kỳ {period} của {root} không có bản {revision} / {period} of {root} has no "
            f"revision {revision} (có / there are: {', '.join(map(str, known))})"
        )
    snap = store.snapshot(period, root, revision, elements=False)
    if unit not in set(snap.indicators["org_unit_code"].to_list()):
        raise NoSuchRevision(
            f"đơn vị {unit} không có trong bản {snap.header['revision']} của {period} {root} / "
            f"unit {unit} is not in revision {snap.header['revision']} of {period} {root}"
        )
    return snap, unit
