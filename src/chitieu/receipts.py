"""What happened to each received file, as intake reports it (kept light: the CLI
imports it at start-up)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from chitieu.shown import count_en, count_vi

STATUS_WORDS = {  # what happened to a file, as intake prints it
    "accepted": "chấp nhận / accepted",
    "superseded": "cũ hơn bản đã có / superseded",
    "rejected": "từ chối / rejected",
    "partly rejected": "từ chối một phần / partly rejected",
    "duplicate": "trùng lặp / duplicate",
    "not read": "không đọc / not read",  # a link, a pipe, a device, a file too large
    "held": "giữ lại, đã duyệt / held, approved",
    "partly held": "giữ lại một phần / partly held",
}


def more_problems(count: int) -> str:
    """``"… và 999.980 lỗi khác / and 999,980 more"``: what is not printed."""
    return f"… và {count_vi(count)} lỗi khác / and {count_en(count)} more"


def status_counts(outcomes: Sequence[FileOutcome]) -> str:
    """``"267 chấp nhận / accepted, 2 từ chối / rejected"``: the tally of an intake."""
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUS_WORDS}
    return ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in counts.items() if n)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file, for the one line ``chitieu intake`` prints about it."""

    source_name: str
    sha256: str
    status: str
    """accepted | superseded | rejected | partly rejected | duplicate | not read | held |
    partly held"""
    reports: list[str]
    first_problem: str
    problem_count: int


class Receipts(Sequence[FileOutcome]):
    """The outcomes of an intake, one per file, in arrival order: what the intake flow
    returns.

    A sequence of its own rather than a list: Prefect walks a flow's return value
    through every list, dict and dataclass in it (looking for futures to resolve), and
    a national month's 10,000 outcomes took it a noticeable part of a second."""

    __slots__ = ("_outcomes",)

    def __init__(self, outcomes: Iterable[FileOutcome] = ()) -> None:
        self._outcomes = list(outcomes)

    @overload
    def __getitem__(self, index: int) -> FileOutcome: ...
    @overload
    def __getitem__(self, index: slice) -> list[FileOutcome]: ...
    def __getitem__(self, index: int | slice) -> FileOutcome | list[FileOutcome]:
        return self._outcomes[index]

    def __len__(self) -> int:
        return len(self._outcomes)

    def __iter__(self) -> Iterator[FileOutcome]:
        return iter(self._outcomes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Receipts):
            return self._outcomes == other._outcomes
        return isinstance(other, list) and self._outcomes == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Receipts({self._outcomes!r})"
