"""Named domain errors. They become messages and exit codes only at the CLI edge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chitieu.shown import count_en, count_vi


class ChitieuError(Exception):
    """Base of every error a user can cause; the CLI prints it as one line (or a list)."""

    exit_code = 1


def fault_reason(fault: BaseException, limit: int = 200) -> str:
    """A fault no check expected, as one line a user is told: its kind and the first line
    of its message, at most ``limit`` characters of it."""
    return f"{type(fault).__name__}: {fault}".splitlines()[0][:limit]


class PeriodError(ChitieuError, ValueError):
    """A period identifier that is not one of the Decree 09 forms."""

    exit_code = 2


class FormulaError(ChitieuError, ValueError):
    """A formula that cannot be parsed. The message is English; ``vi`` says the same in
    Vietnamese, for the configuration problem that shows both (`chitieu.config.wording`)."""

    def __init__(self, message: str, vi: str = "") -> None:
        super().__init__(message)
        self.vi = vi


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in a configuration file: where it is and what is wrong."""

    file: str
    entry: str
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f": {self.entry}"
        if self.key:
            where += f", key '{self.key}'"
        return f"{where}: {self.message}"


class ConfigError(ChitieuError):
    """Every mistake found in a configuration folder, reported at once."""

    exit_code = 2

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"lỗi cấu hình / configuration error ({len(self.problems)}):\n{lines}")


class ReformDataError(ChitieuError):
    """An input of `chitieu hierarchy from-crosswalk` (the pre-reform units, the
    crosswalk) that cannot be turned into a configuration, or an output it will not
    overwrite: every problem found, each with its file, line and key."""

    exit_code = 2
    shown: int = 30

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems[: self.shown])
        more = len(self.problems) - self.shown
        if more > 0:
            lines += f"\n  ... và {count_vi(more)} lỗi khác / and {count_en(more)} more"
        super().__init__(
            f"không tạo được cấu hình / cannot build the configuration "
            f"({len(self.problems)}):\n{lines}"
        )


class SubmissionRejected(ChitieuError):
    """A file or report that cannot be accepted as a submission."""


class WarehouseError(ChitieuError):
    """The warehouse cannot be opened or is not in the expected state."""

    exit_code = 3


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse (a DuckDB file admits one at a time)."""


class FolderBlocked(WarehouseError):
    """A file where chitieu keeps a folder beside the warehouse (the archive, feedback,
    reports, quality results, Data Docs; ``CHITIEU_DATA_DIR`` for PostgreSQL)."""


class SnapshotConflict(WarehouseError):
    """Publishing raced with another publication or found a broken chain."""


class ReportTemplateError(ChitieuError):
    """A Word template of the review document that cannot be used (not a .docx, a Jinja
    syntax error, a placeholder it lacks or does not know)."""

    exit_code = 2


class OutputError(ChitieuError):
    """A file chitieu was asked to write (``-o``, ``--annotate``) where it must not: over
    something that is no file (a folder, a device, a pipe), inside a file, over the
    file it reads, or over one that exists when that would lose someone's work."""

    exit_code = 2


class DraftError(ChitieuError):
    """A report draft that `chitieu check-text` cannot read: not text or Word, tracked
    changes left in it, not UTF-8, too large."""

    exit_code = 2


class NoSuchRevision(ChitieuError):
    """No published revision of the review a draft claims to describe."""

    exit_code = 2


class SignOffRefused(ChitieuError):
    """An approval or reopening that cannot be recorded as asked (SPEC §8); nothing was
    written."""


class ReviewTooEarly(ChitieuError):
    """A review of a period that has not begun: it would publish a revision of nothing,
    which no one can ever take out of the chain."""

    exit_code = 2


class ReviewOutsideResolution(ChitieuError):
    """A review of a period outside the resolution's year (catalog.yaml's
    ``resolution.year``): its targets and indicators are another year's, and the revision
    would be one of nothing, never taken back."""

    exit_code = 2


class ReviewLocked(ChitieuError):
    """A review whose period is approved: it publishes nothing until it is reopened."""

    exit_code = 5
