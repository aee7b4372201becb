"""The review document's header block, number line, date, title, recipients and signature
(SPEC §6), from catalog.yaml's ``report:`` section, the command line and the approval.

Two formats are in force: a people's committee writes by Decree 30/2020/NĐ-CP ("Số:
45/BC-UBND", recipients ending in ``;``), a party committee by Hướng dẫn 36-HD/VPTW
("Số 123-BC/HU", recipients ending in ``,``); both end the last recipient with ``.``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from chitieu.config.catalog import ReportSection
from chitieu.periods import Period
from chitieu.report.labels import review_title
from chitieu.report.numbers import date_line, today
from chitieu.shown import shown

_PREFIXES: Final = re.compile(
    r"^(Tỉnh|Thành phố|Huyện|Quận|Thị xã|Xã|Phường|Thị trấn|Đặc khu)\s+", re.IGNORECASE
)
BLANK_NUMBER: Final = " " * 6
"""Where the office writes the number by hand when the document is issued."""


@dataclass(frozen=True)
class Approval:
    """Who approved the revision a document renders (``chitieu approve``, SPEC §8)."""

    by: str
    title: str | None
    at: dt.datetime
    note: str | None = None

    @classmethod
    def of(cls, found: Mapping[str, Any] | None) -> Approval | None:
        """From `chitieu.signoff.approval_of`'s ``approved_by``, ``approved_title``,
        ``approved_at``, ``approved_note`` (None: the revision is not approved)."""
        if found is None:
            return None
        return cls(
            str(found["approved_by"]),
            found["approved_title"],
            found["approved_at"],
            found.get("approved_note"),
        )

    def shown(self) -> Approval:
        """As printed: every control character escaped (`chitieu.shown.shown`)."""
        return replace(
            self,
            by=shown(self.by),
            title=shown(self.title) if self.title else self.title,
            note=shown(self.note) if self.note else self.note,
        )


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
    signer. Texts from the configuration and the command line are printed `shown`: a
    control character would break the Word file and the terminal."""
    section = _shown_section(section or ReportSection())
    number = shown(number) if number else section.number
    resolution_title, root_name = shown(resolution_title), shown(root_name)
    day = day or section.date or today()
    place = section.place or place_of(root_name)
    subject = section.subject or (
        f"{review_title(review, 'vi')} thực hiện các chỉ tiêu {resolution_title}"
    )
    if approval is not None:
        signature = Signature(
            section.signer_on_behalf,
            shown(approval.title.upper()) if approval.title else section.signer_title,
            shown(approval.by),
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


def _shown_section(section: ReportSection) -> ReportSection:
    texts = {
        key: shown(value)
        for key, value in section.model_dump(exclude={"recipients"}).items()
        if isinstance(value, str)
    }
    return section.model_copy(
        update={**texts, "recipients": [shown(r) for r in section.recipients]}
    )
