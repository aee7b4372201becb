"""The review report: one model of its content (`model`), built once from a published
revision (`load`), and one renderer per format (`markdown`, `html`, `json_`, `xlsx`,
`docx`), none of which queries anything.

Importing this package is light (polars and the model); each renderer imports what it
draws with (xlsxwriter, docxtpl, matplotlib) only when it runs.
"""

from chitieu.report.labels import CLASS_LABELS, class_labels, review_title
from chitieu.report.model import ReportModel, build_report
from chitieu.report.numbers import format_number, format_percent

__all__ = [
    "CLASS_LABELS",
    "ReportModel",
    "build_report",
    "class_labels",
    "format_number",
    "format_percent",
    "review_title",
]
