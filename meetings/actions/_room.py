"""Helpers of the room's actions: the meeting row locked, rights, status."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from accounts.models import User
from meetings import queries
from meetings.models import (
    Meeting,
    MeetingStatus,
)
from meetings.room_models import (
    RoomState,
    Vote,
)
from nghisu.errors import ActionError, NotFound


def lock_meeting(
    meeting_id: int, actor: User | None = None, *, room: bool = False
) -> Meeting:
    """Lock the meeting row: one query; with ``room`` the same query reads the
    room's state row (``meeting.room_state``, not locked: its seq only moves by
    ``seq + 1``). With ``actor``, one more reads their rights
    (``meeting.viewer``)."""
    qs = Meeting.objects.select_for_update(of=("self",)).select_related("body")
    if room:
        qs = qs.select_related("room_state")
    try:
        meeting = qs.get(pk=meeting_id)
    except Meeting.DoesNotExist:
        raise NotFound() from None
    if actor is not None:
        meeting.viewer = queries.viewer_for(actor, meeting)
    return meeting


def viewer_of(actor: User, meeting: Meeting) -> queries.Viewer:
    viewer = getattr(meeting, "viewer", None)
    return viewer if viewer is not None else queries.viewer_for(actor, meeting)


def require_control(actor: User, meeting: Meeting) -> queries.Viewer:
    viewer = viewer_of(actor, meeting)
    if not (viewer.manage or viewer.preside):
        raise ActionError(
            _("Chỉ chủ tọa hoặc thư ký cuộc họp mới làm được việc này."),
            code="forbidden",
        )
    return viewer


def require_running(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise ActionError(
            _("Cuộc họp chưa khai mạc hoặc đã kết thúc."), code="bad_status"
        )


def room_state_of(meeting: Meeting) -> RoomState:
    """The room's state row read with the meeting (``lock_meeting(room=True)``)."""
    try:
        return meeting.room_state
    except RoomState.DoesNotExist:
        return room_state_row(meeting.pk)


def room_state_row(meeting_id: int) -> RoomState:
    state = RoomState.objects.filter(pk=meeting_id).first()
    if state is None:
        RoomState.objects.bulk_create(
            [RoomState(meeting_id=meeting_id)], ignore_conflicts=True
        )
        state = RoomState.objects.get(pk=meeting_id)
    return state


#: The room's state columns of "nothing presented".
NO_PRESENTATION = {
    "document_id": None,
    "version_id": None,
    "page": 0,
    "region": None,
    "presented_by_id": None,
}


def lock_vote(vote_id: int, *, shared: bool = False) -> Vote | None:
    """Lock the vote row: FOR SHARE on PostgreSQL when ``shared``, else FOR UPDATE."""
    if shared and connection.vendor == "postgresql":
        table = connection.ops.quote_name(Vote._meta.db_table)
        rows = list(
            Vote.objects.raw(
                f"SELECT * FROM {table} WHERE id = %s FOR SHARE",  # noqa: S608
                [vote_id],
            )
        )
        return rows[0] if rows else None
    return Vote.objects.select_for_update().filter(pk=vote_id).first()


def not_found() -> ActionError:
    return ActionError(_("Không tìm thấy cuộc biểu quyết này."), code="not_found")


def clear_presentation(meeting_id: int) -> None:
    RoomState.objects.filter(pk=meeting_id).update(
        document=None, version=None, page=0, region=None, presented_by=None
    )
