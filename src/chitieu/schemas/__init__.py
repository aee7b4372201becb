"""Validated data: the checks of SPEC §2 and the pandera schema that applies them
(`schemas.model`, imported where intake validates)."""

from __future__ import annotations

from chitieu.schemas.issues import ISSUES_SCHEMA, REPORT_CHECKS
from chitieu.schemas.submission import VALUES_SCHEMA, Validated, validate_rows

__all__ = [
    "ISSUES_SCHEMA",
    "REPORT_CHECKS",
    "VALUES_SCHEMA",
    "Validated",
    "validate_rows",
]
