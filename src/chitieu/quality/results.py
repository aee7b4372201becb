"""Where the gate keeps what it found, beside the warehouse, and how auditors find it.

``<warehouse>.quality/`` holds the GX project (``gx/``: the suite and every run's
validation result) and one file per published revision,
``<period>-<root>-r<revision>.json``: the checks, GX's full validation result and
the run's Data Docs page. ``<warehouse>.datadocs/`` is GX's static site (index.html).
No Great Expectations here: `chitieu snapshots show` reads these files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from chitieu.quality.checks import CheckOutcome, CheckResult
from chitieu.settings import beside_warehouse

QUALITY_FOLDER: Final = "quality"  # both among `settings.BESIDE_PURPOSES`
DATA_DOCS_FOLDER: Final = "datadocs"
RESULT_FORMAT_VERSION: Final = 1


@dataclass(frozen=True)
class GateFolders:
    """The gate's two folders beside one warehouse."""

    results: Path
    """The GX project (``gx/``) and the result file of each published revision."""
    data_docs: Path
    """The Data Docs site: ``index.html`` lists every run."""

    @classmethod
    def beside(cls, warehouse_url: str) -> GateFolders:
        return cls(
            beside_warehouse(warehouse_url, QUALITY_FOLDER),
            beside_warehouse(warehouse_url, DATA_DOCS_FOLDER),
        )

    def result_file(self, review_period: str, root: str, revision: int) -> Path:
        return self.results / f"{review_period}-{root}-r{revision}.json"


def json_safe(value: Any) -> Any:
    """Plain JSON: NaN and infinities (pandas' missing values) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def write_result(
    folders: GateFolders,
    review_period: str,
    root: str,
    revision: int,
    checks: CheckResult,
    replace: bool = True,
) -> Path:
    """Keep the gate's result of the run that published ``revision``.

    ``replace=False`` keeps an existing file: a rerun that publishes nothing new must not
    rewrite the record of the run that published the revision.
    """
    path = folders.result_file(review_period, root, revision)
    if path.exists() and not replace:
        return path
    page, docs = checks.data_docs, folders.data_docs.resolve()
    if page is not None and page.resolve().is_relative_to(docs):
        page_text: str | None = page.resolve().relative_to(docs).as_posix()
    else:
        page_text = str(page) if page else None
    document = {
        "format": RESULT_FORMAT_VERSION,
        "review_period": review_period,
        "root_org_unit": root,
        "revision": revision,
        "checks_passed": checks.passed,
        "run_name": checks.run_name,
        "data_docs_page": page_text,
        "checks": [
            {"name": o.name, "severity": o.severity, "passed": o.passed, "detail": o.detail}
            for o in checks.outcomes
        ],
        "great_expectations": checks.validation,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_safe(document), ensure_ascii=False, indent=1, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class KeptResult:
    """What `snapshots show` says about a revision's quality checks."""

    path: Path
    data_docs_page: Path | None
    warnings: list[str]
    """The checks that failed (warnings: a published revision passed every critical one)."""
    failed: list[CheckOutcome] = field(default_factory=list)
    """Those checks with their severity and what failed."""

    def describe(self) -> str:
        """``<page>`` and the warnings, on one line."""
        text = str(self.data_docs_page or self.path)
        return text + (f" (warnings: {', '.join(self.warnings)})" if self.warnings else "")


def read_result(
    folders: GateFolders, review_period: str, root: str, revision: int
) -> KeptResult | None:
    """The kept result of a revision, or None when there is none."""
    path = folders.result_file(review_period, root, revision)
    if not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    page = document.get("data_docs_page")
    return KeptResult(
        path=path,
        data_docs_page=(folders.data_docs / page).resolve() if page else None,
        warnings=[c["name"] for c in document.get("checks", []) if not c["passed"]],
        failed=[
            CheckOutcome(c["name"], c["severity"], False, c.get("detail", ""))
            for c in document.get("checks", [])
            if not c["passed"]
        ],
    )
