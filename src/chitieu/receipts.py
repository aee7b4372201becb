"""What happened to each received file, as intake reports it (kept light: the CLI
imports it at start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

STATUS_WORDS = {  # what happened to a file, as intake prints it
    "accepted": "chấp nhận / accepted",
    "superseded": "cũ hơn bản đã có / superseded",
    "rejected": "từ chối / rejected",
    "partly rejected": "từ chối một phần / partly rejected",
    "duplicate": "trùng lặp / duplicate",
}


def status_counts(outcomes: Sequence[FileOutcome]) -> str:
    """``"267 chấp nhận / accepted, 2 từ chối / rejected"``: the tally of an intake."""
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUS_WORDS}
    return ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in counts.items() if n)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file, for the one line ``chitieu intake`` prints about it."""

    source_name: str
    sha256: str
    status: str  # accepted | superseded | rejected | partly rejected | duplicate
    reports: list[str]
    first_problem: str
    problem_count: int
