"""Where a published figure came from, for auditors: pure polars over a revision's rows and
the submissions it used, no database.

`trace` follows one indicator of one unit down to the submitted values; `diff` says what
changed between two revisions and which submissions caused it. Both attribute each input
value to its unit the way the roll-up does (`inputs.attributed`) and `text` renders them.
"""

from chitieu.lineage.diff import SnapshotDiff, diff_snapshots
from chitieu.lineage.trace import Trace, trace_indicator

__all__ = ["SnapshotDiff", "Trace", "diff_snapshots", "trace_indicator"]
