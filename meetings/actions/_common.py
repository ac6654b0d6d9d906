"""Helpers shared by the meeting actions: locking, rights and states."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from accounts.models import User
from meetings import queries
from meetings.models import Meeting, MeetingStatus, Participant
from nghisu.errors import ActionError

#: Statuses in which the agenda and the participants may still change.
OPEN_STATUSES = (
    MeetingStatus.DRAFT,
    MeetingStatus.PUBLISHED,
    MeetingStatus.IN_PROGRESS,
)


def lock_meeting(meeting: Meeting | int) -> Meeting:
    """Lock and reload the meeting row (inside a transaction)."""
    pk = meeting if isinstance(meeting, int) else meeting.pk
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("body", "body__unit")
        .get(pk=pk)
    )


def require_manager(actor: User, meeting: Meeting) -> queries.Viewer:
    """Refuse anyone but the body's current chairs and secretaries."""
    viewer = queries.viewer_for(actor, meeting)
    if not viewer.manage:
        raise ActionError(
            _("Chỉ thư ký và chủ tịch của %(body)s mới được thay đổi cuộc họp này.")
            % {"body": meeting.body.name},
            code="forbidden",
        )
    return viewer


def require_chair_or_secretary(actor: User, meeting: Meeting) -> queries.Viewer:
    """Refuse anyone but managers and the meeting's presiding chair."""
    viewer = queries.viewer_for(actor, meeting)
    if not (viewer.manage or viewer.preside):
        raise ActionError(
            _("Chỉ chủ tọa hoặc thư ký cuộc họp mới làm được việc này."),
            code="forbidden",
        )
    return viewer


def require_status(meeting: Meeting, allowed: tuple[str, ...], message: str) -> None:
    if meeting.status not in allowed:
        raise ActionError(message, code="bad_status")


def require_open(meeting: Meeting) -> None:
    require_status(
        meeting,
        OPEN_STATUSES,
        _("Cuộc họp đã kết thúc; không thể thay đổi nữa."),
    )


def sync_participants_group(meeting: Meeting) -> None:
    """Make the meeting's group hold exactly its participants' users.

    Every participant is in the group whatever their answer (a delegate who
    declines still receives the papers, as on paper); removing a participant
    takes them out, and with them their view of the documents granted to the
    group. Three queries whatever the size.
    """
    wanted = set(
        Participant.objects.filter(meeting=meeting).values_list("user_id", flat=True)
    )
    through = User.groups.through
    present = set(
        through.objects.filter(group_id=meeting.participants_group_id).values_list(
            "user_id", flat=True
        )
    )
    if wanted - present:
        through.objects.bulk_create(
            [
                through(group_id=meeting.participants_group_id, user_id=uid)
                for uid in wanted - present
            ]
        )
    if present - wanted:
        through.objects.filter(
            group_id=meeting.participants_group_id, user_id__in=present - wanted
        ).delete()


def new_group() -> Group:
    import uuid

    return Group.objects.create(name=f"meeting:new:{uuid.uuid4().hex}")
