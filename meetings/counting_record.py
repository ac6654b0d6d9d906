"""The vote-counting record (biên bản kiểm phiếu) of a closed vote: its
:mod:`documents.pdf.record` spec, and the signed PDF built once at closing
(:func:`make_counting_record`, run by ``meetings.tasks.counting_record_task``,
which :mod:`meetings.actions.vote_records` enqueues)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Membership, Position, User
from meetings.models import (
    Meeting,
    Participant,
    Role,
)
from meetings.room_models import (
    Vote,
    VoteStatus,
    VoteThreshold,
)
from meetings.voting import compute_result


def _percent(n: int, of: int) -> str:
    return f"{n * 100 / of:.2f}%".replace(".", ",") if of else "—"


def _quorum_text(result: dict[str, Any]) -> str:
    """The quorum when the vote opened, as the record states it."""
    if result.get("present") is None:
        return _("Tổng số thành viên: %(members)s.") % {"members": result["members"]}
    return _(
        "Khi mở biểu quyết có mặt %(present)s/%(members)s thành viên; số thành "
        "viên cần có mặt để tiến hành họp: %(quorum)s."
    ) % {
        "present": result["present"],
        "members": result["members"],
        "quorum": result["quorum"],
    }


def _secretary_name(meeting: Meeting) -> str:
    """The meeting's secretary (its participant in that role, else the body's
    current secretary): one or two queries."""
    row = (
        Participant.objects.filter(meeting=meeting, role=Role.SECRETARY)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if row is None:
        row = (
            Membership.objects.filter(
                body_id=meeting.body_id, position=Position.SECRETARY
            )
            .current()
            .select_related("user")
            .order_by("start_date", "id")
            .first()
        )
    return str(row.user) if row is not None else ""


def counting_record_spec(vote: Vote) -> dict[str, Any]:
    """The vote-counting record (biên bản kiểm phiếu) of a closed vote, as a
    :mod:`documents.pdf.record` spec: what Resolution 31/2023/UBTVQH15's record
    states (members entitled, ballots issued, returned, valid, counts per
    option), the decision by the body's rule, and the names (open votes) or
    the receipt codes counted (secret votes)."""
    meeting = Meeting.objects.select_related("body", "body__unit").get(
        pk=vote.meeting_id
    )
    body = meeting.body
    result = vote.result or compute_result(vote, meeting=meeting)
    labels = {o["key"]: o["label"] for o in vote.options}
    members = result["members"]
    closed = timezone.localtime(vote.closed_at or timezone.now())
    rule = (
        _("ít nhất hai phần ba tổng số thành viên")
        if rules.stricter(vote.threshold, rules.rules_for(body).passing)
        == VoteThreshold.TWO_THIRDS
        else _("quá nửa tổng số thành viên")
    )
    verdict = _("THÔNG QUA") if result["passed"] else _("KHÔNG THÔNG QUA")
    blocks: list[dict[str, Any]] = [
        {
            "kind": "paragraph",
            "text": _(
                "Hồi %(time)s ngày %(date)s, tại %(place)s, cuộc họp “%(meeting)s” "
                "tiến hành kiểm phiếu biểu quyết về nội dung: %(question)s "
                "(hình thức: %(kind)s)."
            )
            % {
                "time": closed.strftime("%H giờ %M"),
                "date": closed.strftime("%d/%m/%Y"),
                "place": meeting.place,
                "meeting": meeting.title,
                "question": vote.question,
                "kind": vote.get_kind_display(),
            },
        },
        {"kind": "paragraph", "text": _quorum_text(result)},
        {"kind": "heading", "text": _("I. KẾT QUẢ KIỂM PHIẾU")},
        {
            "kind": "table",
            "columns": [_("Nội dung"), _("Số lượng"), _("Tỷ lệ so với tổng số")],
            "widths": [5, 2, 3],
            "rows": [
                [_("Tổng số thành viên"), str(members), "100%"],
                [
                    _("Số phiếu phát ra (có mặt, có quyền biểu quyết)"),
                    str(result["issued"]),
                    _percent(result["issued"], members),
                ],
                [
                    _("Số phiếu thu vào"),
                    str(result["returned"]),
                    _percent(result["returned"], members),
                ],
                [
                    _("Số phiếu hợp lệ"),
                    str(result["valid"]),
                    _percent(result["valid"], members),
                ],
                *[
                    [labels[k], str(n), _percent(n, members)]
                    for k, n in result["counts"].items()
                ],
            ],
        },
        {
            "kind": "paragraph",
            "text": _(
                "Kết quả: %(verdict)s. Số phiếu tán thành cần có: %(required)s "
                "(%(rule)s); số phiếu tán thành: %(in_favour)s."
            )
            % {
                "verdict": verdict,
                "required": result["required"],
                "rule": rule,
                "in_favour": result["in_favour"],
            },
        },
    ]
    if result.get("tie"):
        blocks.append(
            {
                "kind": "paragraph",
                "text": rules.tie_explanation(
                    result.get("tie_break"),
                    in_favour=result["in_favour"],
                    against=result.get("against", 0),
                ),
            }
        )
    if not vote.is_secret and result.get("voters"):
        blocks += [
            {"kind": "heading", "text": _("II. DANH SÁCH BIỂU QUYẾT")},
            {
                "kind": "table",
                "columns": [_("STT"), _("Họ và tên"), _("Lựa chọn")],
                "widths": [1, 6, 3],
                "rows": [
                    [str(n), v["name"], labels.get(v["option"], v["option"])]
                    for n, v in enumerate(result["voters"], start=1)
                ],
            },
        ]
    else:
        blocks += [
            {"kind": "heading", "text": _("II. MÃ BIÊN NHẬN CÁC PHIẾU ĐÃ KIỂM")},
            {
                "kind": "paragraph",
                "text": _(
                    "Mỗi người bỏ phiếu nhận một mã biên nhận ngẫu nhiên; mã cho "
                    "biết phiếu đã được kiểm, không cho biết lựa chọn."
                ),
            },
            {
                "kind": "table",
                "columns": [_("STT"), _("Mã biên nhận")],
                "widths": [1, 5],
                "rows": [
                    [str(n), code]
                    for n, code in enumerate(result.get("receipts", []), start=1)
                ],
            },
        ]
    closer = User.objects.filter(pk=vote.closed_by_id).first()
    return {
        "issuer": [str(body.get_kind_display()).upper(), body.unit.name.upper()],
        "national_heading": True,
        "place_date": _("Ngày %(d)s tháng %(m)s năm %(y)s")
        % {"d": closed.day, "m": closed.month, "y": closed.year},
        "title": _("BIÊN BẢN KIỂM PHIẾU"),
        "subtitle": vote.question,
        "blocks": blocks,
        "signatures": [
            {"title": _("THƯ KÝ"), "name": _secretary_name(meeting), "note": ""},
            {"title": _("CHỦ TỌA"), "name": str(closer) if closer else "", "note": ""},
        ],
    }


def record_path(vote_id: int) -> Path:
    """Where a closed vote's counting record is stored."""
    return Path(settings.MEDIA_ROOT) / "votes" / str(vote_id) / "record.pdf"


def make_counting_record(vote_id: int, actor_id: int | None = None) -> str:
    """Build, sign and store a closed vote's counting record; return its path.

    Idempotent: a record already stored is kept (the result is frozen at
    closing, so the file never changes). In the site's language, whoever asks.
    Raises ``documents.pdf.PdfError`` when the pool or the signing fails.
    """
    from documents import signing, storage

    path = record_path(vote_id)
    if path.exists():
        return str(path)
    vote = Vote.objects.select_related("meeting", "meeting__body").get(pk=vote_id)
    if vote.status != VoteStatus.CLOSED:
        raise ValueError(f"vote {vote_id} is not closed")
    actor = User.objects.filter(pk=actor_id or vote.closed_by_id).first()
    with translation.override(settings.LANGUAGE_CODE):
        spec = counting_record_spec(vote)
        data = signing.sign_record(
            spec,
            body=vote.meeting.body,
            actor=actor,
            obj=vote,
            reason=_("Biên bản kiểm phiếu"),
        )
    storage.write_atomically(path, [data])
    return str(path)
