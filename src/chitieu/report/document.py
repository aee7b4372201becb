"""The review document's header block, number line, date, title, recipients and signature
(SPEC §6), from catalog.yaml's ``report:`` section, the command line and the approval.

Two formats are in force: a people's committee writes by Decree 30/2020/NĐ-CP ("Số:
45/BC-UBND", recipients ending in ``;``), a party committee by Hướng dẫn 36-HD/VPTW
("Số 123-BC/HU", recipients ending in ``,``); both end the last recipient with ``.``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config.catalog import ReportSection
from chitieu.periods import Period
from chitieu.report.labels import review_title
from chitieu.report.numbers import date_line, today

_PREFIXES: Final = re.compile(
    r"^(Tỉnh|Thành phố|Huyện|Quận|Thị xã|Xã|Phường|Thị trấn|Đặc khu)\s+", re.IGNORECASE
)
BLANK_NUMBER: Final = " " * 6
"""Where the office writes the number by hand when the document is issued."""


@dataclass(frozen=True)
class Approval:
    """Who approved the revision a document renders (issue 15's sign-off)."""

    by: str
    title: str | None
    at: dt.datetime


@dataclass(frozen=True)
class Signature:
    on_behalf: str | None
    """"T/M BAN THƯỜNG VỤ", "TM. ỦY BAN NHÂN DÂN"."""
    title: str | None
    name: str | None
    approved_at: dt.datetime | None = None
    """When the signer approved the revision (`chitieu approve`), if they did."""


@dataclass(frozen=True)
class DocumentInfo:
    body_type: str
    """``party`` or ``state``: which template and which punctuation."""
    issuing_body: str
    parent_body: str | None
    number: str | None
    number_line: str
    place: str
    date: dt.date
    date_line: str
    subject: str
    recipients: list[str]
    """As printed: ``- Ban Thường vụ Tỉnh ủy,`` ... ``- Lưu Văn phòng Huyện ủy.``"""
    signature: Signature

    reference: str
    """How an annex names its document: ``Báo cáo số 123-BC/HU ngày 17/06/2024``."""


def approval_of(approvals: pl.DataFrame | None, content_sha256: str) -> Approval | None:
    """The approval standing for the revision with this hash: its latest sign-off row,
    when that row approves (a later reopening withdraws it). ``approvals``: the frame of
    ``Warehouse.approvals`` (``content_sha256, action, by_name, title, at``)."""
    if approvals is None or approvals.is_empty():
        return None
    mine = approvals.filter(pl.col("content_sha256") == content_sha256).sort("at")
    if mine.is_empty():
        return None
    last = mine.row(-1, named=True)
    if last["action"] != "approve":
        return None
    return Approval(str(last["by_name"]), last.get("title"), last["at"])


def place_of(unit_name: str) -> str:
    """``Huyện Giồng Trôm`` → ``Giồng Trôm``: a place name is written without its level."""
    return _PREFIXES.sub("", unit_name).strip() or unit_name


def numbered(body_type: str, number: str | None, symbol: str) -> str:
    """``123-BC/HU`` (party) or ``45/BC-UBND`` (state); a blank for the number when
    there is none yet."""
    return f"{number or BLANK_NUMBER}{'-' if body_type == 'party' else '/'}{symbol}"


def number_line(body_type: str, number: str | None, symbol: str) -> str:
    """``Số 123-BC/HU`` (party) or ``Số: 45/BC-UBND`` (state)."""
    prefix = "Số " if body_type == "party" else "Số: "
    return prefix + numbered(body_type, number, symbol)


def recipient_lines(body_type: str, recipients: Sequence[str]) -> list[str]:
    """Each recipient on a line of its own, ``- `` first, ``;`` (state) or ``,`` (party)
    after it, ``.`` after the last."""
    between = "," if body_type == "party" else ";"
    lines = [r.strip().lstrip("-–").strip().rstrip(";,.").strip() for r in recipients]
    return [f"- {line}{'.' if i == len(lines) - 1 else between}" for i, line in enumerate(lines)]


def document_info(
    section: ReportSection | None,
    review: Period,
    resolution_title: str,
    root_name: str,
    *,
    number: str | None = None,
    day: dt.date | None = None,
    approval: Approval | None = None,
) -> DocumentInfo:
    """The document's particulars. ``number`` and ``day`` come from the command line,
    else from the section; the day is today (in Vietnam) when neither gives one. An
    ``approval`` names its approver in the signature block, instead of the section's
    signer."""
    section = section or ReportSection()
    number = number or section.number
    day = day or section.date or today()
    place = section.place or place_of(root_name)
    subject = section.subject or (
        f"{review_title(review, 'vi')} thực hiện các chỉ tiêu {resolution_title}"
    )
    if approval is not None:
        signature = Signature(
            section.signer_on_behalf,
            approval.title.upper() if approval.title else section.signer_title,
            approval.by,
            approval.at,
        )
    else:
        signature = Signature(section.signer_on_behalf, section.signer_title, section.signer_name)
    return DocumentInfo(
        body_type=section.body_type,
        issuing_body=section.issuing_body or root_name.upper(),
        parent_body=section.parent_body,
        number=number,
        number_line=number_line(section.body_type, number, section.symbol),
        place=place,
        date=day,
        date_line=date_line(place, day),
        subject=subject,
        recipients=recipient_lines(section.body_type, section.recipients),
        signature=signature,
        reference=f"Báo cáo số {numbered(section.body_type, number, section.symbol)} "
        f"ngày {day:%d/%m/%Y}",
    )
