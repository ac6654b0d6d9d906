"""Attendance: check-in (one or many at once) and absence, with the quorum event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from meetings import events, queries
from meetings.actions._common import lock_meeting, require_status
from meetings.models import Attendance, Meeting, MeetingStatus, Participant
from nghisu.errors import ActionError
from nghisu.text import nfc


def check_in(actor: User, participant: Participant) -> Participant:
    """Record ``participant`` present.

    The secretary or chair checks anyone in; a participant checks themself in
    from their tablet. Once the meeting is published (so the quorum is counted
    before the start) and until it closes. Checking in twice
    changes nothing. Event ``attendance.changed`` with the quorum numbers.
    """
    with transaction.atomic():
        meeting = lock_meeting(participant.meeting_id)
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.user_id != actor.pk:
            _require_marker(actor, meeting)
        _require_check_in_open(meeting)
        _check_in_locked(actor, meeting, participant)
    return participant


def check_in_many(actor: User, meeting: Meeting, participant_ids: list[int]) -> int:
    """Check several participants in at once (secretary or chair, the
    attendance page's "select and check in"); one transaction, the same audit
    and events as :func:`check_in` each. Ids of another meeting are refused.
    Returns how many were newly checked in."""
    ids = sorted({int(pk) for pk in participant_ids})
    if not ids:
        raise ActionError(_("Hãy chọn người cần điểm danh."), code="invalid")
    with transaction.atomic():
        meeting = lock_meeting(meeting.pk)
        _require_marker(actor, meeting)
        _require_check_in_open(meeting)
        rows = list(
            Participant.objects.select_for_update()
            .filter(meeting=meeting, pk__in=ids)
            .order_by("pk")
        )
        if len(rows) != len(ids):
            raise ActionError(
                _("Có người không thuộc cuộc họp này; không ai được điểm danh."),
                code="bad_participant",
            )
        return sum(_check_in_locked(actor, meeting, p) for p in rows)


def _require_marker(actor: User, meeting: Meeting) -> None:
    viewer = queries.viewer_for(actor, meeting)
    if not (viewer.manage or viewer.preside):
        raise ActionError(
            _("Chỉ thư ký hoặc chủ tọa mới điểm danh cho người khác."),
            code="forbidden",
        )


def _require_check_in_open(meeting: Meeting) -> None:
    require_status(
        meeting,
        (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS),
        _("Chỉ điểm danh được khi cuộc họp đã công bố và chưa kết thúc."),
    )


def _check_in_locked(actor: User, meeting: Meeting, participant: Participant) -> bool:
    """Check in a locked row; False when already present."""
    if participant.attendance == Attendance.PRESENT:
        return False
    participant.attendance = Attendance.PRESENT
    participant.checked_in_at = timezone.now()
    participant.checked_in_by = actor
    participant.absence_reason = ""
    participant.save(
        update_fields=["attendance", "checked_in_at", "checked_in_by", "absence_reason"]
    )
    if participant.user_id != actor.pk:
        record_audit(actor, "meeting.check_in", meeting, person=participant.user_id)
    _attendance_changed(meeting, participant)
    return True


def mark_absent(actor: User, participant: Participant, *, reason: str) -> Participant:
    """Record ``participant`` absent with a reason (secretary or chair)."""
    reason = nfc(reason).strip()
    with transaction.atomic():
        meeting = lock_meeting(participant.meeting_id)
        viewer = queries.viewer_for(actor, meeting)
        if not (viewer.manage or viewer.preside):
            raise ActionError(
                _("Chỉ thư ký hoặc chủ tọa mới ghi nhận vắng mặt."), code="forbidden"
            )
        require_status(
            meeting,
            (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS, MeetingStatus.CLOSED),
            _("Không thể ghi nhận vắng mặt ở trạng thái này của cuộc họp."),
        )
        if not reason:
            raise ActionError(_("Hãy cho biết lý do vắng mặt."), code="reason_required")
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        participant.attendance = Attendance.ABSENT
        participant.absence_reason = reason
        participant.checked_in_at = None
        participant.save(
            update_fields=["attendance", "absence_reason", "checked_in_at"]
        )
        record_audit(actor, "meeting.mark_absent", meeting, person=participant.user_id)
        _attendance_changed(meeting, participant)
    return participant


def _attendance_changed(meeting: Meeting, participant: Participant) -> None:
    q = queries.quorum(meeting)
    events.publish(
        meeting.pk,
        {
            "type": "attendance.changed",
            "meeting": meeting.pk,
            "participant": participant.pk,
            "attendance": participant.attendance,
            "quorum": {
                "members": q.members,
                "required": q.required,
                "present": q.present,
                "reached": q.reached,
            },
        },
    )
