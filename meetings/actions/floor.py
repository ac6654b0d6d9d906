"""The floor: asking to speak, giving the floor, ending a speech.

Typed arguments; each function locks the meeting, changes the requests in one
transaction and publishes ``speakers`` (the whole queue) on commit.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from meetings import events
from meetings.actions import _room as rs
from meetings.models import (
    Participant,
    Role,
)
from meetings.room import speakers_state
from meetings.room_models import (
    SpeakerRequest,
    SpeakerStatus,
)
from nghisu.errors import ActionError


def _publish_speakers(meeting_id: int) -> None:
    events.publish(
        meeting_id, {"type": "speakers", "speakers": speakers_state(meeting_id)}
    )


def end_floor(meeting_id: int) -> None:
    """End the speech in progress and withdraw the waiting requests (closing
    the meeting); event ``speakers`` if anything changed."""
    now = timezone.now()
    ended = SpeakerRequest.objects.filter(
        meeting_id=meeting_id, status=SpeakerStatus.SPEAKING
    ).update(status=SpeakerStatus.DONE, ended_at=now)
    ended += SpeakerRequest.objects.filter(
        meeting_id=meeting_id, status=SpeakerStatus.WAITING
    ).update(status=SpeakerStatus.WITHDRAWN, ended_at=now)
    if ended:
        _publish_speakers(meeting_id)


def do_speaker_request(actor: User, meeting_id: int) -> dict[str, Any]:
    """Ask to speak on the current item (participants other than guests).

    Asking twice returns the request already waiting. Event ``speakers``.
    """
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id)
        rs.require_running(meeting)
        participant = Participant.objects.filter(meeting=meeting, user=actor).first()
        if participant is None or participant.role == Role.GUEST:
            raise ActionError(
                _("Chỉ đại biểu dự họp mới đăng ký phát biểu được."), code="forbidden"
            )
        if meeting.current_item_id is None:
            raise ActionError(
                _("Chưa có nội dung nào đang được thảo luận."), code="no_item"
            )
        existing = SpeakerRequest.objects.filter(
            item_id=meeting.current_item_id,
            user=actor,
            status__in=[SpeakerStatus.WAITING, SpeakerStatus.SPEAKING],
        ).first()
        if existing is not None:
            return {"request": existing.pk}
        try:
            with transaction.atomic():
                req = SpeakerRequest.objects.create(
                    meeting=meeting, item_id=meeting.current_item_id, user=actor
                )
        except IntegrityError:
            raise ActionError(
                _("Bạn đã đăng ký phát biểu nội dung này."), code="duplicate"
            ) from None
        _publish_speakers(meeting.pk)
    return {"request": req.pk}


def do_speaker_withdraw(actor: User, meeting_id: int) -> dict[str, Any]:
    """Withdraw one's waiting request on the current item. Event ``speakers``."""
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id)
        updated = SpeakerRequest.objects.filter(
            meeting=meeting, user=actor, status=SpeakerStatus.WAITING
        ).update(status=SpeakerStatus.WITHDRAWN, ended_at=timezone.now())
        if updated:
            _publish_speakers(meeting.pk)
    return {"withdrawn": updated}


def do_speaker_grant(
    actor: User, meeting_id: int, *, request_id: int
) -> dict[str, Any]:
    """Give the floor to a waiting request; whoever speaks is ended first.

    Records the start time. Audits ``room.speaker_grant``. Event ``speakers``.
    """
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id, actor)
        rs.require_control(actor, meeting)
        rs.require_running(meeting)
        req = SpeakerRequest.objects.filter(pk=request_id, meeting=meeting).first()
        if req is None or req.status not in (
            SpeakerStatus.WAITING,
            SpeakerStatus.SPEAKING,
        ):
            raise ActionError(
                _("Không còn đăng ký phát biểu này trong danh sách."),
                code="not_found",
            )
        if req.status == SpeakerStatus.SPEAKING:
            return {"request": req.pk}
        now = timezone.now()
        SpeakerRequest.objects.filter(
            meeting=meeting, status=SpeakerStatus.SPEAKING
        ).update(status=SpeakerStatus.DONE, ended_at=now)
        req.status = SpeakerStatus.SPEAKING
        req.started_at = now
        req.granted_by = actor
        req.save(update_fields=["status", "started_at", "granted_by"])
        record_audit(actor, "room.speaker_grant", meeting, request=req.pk)
        _publish_speakers(meeting.pk)
    return {"request": req.pk}


def do_speaker_take(
    actor: User, meeting_id: int, *, request_id: int, purpose: str
) -> dict[str, Any]:
    """Take a waiting request off the queue because the delegate is given the
    floor in another form (``purpose``, e.g. ``question``: the question
    segment of oversight, which keeps the times itself).

    The request is done without a speech of its own (no start time, so the
    minutes do not list it twice). The chair or the secretary, while the
    meeting runs. Locks the meeting. Audits ``room.speaker_take``. Event
    ``speakers``. Returns the request's id, the delegate's user id and the
    item it was made on.
    """
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id, actor)
        rs.require_control(actor, meeting)
        rs.require_running(meeting)
        req = SpeakerRequest.objects.filter(
            pk=request_id, meeting=meeting, status=SpeakerStatus.WAITING
        ).first()
        if req is None:
            raise ActionError(
                _("Không còn đăng ký phát biểu này trong danh sách."),
                code="not_found",
            )
        req.status = SpeakerStatus.DONE
        req.ended_at = timezone.now()
        req.granted_by = actor
        req.save(update_fields=["status", "ended_at", "granted_by"])
        record_audit(
            actor, "room.speaker_take", meeting, request=req.pk, purpose=purpose
        )
        _publish_speakers(meeting.pk)
    return {"request": req.pk, "user": req.user_id, "item": req.item_id}


def do_speaker_end(actor: User, meeting_id: int) -> dict[str, Any]:
    """End the current speech (the chair, or the speaker). Event ``speakers``."""
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id)
        speaking = SpeakerRequest.objects.filter(
            meeting=meeting, status=SpeakerStatus.SPEAKING
        ).first()
        if speaking is None:
            raise ActionError(_("Không có ai đang phát biểu."), code="no_speaker")
        if speaking.user_id != actor.pk:
            rs.require_control(actor, meeting)
        speaking.status = SpeakerStatus.DONE
        speaking.ended_at = timezone.now()
        speaking.save(update_fields=["status", "ended_at"])
        _publish_speakers(meeting.pk)
    return {"request": speaking.pk}
