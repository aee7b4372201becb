"""Intake's feedback: an annotated copy of every rejected workbook, beside the archive.

For a DuckDB warehouse ``w.duckdb`` the archive is ``w.archive`` and the feedback
``w.feedback`` (`settings.beside_warehouse(url, "feedback")`); each copy is named after
the file the commune sent, with the first hex digits of its SHA-256 so that two
rejected files of the same name never overwrite each other:
``28987_2024M05.1a2b3c4d.phan-hoi.xlsx``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from chitieu.files import write_atomically
from chitieu.sources import WORKBOOK, ReceivedFile
from chitieu.warehouse.models import IntakeBatch

SUFFIX = ".phan-hoi.xlsx"


def feedback_folder(archive: Path) -> Path:
    """``<x>.archive`` → ``<x>.feedback``; ``<dir>/archive`` → ``<dir>/feedback``."""
    return archive.with_name(archive.name.removesuffix("archive") + "feedback")


def feedback_name(source_name: str, sha256: str) -> str:
    """The copy's file name: the sent file's, its hash's first digits, ``.phan-hoi.xlsx``."""
    stem = Path(source_name.replace("\\", "/")).name
    stem = stem[: -len(WORKBOOK)] if stem.lower().endswith(WORKBOOK) else stem
    return f"{stem}.{sha256[:8]}{SUFFIX}"


def write_feedback(
    folder: Path, files: Sequence[ReceivedFile], batch: IntakeBatch
) -> dict[str, Path]:
    """Annotate every rejected workbook of an intake batch; ``source_name`` → the copy
    written. A workbook openpyxl cannot open (not a zip...) gets none: its rejection
    and the reason are recorded all the same."""
    from chitieu.excel.annotate import annotate

    rejected: dict[tuple[str, str], list[int]] = {}
    for seq, sha, name in (
        batch.submissions.filter(pl.col("status") == "rejected")
        .select("batch_seq", "sha256", "source_name")
        .iter_rows()
    ):
        rejected.setdefault((sha, name), []).append(seq)
    written: dict[str, Path] = {}
    for received in files:
        seqs = rejected.get((received.sha256, received.source_name))
        if seqs is None or not received.source_name.lower().endswith(WORKBOOK):
            continue
        issues = batch.issues.filter(pl.col("batch_seq").is_in(seqs))
        try:
            content = annotate(received.content, issues.sort("batch_seq", maintain_order=True))
        except Exception:  # feedback is a courtesy, never a reason to fail intake
            continue
        target = folder / feedback_name(received.source_name, received.sha256)
        written[received.source_name] = write_atomically(target, content)
    return written
