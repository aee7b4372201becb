"""Sign-off in the warehouse (SPEC §8): approvals and reopenings, the reviews they lock,
the reports they hold.

An approval names one published revision by its ``content_sha256``; a reopening names
the approved one and why. Both are rows that are never changed, chained per review
(`chitieu.warehouse.signoff_chain`). Each is recorded in one transaction under the
intake lock and the review's publication lock: an intake registering at the same moment
decides held or accepted on one side of it, and no revision is published past it.

Which reports an approval holds depends on the hierarchy, which the warehouse does not
know: the caller passes a `Hold` (`chitieu.signoff.hold_rule`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import polars as pl

from chitieu.errors import PeriodError, ReviewLocked, SignOffRefused
from chitieu.periods import Period
from chitieu.shown import clipped, count_en, count_vi, first_unshown, prints_nothing
from chitieu.warehouse import audit
from chitieu.warehouse.backend import Backend, WriteConflict
from chitieu.warehouse.hashing import UnknownContentVersion, content_sha256
from chitieu.warehouse.intake import query_for as intake_sql
from chitieu.warehouse.models import (
    ACCEPTED_REPORTS_SCHEMA,
    APPROVALS_SCHEMA,
    INPUT_VALUES_SCHEMA,
    SignOff,
)
from chitieu.warehouse.queries import query
from chitieu.warehouse.signoff_chain import read_approvals, signoff_sha256

Hold = Callable[[pl.DataFrame, pl.DataFrame], Sequence[int]]
"""``hold(locks, reports)``: the submission ids of ``reports`` (``submission_id,
org_unit_code, period``) that the approved reviews ``locks`` (`standing`) hold."""


def _sql(backend: Backend, name: str) -> str:
    return query(f"signoff/{name}", backend.dialect)


_LONGEST: Final = {"--by": 200, "--title": 200, "--note": 2000, "--reason": 2000}
"""Characters a sign-off text may hold: a name or a title is a line of the signature
block, a note or a reason a paragraph; each is printed by `snapshots show`, `diff` and
the document, and kept in the chain for good."""


def _refused(where: str, vi: str, en: str) -> SignOffRefused:
    """A sign-off refused: ``where: vi / en``, each half saying that nothing was recorded."""
    return SignOffRefused(f"{where}: {vi}; không ghi gì / {en}; nothing recorded")


def _text(value: str | None, option: str) -> str | None:
    """A name, title, note or reason as stored: NFC, trimmed, None when empty; refused
    when it holds a character that does not show as itself (`first_unshown`), or is longer
    than such a text is (`_LONGEST`)."""
    if value is None:
        return None
    cleaned = unicodedata.normalize("NFC", value).strip()
    longest = _LONGEST.get(option, 2000)
    if len(cleaned) > longest:
        raise _refused(
            option,
            f"dài {count_vi(len(cleaned))} ký tự, tối đa {count_vi(longest)}: viết ngắn hơn",
            f"{count_en(len(cleaned))} characters, at most {count_en(longest)}: write it shorter",
        )
    unshown = first_unshown(cleaned)  # a forged "content_sha256 …" line under an approval
    if unshown is not None:
        place, char = unshown
        raise _refused(
            option,
            f"ký tự không hiển thị {char!r} ở vị trí {place}: viết trên một dòng, "
            "không có ký tự điều khiển hay định hướng",
            f"a character that does not show, {char!r}, at position {place}: write "
            "the text on one line, without control or direction characters",
        )
    if cleaned and prints_nothing(cleaned):
        # only marks, spaces and blank letters (U+0301, U+3164 alone): prints as nothing
        raise _refused(
            option,
            "không có chữ hay số nào, chỉ có dấu hoặc ký tự trắng: hãy viết nội dung",
            "holds no letter, digit or sign, only marks or blank characters that "
            "print as nothing: write the text",
        )
    return cleaned or None


def _required(value: str | None, option: str, vi: str, en: str) -> str:
    cleaned = _text(value, option)
    if cleaned is None:
        raise _refused(option, vi, en)
    return cleaned


def standing(backend: Backend) -> pl.DataFrame:
    """The reviews approved now (``APPROVALS_SCHEMA``: the approval that locks each)."""
    return backend.frame(_sql(backend, "standing"), [], APPROVALS_SCHEMA)


def held_reports(backend: Backend) -> pl.DataFrame:
    """The reports held now (``ACCEPTED_REPORTS_SCHEMA``), by submission_id."""
    return backend.frame(_sql(backend, "held_reports"), [], ACCEPTED_REPORTS_SCHEMA)


def report_values(backend: Backend, submission_ids: Sequence[int]) -> pl.DataFrame:
    """Every value of these submissions (``INPUT_VALUES_SCHEMA``), in no particular order."""
    return backend.frame(
        query("reads/report_values", backend.dialect), [list(submission_ids)], INPUT_VALUES_SCHEMA
    )


def _who(row: dict[str, Any]) -> str:
    title = f", {row['title']}" if row["title"] else ""
    return f"{row['by_name']}{title}, {row['at']:%Y-%m-%d %H:%M} UTC"


def approved_message(row: dict[str, Any]) -> str:
    """Why a review is locked, in Vietnamese and English, from its standing approval."""
    what = f"{row['review_period']} {row['root_org_unit']}"
    return (
        f"kỳ {what} đã được duyệt (bản {row['revision']}, {_who(row)}); mở lại bằng "
        f"`chitieu reopen {row['review_period']} --org {row['root_org_unit']} --by … "
        f"--reason …` / {what} is approved (revision {row['revision']}, {_who(row)}); "
        "reopen it first"
    )


def standing_approval(backend: Backend, review_period: str, root: str) -> dict[str, Any] | None:
    """The approval that locks this review now (``APPROVALS_SCHEMA`` fields), or None."""
    found = standing(backend).filter(
        (pl.col("review_period") == review_period) & (pl.col("root_org_unit") == root)
    )
    return found.row(0, named=True) if found.height else None


def refuse_if_approved(backend: Backend, review_period: str, root: str) -> None:
    """`ReviewLocked`, saying by whom and how to reopen, when the review is approved."""
    approval = standing_approval(backend, review_period, root)
    if approval is not None:
        raise ReviewLocked(approved_message(approval))


@contextmanager
def _turn(backend: Backend, review_period: str, root: str) -> Iterator[list[dict[str, Any]]]:
    """One transaction under the intake lock and the review's publication lock (in the
    order every writer takes them); yields the review's sign-offs so far."""
    try:
        with backend.transaction():
            backend.lock("intake")
            backend.lock("publish", review_period, root)
            yield read_approvals(backend, review_period, root).sort("seq").to_dicts()
    except WriteConflict as error:
        raise _refused(
            f"{review_period} {root}",
            "một lần duyệt khác vừa được ghi cùng lúc; xem `chitieu "
            "snapshots show` rồi thử lại nếu vẫn cần",
            "another sign-off of this review was recorded at the "
            "same moment; look at `chitieu snapshots show` and try again if still needed",
        ) from error


def _record(backend: Backend, chain: list[dict[str, Any]], fields: dict[str, Any]) -> SignOff:
    """Insert the next row of ``chain``: numbered, dated now, hashed, linked."""
    [(last_id,)] = backend.rows(_sql(backend, "last_approval_id"))
    previous = chain[-1] if chain else None
    row: dict[str, Any] = {
        "approval_id": int(last_id) + 1,
        **fields,
        "seq": 1 if previous is None else int(previous["seq"]) + 1,
        "at": dt.datetime.now(dt.UTC),
        "prev_sha256": None if previous is None else previous["sha256"],
    }
    row["sha256"] = signoff_sha256(row)
    backend.execute(_sql(backend, "insert_signoff"), [row[name] for name in APPROVALS_SCHEMA])
    return SignOff(**{name: row[name] for name in APPROVALS_SCHEMA})


def _revision(
    backend: Backend, review_period: str, root: str, revision: int | None
) -> dict[str, Any]:
    """The header of the revision to approve: the published one, or ``revision`` if it is
    the published one."""
    what = f"{review_period} {root}"
    headers = audit.list_snapshots(backend, review_period, root)
    if headers.is_empty():
        raise _refused(
            what, "chưa có bản nào được công bố để duyệt", "nothing published to approve"
        )
    latest = headers.sort("revision").row(-1, named=True)
    if latest["status"] != "published":  # the newest published one was removed (a rollback)
        status = clipped(str(latest["status"]))
        raise _refused(
            what,
            f"bản mới nhất ({latest['revision']}) không phải bản đang công bố mà là "
            f"'{status}': các bản đã bị xoá hoặc sửa (chạy `chitieu snapshots verify`)",
            f"the newest revision ({latest['revision']}) is not published but "
            f"{status}: revisions were removed or changed (run `chitieu snapshots verify`)",
        )
    if revision is None:
        return latest
    numbers = headers["revision"].to_list()
    if revision not in numbers:
        listed = ", ".join(map(str, numbers))
        raise _refused(
            what,
            f"không có bản {revision} (các bản: {listed})",
            f"there is no revision {revision} (revisions {listed})",
        )
    if revision != latest["revision"]:
        raise _refused(
            what,
            f"bản {revision} đã bị thay bởi bản {latest['revision']}, chỉ duyệt được "
            "bản đang công bố",
            f"revision {revision} is superseded by revision {latest['revision']}: only "
            "the published revision can be approved",
        )
    return latest


def approve(
    backend: Backend,
    review_period: str,
    root: str,
    by: str | None,
    revision: int | None = None,
    title: str | None = None,
    note: str | None = None,
) -> SignOff:
    """Record who approved the published revision of a review (``revision``, when given,
    must be it), with its content_sha256. Refuses (`SignOffRefused`, nothing written) a
    missing name, an unknown or superseded revision, a newest revision not marked
    published (its successors removed), a revision whose rows no longer match its hash,
    and a review already approved. What the heads log says is `Warehouse.approve`'s."""
    name = _required(by, "--by", "phải ghi tên người duyệt", "name who approves")
    header = _revision(backend, review_period, root, revision)
    read = audit.snapshot(backend, review_period, root, int(header["revision"]))
    try:
        recomputed = content_sha256(read.header, read.indicators, read.elements, read.inputs)
    except UnknownContentVersion:  # an edited header: no hash to match
        recomputed = None
    if recomputed != header["content_sha256"]:
        raise _refused(
            f"{review_period} {root}",
            f"bản {header['revision']} không còn khớp mã băm "
            "content_sha256 của nó (chạy `chitieu snapshots verify`)",
            f"revision {header['revision']} no longer matches its "
            "content_sha256 (run `chitieu snapshots verify`)",
        )
    with _turn(backend, review_period, root) as chain:
        if chain and chain[-1]["action"] == "approve":
            standing = chain[-1]
            approved = f"{standing['revision']}, {_who(standing)}"
            command = f"`chitieu reopen {review_period} --org {root} --by … --reason …`"
            raise _refused(
                f"{review_period} {root}",
                f"đã được duyệt rồi (bản {approved}): mở lại trước ({command})",
                f"is already approved (revision {approved}): reopen it first ({command})",
            )
        if _revision(backend, review_period, root, None)["snapshot_id"] != header["snapshot_id"]:
            raise _refused(
                f"{review_period} {root}",
                "một bản mới vừa được công bố: xem nó rồi duyệt lại",
                "a new revision was published meanwhile: look at it, then approve again",
            )
        return _record(
            backend,
            chain,
            {
                "review_period": review_period,
                "root_org_unit": root,
                "action": "approve",
                "revision": int(header["revision"]),
                "content_sha256": header["content_sha256"],
                "by_name": name,
                "title": _text(title, "--title"),
                "note": _text(note, "--note"),
            },
        )


def reopen(
    backend: Backend, review_period: str, root: str, by: str | None, reason: str | None
) -> SignOff:
    """Record who reopened an approved review and why; the lock is lifted (the next
    review takes the held reports in). Refuses a missing name or reason, and a review
    that is not approved (`SignOffRefused`, nothing written)."""
    name = _required(by, "--by", "phải ghi tên người mở lại", "name who reopens")
    why = _required(reason, "--reason", "phải ghi lý do mở lại", "give the reason for reopening")
    with _turn(backend, review_period, root) as chain:
        if not chain or chain[-1]["action"] != "approve":
            raise _refused(
                f"{review_period} {clipped(root)}",
                "chưa được duyệt, không có gì để mở lại",
                "is not approved: nothing to reopen",
            )
        approved = chain[-1]
        return _record(
            backend,
            chain,
            {
                "review_period": review_period,
                "root_org_unit": root,
                "action": "reopen",
                "revision": int(approved["revision"]),
                "content_sha256": approved["content_sha256"],
                "by_name": name,
                "title": None,
                "note": why,
            },
        )


def _parsed(code: str) -> Period | None:
    try:
        return Period.parse(code)
    except PeriodError:
        return None


def within_locked_periods(locks: pl.DataFrame, reports: pl.DataFrame) -> list[int]:
    """The `Hold` when no hierarchy is at hand: every report for a period inside an
    approved review, whatever its unit (with the configuration, `chitieu.signoff.hold_rule`
    holds only the reports of the approved root's subtree)."""
    reviews = [p for p in map(_parsed, locks["review_period"].unique()) if p is not None]
    inside = [
        code
        for code in reports["period"].drop_nulls().unique()
        if (period := _parsed(code)) is not None and any(r.contains(period) for r in reviews)
    ]
    return reports.filter(pl.col("period").is_in(inside))["submission_id"].to_list()


def held_by(backend: Backend, hold: Hold, reports: pl.DataFrame) -> list[int]:
    """Inside a transaction under the intake lock: which of ``reports`` the reviews
    approved now hold."""
    locks = standing(backend)
    if locks.is_empty() or reports.is_empty():
        return []
    return sorted(hold(locks, reports.select("submission_id", "org_unit_code", "period")))


def release_held(backend: Backend, hold: Hold) -> list[int]:
    """Held reports that no approval holds any more become accepted, and supersession is
    settled among them and the accepted ones by submitted_at, then arrival: as if they
    had been accepted when they arrived. Returns their submission ids."""
    with backend.transaction():
        backend.lock("intake")
        held = held_reports(backend)
        still = set(held_by(backend, hold, held))
        released = [i for i in held["submission_id"].to_list() if i not in still]
        if released:
            backend.execute(_sql(backend, "release_held"), [released])
            # settling every report from the first released one on changes nothing else:
            # each (unit, period) had one accepted report before
            backend.execute(intake_sql(backend, "resolve_supersession"), [min(released)])
    return released
