"""Participants and attendance pages: parse → access → action → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meetings import actions, forms, queries
from meetings.models import (
    Attendance,
    MeetingStatus,
    Participant,
)
from meetings.views_common import back, refuse, require_manage, url_of
from nghisu.errors import ActionError, NotFound

# --- participants and attendance -----------------------------------------------------------


@login_required
@require_GET
def participants(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    rows = queries.participants(meeting)
    manage = meeting.viewer.manage and meeting.status not in (
        MeetingStatus.CLOSED,
        MeetingStatus.ARCHIVED,
    )
    return render(
        request,
        "meetings/participants.html",
        {
            "meeting": meeting,
            "rows": rows,
            "manage": manage,
            "invite_form": forms.InviteForm(meeting=meeting) if manage else None,
            "roles": forms.Role.choices,
        },
    )


@login_required
@require_POST
def invite_members(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    try:
        rows = actions.invite_members(request.user, meeting)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "participants"))
    messages.success(request, _("Đã mời %(n)s thành viên.") % {"n": len(rows)})
    return redirect(url_of(meeting, "participants"))


@login_required
@require_POST
def invite(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    require_manage(meeting)
    form = forms.InviteForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn người được mời và vai trò."))
        return redirect(url_of(meeting, "participants"))
    try:
        actions.invite_participant(
            request.user,
            meeting,
            form.cleaned_data["user"],
            role=form.cleaned_data["role"],
        )
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "participants"))
    messages.success(
        request, _("Đã mời %(name)s.") % {"name": form.cleaned_data["user"]}
    )
    return redirect(url_of(meeting, "participants"))


def _participant(meeting, participant_id: int) -> Participant:
    participant = Participant.objects.filter(pk=participant_id, meeting=meeting).first()
    if participant is None:
        raise NotFound()
    return participant


@login_required
@require_POST
def participant_update(request, meeting_id: int, participant_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    participant = _participant(meeting, participant_id)
    form = forms.ParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vai trò không hợp lệ."))
        return redirect(url_of(meeting, "participants"))
    try:
        actions.update_participant(request.user, participant, **form.cleaned_data)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "participants"))
    messages.success(request, _("Đã cập nhật %(name)s.") % {"name": participant.user})
    return redirect(url_of(meeting, "participants"))


@login_required
@require_POST
def participant_remove(request, meeting_id: int, participant_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    participant = _participant(meeting, participant_id)
    try:
        actions.remove_participant(request.user, participant)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "participants"))
    messages.success(
        request, _("Đã bỏ %(name)s khỏi danh sách.") % {"name": participant.user}
    )
    return redirect(url_of(meeting, "participants"))


@login_required
@require_GET
def attendance(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    rows = queries.participants(meeting)
    viewer = meeting.viewer
    return render(
        request,
        "meetings/attendance.html",
        {
            "meeting": meeting,
            "rows": rows,
            "quorum": queries.quorum(meeting, rows),
            "counts": queries.attendance_counts(rows),
            "can_mark": viewer.manage or viewer.preside,
            "Attendance": Attendance,
        },
    )


@login_required
@require_POST
def check_in(request, meeting_id: int, participant_id: int | None = None):
    """Check a participant in (secretary), or oneself (no participant id)."""
    meeting = queries.access_meeting(request.user, meeting_id)
    if participant_id is None:
        participant = meeting.viewer.participant
        if participant is None:
            raise NotFound()
    else:
        participant = _participant(meeting, participant_id)
    default = url_of(meeting, "attendance") if participant_id else url_of(meeting)
    try:
        actions.check_in(request.user, participant)
    except ActionError as exc:
        return refuse(request, exc, default)
    messages.success(
        request, _("Đã điểm danh: %(name)s có mặt.") % {"name": participant.user}
    )
    return back(request, default)


@login_required
@require_POST
def check_in_many(request, meeting_id: int):
    """Check in every participant ticked on the attendance page (one action)."""
    meeting = queries.access_meeting(request.user, meeting_id)
    default = url_of(meeting, "attendance")
    try:
        ids = [int(pk) for pk in request.POST.getlist("participant")]
        count = actions.check_in_many(request.user, meeting, ids)
    except ValueError:
        exc = ActionError(_("Hãy chọn người cần điểm danh."), code="invalid")
        return refuse(request, exc, default)
    except ActionError as exc:
        return refuse(request, exc, default)
    messages.success(request, _("Đã điểm danh %(n)s người.") % {"n": count})
    return redirect(default)


@login_required
@require_POST
def mark_absent(request, meeting_id: int, participant_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    participant = _participant(meeting, participant_id)
    try:
        actions.mark_absent(
            request.user, participant, reason=request.POST.get("reason", "")
        )
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "attendance"))
    messages.success(
        request, _("Đã ghi nhận %(name)s vắng mặt.") % {"name": participant.user}
    )
    return redirect(url_of(meeting, "attendance"))
