"""Intake's feedback: an annotated copy of every rejected workbook, and of every accepted
one with warnings (SPEC §7), beside the archive.

For a DuckDB warehouse ``w.duckdb`` the archive is ``w.archive`` and the feedback
``w.feedback`` (`settings.beside_warehouse(url, "feedback")`); each copy is named after
the file the commune sent, with the first hex digits of its SHA-256 so that two
rejected files of the same name never overwrite each other:
``28987_2024M05.1a2b3c4d.phan-hoi.xlsx``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.excel.annotate import annotate
from chitieu.files import write_atomically
from chitieu.sources import WORKBOOK, ReceivedFile
from chitieu.warehouse.archive import archived_path
from chitieu.warehouse.models import IntakeBatch

SUFFIX = ".phan-hoi.xlsx"
_NAME_BYTES: Final = 255
"""The most bytes of a file name the system takes (ext4, XFS, NTFS...)."""


def feedback_folder(archive: Path) -> Path:
    """``<x>.archive`` → ``<x>.feedback``; ``<dir>/archive`` → ``<dir>/feedback``."""
    return archive.with_name(archive.name.removesuffix("archive") + "feedback")


def feedback_name(source_name: str, sha256: str) -> str:
    """The copy's file name: the sent file's, its hash's first digits, ``.phan-hoi.xlsx``.
    A sent name near the system's 255 bytes is cut to fit (the hash still tells copies
    apart): a name too long to write stopped the whole intake, every file of it."""
    stem = Path(source_name.replace("\\", "/")).name
    stem = stem[: -len(WORKBOOK)] if stem.lower().endswith(WORKBOOK) else stem
    tail = f".{sha256[:8]}{SUFFIX}"
    while len(os.fsencode(stem + tail)) > _NAME_BYTES:  # a letter of Vietnamese is 2-3 bytes
        stem = stem[:-1]
    return f"{stem}{tail}"


def write_feedback(
    folder: Path, files: Sequence[ReceivedFile], batch: IntakeBatch
) -> dict[str, Path]:
    """Annotate every rejected workbook of an intake batch; ``source_name`` → the copy
    written. A workbook openpyxl cannot open (not a zip...) gets none: its rejection
    and the reason are recorded all the same."""
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


def write_warning_feedback(
    archive: Path, registered: pl.DataFrame, issues: pl.DataFrame
) -> dict[str, Path]:
    """Annotate every accepted workbook of a registered batch that has warnings (cells in
    yellow, the history in the comment), from its bytes in ``archive``; ``source_name`` →
    the copy written. Only a few reports a month carry warnings: one read each."""
    kept = registered.filter(
        pl.col("status").is_in(["accepted", "superseded", "held"])
        & pl.col("source_name").str.to_lowercase().str.ends_with(WORKBOOK)
    )
    warned = issues.filter(pl.col("severity") == "warning").join(
        kept.select("batch_seq", "sha256", "source_name"), on="batch_seq"
    )
    written: dict[str, Path] = {}
    folder = feedback_folder(archive)
    for (sha, name), mine in warned.group_by("sha256", "source_name", maintain_order=True):
        source = archived_path(archive, str(sha))
        try:
            content = annotate(source.read_bytes(), mine.sort("batch_seq", maintain_order=True))
        except Exception:  # feedback is a courtesy, never a reason to fail intake
            continue
        written[str(name)] = write_atomically(folder / feedback_name(str(name), str(sha)), content)
    return written
