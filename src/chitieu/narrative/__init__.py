"""The narrative of a report against its data (``chitieu check-text``): read a draft,
find the figures its prose and tables quote, match each to an indicator of a published
revision and judge it as a reader would. Pure functions; nothing here writes."""

from chitieu.narrative.check import DraftCheck, check_draft
from chitieu.narrative.draft import Draft, read_draft
from chitieu.narrative.revision import RevisionFigures, revision_figures

__all__ = [
    "Draft",
    "DraftCheck",
    "RevisionFigures",
    "check_draft",
    "read_draft",
    "revision_figures",
]
