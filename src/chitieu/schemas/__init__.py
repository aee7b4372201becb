"""Validated data: pandera models at the stage boundaries, and the checks of SPEC §2."""

from __future__ import annotations

from chitieu.schemas.issues import ISSUES_SCHEMA, REPORT_CHECKS
from chitieu.schemas.submission import VALUES_SCHEMA, EnrichedRows, Validated, validate_rows

__all__ = [
    "ISSUES_SCHEMA",
    "REPORT_CHECKS",
    "VALUES_SCHEMA",
    "EnrichedRows",
    "Validated",
    "validate_rows",
]
