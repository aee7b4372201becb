"""The words of a report, in Vietnamese and English: classes, levels, columns, titles."""

from __future__ import annotations

from typing import Final

from chitieu.periods import Period

CLASS_LABELS: Final = {
    "vi": {
        "exceeded": "Vượt",
        "basically_achieved": "Cơ bản đạt",
        "on_track": "Đạt từ {half}% trở lên",
        "below_half": "Đạt dưới {half}%",
        "not_started": "Chưa thực hiện",
        "year_end": "Đánh giá cuối năm",
        "no_target": "Chưa giao chỉ tiêu",
    },
    "en": {
        "exceeded": "Exceeded",
        "basically_achieved": "Basically achieved",
        "on_track": "{half}% or more",
        "below_half": "Below {half}%",
        "not_started": "Not started",
        "year_end": "Judged at year end",
        "no_target": "No target",
    },
}
LEVEL_LABELS: Final = {
    "vi": {
        "country": "Toàn quốc",
        "province": "Cấp tỉnh",
        "district": "Cấp huyện",
        "commune": "Cấp xã",
        "hamlet": "Ấp, khu phố",
    },
    "en": {},
}
"""Level names are free in org_units.csv; these are the usual ones (others as written)."""

COLUMNS: Final = (
    "stt",
    "code",
    "name",
    "unit",
    "target",
    "actual",
    "percent",
    "last_actual",
    "change",
    "class",
)
"""The columns of an indicator table (SPEC §6), ``code`` only where codes are read."""
HEADERS: Final = {
    "vi": dict(
        zip(
            COLUMNS,
            (
                "STT",
                "Mã",
                "Chỉ tiêu",
                "ĐVT",
                "Kế hoạch năm",
                "Thực hiện",
                "Tỷ lệ % kế hoạch",
                "Cùng kỳ năm trước",
                "So với cùng kỳ %",
                "Đánh giá",
            ),
            strict=True,
        )
    ),
    "en": dict(
        zip(
            COLUMNS,
            (
                "No.",
                "Code",
                "Indicator",
                "Unit",
                "Annual target",
                "Actual",
                "% of target",
                "Same period last year",
                "Change %",
                "Class",
            ),
            strict=True,
        )
    ),
}
NOT_COMPARABLE: Final = {"vi": "không so sánh được", "en": "not comparable"}
OTHER_GROUP: Final = {"vi": "Các chỉ tiêu khác", "en": "Other indicators"}
NOT_IN_CATALOG: Final = {"vi": "không còn trong danh mục", "en": "no longer in the catalog"}
NOT_IN_CATALOG_GROUP: Final = {
    "vi": "Chỉ tiêu của bản công bố không còn trong danh mục",
    "en": "Indicators of the revision no longer in the catalog",
}
NO_TARGETS: Final = {
    "vi": "Các đơn vị chưa được giao chỉ tiêu",
    "en": "Units without targets",
}
STATES: Final = {
    "vi": {
        "on_time": "đúng hạn",
        "late": "trễ hạn",
        "missing": "chưa gửi",
        "rejected": "bị trả lại",
        "held": "tạm giữ",
        "received": "đã nhận",
        "not_received": "chưa nhận",
    },
    "en": {
        "on_time": "on time",
        "late": "late",
        "missing": "missing",
        "rejected": "rejected",
        "held": "held",
        "received": "received",
        "not_received": "not received",
    },
}
"""A submitting unit's month in the completeness annex."""
TOTAL: Final = {"vi": "Cả kỳ", "en": "Whole period"}


def class_labels(lang: str, half: str) -> dict[str, str]:
    """Each class's label with the on-track threshold written in (``Đạt từ 50% trở lên``)."""
    return {name: label.format(half=half) for name, label in CLASS_LABELS[lang].items()}


def level_label(level: str | None, lang: str) -> str:
    return "" if level is None else LEVEL_LABELS[lang].get(level, level)


def review_title(period: Period, lang: str) -> str:
    if lang == "vi":
        if period.kind == "S" and period.last_month == 6:
            return f"Sơ kết 6 tháng đầu năm {period.year}"
        if period.is_year:
            return f"Tổng kết năm {period.year}"
        return f"Đánh giá kỳ {period.code}"
    if period.kind == "S" and period.last_month == 6:
        return f"Six-month review {period.year}"
    if period.is_year:
        return f"Year-end review {period.year}"
    return f"Review of {period.code}"


def month_label(month: Period, lang: str) -> str:
    """``T6/2024`` (tháng 6) or ``06/2024``: a month column's heading."""
    return (
        f"T{month.last_month}/{month.year}"
        if lang == "vi"
        else f"{month.last_month:02d}/{month.year}"
    )
