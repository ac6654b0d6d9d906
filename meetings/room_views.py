"""The live room page, the HTTP fallback for casting, a closed vote's lists
(names, receipt codes) and its counting record PDF.

Thin views: parse → access → action → render. The room runs on the socket; a
tablet whose socket is down (Redis restarting, a proxy dropping WebSockets)
still votes through :func:`cast`, which calls the same action.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import (
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from meetings import room, voting
from meetings.actions import ballots, vote_records
from meetings.counting_record import record_path
from meetings.models import Role, members_word, role_label
from meetings.room_models import Vote, VoteStatus
from nghisu.errors import ActionError, NotFound
from nghisu.files import send_file

STATUS_BY_CODE = {
    "forbidden": 403,
    "no_voting_right": 403,
    "not_checked_in": 409,
    "already_voted": 409,
    "vote_closed": 409,
    "vote_not_open": 409,
}


#: Every text the room script shows, translated here (msgids are Vietnamese).
STRINGS = {
    "connecting": _("Đang kết nối…"),
    "connected": _("Đã kết nối"),
    "reconnecting": _("Đang kết nối lại…"),
    "offline": _("Mất mạng — đang chờ kết nối lại…"),
    "signed_out": _("Phiên đăng nhập đã hết; hãy đăng nhập lại."),
    "forbidden": _("Bạn không còn quyền vào phòng họp này."),
    "sending": _("Đang gửi…"),
    "status_published": _("Chưa khai mạc"),
    "status_in_progress": _("Đang họp"),
    "status_closed": _("Đã bế mạc"),
    "status_archived": _("Đã lưu trữ"),
    "start": _("Khai mạc"),
    "close_meeting": _("Bế mạc"),
    "confirm_close": _("Bế mạc cuộc họp? Người chưa điểm danh sẽ được ghi vắng mặt."),
    "previous": _("Nội dung trước"),
    "next": _("Nội dung tiếp"),
    "go_here": _("Chuyển tới"),
    "current": _("Đang họp"),
    "done": _("Đã xong"),
    "pending": _("Chưa họp"),
    "no_agenda": _("Chương trình chưa có nội dung."),
    "elapsed": pgettext_lazy("room timer", "Thời gian"),
    "planned": _("dự kiến %(n)s phút"),
    "overtime": _("Quá giờ"),
    "presenter": _("Trình bày"),
    "no_presentation": _("Chưa trình chiếu tài liệu nào."),
    "follow": _("Đang theo người trình bày"),
    "back_to_presenter": _("Quay lại người trình bày"),
    "browsing": _("Bạn đang tự xem"),
    "page_of": _("Trang %(page)s/%(pages)s"),
    "page_prev": _("Trang trước"),
    "page_next": _("Trang sau"),
    "present": _("Trình chiếu"),
    "present_stop": _("Dừng trình chiếu"),
    "choose_document": _("Chọn tài liệu"),
    "no_documents": _("Nội dung này chưa có tài liệu."),
    "presenter_assign": _("Giao trình bày cho"),
    "nobody": _("Không ai (chỉ chủ tọa)"),
    "floor": _("Phát biểu"),
    "request_floor": _("Đăng ký phát biểu"),
    "withdraw": _("Rút đăng ký"),
    "grant": _("Mời phát biểu"),
    "end_speech": _("Kết thúc phát biểu"),
    "speaking": _("Đang phát biểu"),
    "waiting": _("Đang chờ"),
    "no_speakers": _("Chưa có ai đăng ký phát biểu."),
    "votes": _("Biểu quyết"),
    "no_votes": _("Chưa có biểu quyết nào."),
    "vote_open": _("Mở biểu quyết"),
    "vote_close": _("Kết thúc biểu quyết"),
    "vote_prepare": _("Chuẩn bị biểu quyết"),
    "question": _("Nội dung biểu quyết"),
    "kind_open": _("Công khai"),
    "kind_secret": _("Bỏ phiếu kín"),
    "two_thirds": _("Cần ít nhất 2/3 tổng số thành viên"),
    "allow_change": _("Cho phép đổi lựa chọn"),
    "draft": _("Chuẩn bị"),
    "open": _("Đang biểu quyết"),
    "closed": _("Đã kết thúc"),
    "voted": _("Bạn đã biểu quyết"),
    "your_choice": _("Lựa chọn của bạn"),
    "receipt": _("Mã biên nhận"),
    "receipt_lost": _(
        "Phiếu đã được ghi nhận (mã biên nhận không nhận được do mất kết nối)."
    ),
    "cast_count": _("Đã biểu quyết: %(n)s"),
    "passed": _("THÔNG QUA"),
    "not_passed": _("KHÔNG THÔNG QUA"),
    "tie_chair": _("Số phiếu ngang nhau: theo ý kiến của Chủ tịch"),
    "entitled": _("Tổng số thành viên"),
    "issued": _("Số phiếu phát ra"),
    "returned": _("Số phiếu thu vào"),
    "required": _("Số phiếu cần để thông qua"),
    "voters": _("Danh sách biểu quyết"),
    "receipts": _("Mã biên nhận đã kiểm"),
    "loading": _("Đang tải…"),
    "lists_failed": _("Không tải được danh sách; hãy đóng lại rồi mở để thử lại."),
    "record_pdf": _("Biên bản kiểm phiếu (PDF)"),
    "not_checked_in": _("Bạn cần điểm danh để biểu quyết."),
    "no_right": _("Bạn không có quyền biểu quyết."),
    "checkin": _("Điểm danh"),
    "checked_in": _("Đã điểm danh"),
    "participants": _("Người dự họp"),
    "online": _("Đang kết nối"),
    "present_att": _("Có mặt"),
    "absent_att": _("Vắng mặt"),
    "unknown_att": _("Chưa điểm danh"),
    "quorum": _("Có mặt %(present)s/%(members)s, cần %(required)s"),
    "role_chair": _("Chủ tọa"),
    "role_secretary": _("Thư ký"),
    "role_delegate": _("Đại biểu"),
    "role_guest": _("Khách mời"),
    "role_manager": _("Điều hành"),
    "error": _("Không thực hiện được"),
    "your_choice_is": _("Bạn đã chọn: %(option)s"),
    "waiting_to_send": _("Đang chờ gửi…"),
    "not_counted": _(
        "Phiếu “%(option)s” KHÔNG được tính: biểu quyết đã kết thúc trước khi"
        " phiếu tới được máy chủ."
    ),
    "voted_secret": _("Bạn đã bỏ phiếu."),
    "close": _("Đóng"),
    "later": _("Để sau"),
    "cast_progress": _("Số phiếu đã nhận"),
    "cast_of": _("Đã biểu quyết: %(n)s/%(m)s"),
    "confirm_close_vote_early": _("Kết thúc biểu quyết khi mới có %(n)s/%(m)s phiếu?"),
    "confirm_close_vote": _("Kết thúc biểu quyết với %(n)s/%(m)s phiếu?"),
    "confirm_close_vote_text": _(
        "Sau khi kết thúc, không ai bỏ phiếu được nữa và kết quả được công bố ngay."
    ),
    "vote_new": _("Biểu quyết mới"),
    "conclusion_record": _("Ghi kết luận"),
    "conclusion_saved": _("Đã ghi kết luận."),
    "passed_word": _("Thông qua"),
    "not_passed_word": _("Không thông qua"),
    "speaking_for": _("Thời gian phát biểu:"),
    "now_presenting": _("Đang trình chiếu: %(title)s"),
    "floor_granted": _("Mời đại biểu %(name)s phát biểu"),
    "quorum_short": _("Có mặt %(present)s/%(members)s (cần %(required)s)"),
    "close_meeting_q": _("Bế mạc cuộc họp?"),
    "sound_is_on": _("Âm báo và rung: đang bật (bấm để tắt)"),
    "sound_is_off": _("Âm báo và rung: đang tắt (bấm để bật)"),
    "open_ballot": _("Mở phiếu của bạn"),
}


def _strings(body_kind: str) -> dict[str, str]:
    strings = {k: str(v) for k, v in STRINGS.items()}
    strings["role_delegate"] = role_label(Role.DELEGATE, body_kind)
    strings["members_word"] = members_word(body_kind)
    return strings


@login_required
@require_GET
def room_page(request, meeting_id: int):
    """The room for tablets; the socket sends everything else."""
    seat = room.access_room(request.user, meeting_id)
    from meetings.models import Meeting

    meeting = Meeting.objects.select_related("body").get(pk=seat.meeting_id)
    return render(
        request,
        "meetings/room.html",
        {
            "meeting": meeting,
            "seat": seat,
            "socket_path": f"/ws/meetings/{meeting.pk}/",
            "cast_url": reverse("room:cast", args=[meeting.pk, 0]),
            "record_url": reverse("room:record", args=[meeting.pk, 0]),
            "lists_url": reverse("room:lists", args=[meeting.pk, 0]),
            "detail_url": reverse("meetings:detail", args=[meeting.pk]),
            "conclusion_url": reverse("meetings:conclusion", args=[meeting.pk, 0]),
            "conclusions_url": reverse("meetings:conclusions", args=[meeting.pk]),
            "strings": _strings(meeting.body.kind),
        },
    )


@login_required
@require_POST
def cast(request, meeting_id: int, vote_id: int):
    """Cast a ballot over HTTP (JSON ``{"option", "id"}``), as ``vote.cast`` does."""
    seat = room.access_room(request.user, meeting_id)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    option = data.get("option", request.POST.get("option"))
    client_id = str(data.get("id", request.POST.get("id", "")))[:64]
    try:
        result = ballots.do_cast(
            request.user,
            seat.meeting_id,
            vote_id=vote_id,
            option=ballots.clean_option(option),
            client_id=client_id,
        )
    except ActionError as exc:
        return JsonResponse(
            {"type": "error", "id": client_id, **exc.as_dict()},
            status=STATUS_BY_CODE.get(exc.code, 422),
        )
    return JsonResponse({"type": "ack", "id": client_id, "result": result})


@login_required
@require_GET
def vote_lists(request, meeting_id: int, vote_id: int):
    """A closed vote's lists as JSON: every receipt code counted and, for an
    open vote, every voter's name and choice (``voting.result_lists``).

    The room's ``vote.closed`` leaves them out; screens fetch them here when
    they show them. The result is frozen at closing, so the answer carries an
    ``ETag`` and a re-fetch costs the permission check only (304).
    """
    seat = room.access_room(request.user, meeting_id)
    vote = (
        Vote.objects.filter(
            pk=vote_id, meeting_id=seat.meeting_id, status=VoteStatus.CLOSED
        )
        .defer("result")  # read only when the lists are sent
        .first()
    )
    if vote is None:
        raise NotFound()
    stamp = vote.closed_at.timestamp() if vote.closed_at else 0
    etag = f'"vote-{vote.pk}-{stamp:.6f}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = JsonResponse(voting.result_lists(vote))
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie"
    return response


@login_required
@require_GET
def counting_record(request, meeting_id: int, vote_id: int):
    """The vote-counting record (biên bản kiểm phiếu) of a closed vote, as PDF.

    Built and signed when the vote closed (``meetings.tasks``); this view only
    serves it. Still missing (the worker has not run yet): asked for again,
    and 503 with ``Retry-After`` until it is there.
    """
    seat = room.access_room(request.user, meeting_id)
    vote = voting.access_vote(request.user, vote_id)
    if vote.meeting_id != seat.meeting_id or vote.status != VoteStatus.CLOSED:
        raise NotFound()
    path = record_path(vote.pk)
    if not path.exists():
        vote_records.request_counting_record(vote.pk)
    if not path.exists():
        response = HttpResponse(
            _("Biên bản kiểm phiếu đang được lập; hãy thử lại sau ít phút."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "10"
        return response
    return send_file(
        request,
        path,
        content_type="application/pdf",
        filename=f"bien-ban-kiem-phieu-{vote.pk}.pdf",
        attachment=False,
        cache="private, max-age=0",
    )
