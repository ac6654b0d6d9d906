"""Creating a meeting and moving it along draft → published → in_progress →
closed → archived."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import rules
from accounts.actions import record_audit
from accounts.models import Body, User
from meetings import events, queries
from meetings.actions._common import (
    lock_meeting,
    new_group,
    require_chair_or_secretary,
    require_manager,
    require_status,
)
from meetings.models import (
    KINDS_BY_BODY,
    AgendaItem,
    Answer,
    Attendance,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Participant,
)
from nghisu.errors import ActionError
from nghisu.text import nfc


def _clean_fields(
    body: Body,
    *,
    title: str,
    kind: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str,
    number: int | None,
) -> dict:
    title, place = nfc(title).strip(), nfc(place).strip()
    if not title or len(title) > 300:
        raise ActionError(_("Tên cuộc họp phải có từ 1 đến 300 ký tự."), code="invalid")
    if kind not in KINDS_BY_BODY.get(body.kind, ()):
        raise ActionError(
            _("Loại cuộc họp này không áp dụng cho %(body)s.") % {"body": body.name},
            code="bad_kind",
        )
    if starts_at is None or ends_at is None:
        raise ActionError(_("Hãy nhập thời gian bắt đầu và kết thúc."), code="invalid")
    if ends_at <= starts_at:
        raise ActionError(
            _("Thời gian kết thúc phải sau thời gian bắt đầu."), code="bad_dates"
        )
    if not place or len(place) > 300:
        raise ActionError(_("Hãy nhập địa điểm họp."), code="invalid")
    if number is not None and not 0 < number < 10000:
        raise ActionError(_("Số thứ tự cuộc họp không hợp lệ."), code="invalid")
    return {
        "title": title,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "number": number,
    }


def _require_body_manager(actor: User, body: Body) -> None:
    if not any(b.pk == body.pk for b in queries.managed_bodies(actor)):
        raise ActionError(
            _("Chỉ thư ký và chủ tịch của %(body)s mới được tạo cuộc họp.")
            % {"body": body.name},
            code="forbidden",
        )


def create_meeting(
    actor: User,
    *,
    body: Body,
    title: str,
    kind: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str,
    number: int | None = None,
) -> Meeting:
    """Create a draft meeting of ``body`` with its participants group.

    Audited as ``meeting.create``; no event (drafts have no room). A
    double-submitted form is the view's business (``submissions.once``).
    """
    _require_body_manager(actor, body)
    fields = _clean_fields(
        body,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        number=number,
    )
    with transaction.atomic():
        meeting = Meeting(
            body=body,
            created_by=actor,
            participants_group=new_group(),
            **fields,
        )
        meeting.save()
        group = meeting.participants_group
        group.name = f"meeting:{meeting.pk}:participants"
        group.save(update_fields=["name"])
        record_audit(actor, "meeting.create", meeting, title=meeting.title)
    return meeting


def update_meeting(
    actor: User,
    meeting: Meeting,
    *,
    title: str,
    kind: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str,
    number: int | None = None,
) -> Meeting:
    """Change a meeting's title, kind, time or place (before it closes).

    Locks the meeting. Once published, participants are notified of a new time
    or place and the room gets ``meeting.updated``.
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS),
            _("Cuộc họp đã kết thúc; không thể sửa thông tin nữa."),
        )
        fields = _clean_fields(
            meeting.body,
            title=title,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place,
            number=number,
        )
        changed = [k for k, v in fields.items() if getattr(meeting, k) != v]
        if not changed:
            return meeting
        for key in changed:
            setattr(meeting, key, fields[key])
        meeting.save(update_fields=[*changed, "updated_at"])
        record_audit(actor, "meeting.update", meeting, fields=changed)
        if meeting.status != MeetingStatus.DRAFT:
            if {"starts_at", "ends_at", "place"} & set(changed):
                _notify_participants(
                    meeting,
                    exclude=actor,
                    kind="meeting.rescheduled",
                    title=_("Thay đổi thời gian, địa điểm: %(title)s")
                    % {"title": meeting.title},
                    body=_when_where(meeting),
                )
            events.publish(
                meeting.pk,
                {"type": "meeting.updated", "meeting": meeting.pk, "fields": changed},
            )
    return meeting


def delete_meeting(actor: User, meeting: Meeting) -> None:
    """Delete a draft meeting (nobody has been invited to it yet)."""
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.DRAFT,),
            _("Chỉ xóa được cuộc họp còn ở dạng dự thảo."),
        )
        group = meeting.participants_group
        record_audit(actor, "meeting.delete", meeting, title=meeting.title)
        meeting.current_item = None
        meeting.save(update_fields=["current_item"])
        meeting.delete()
        group.delete()


def _when_where(meeting: Meeting) -> str:
    start = formats.date_format(
        timezone.localtime(meeting.starts_at), "DATETIME_FORMAT"
    )
    return _("%(body)s. Thời gian: %(start)s. Địa điểm: %(place)s.") % {
        "body": meeting.body.name,
        "start": start,
        "place": meeting.place,
    }


def meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def _notify_participants(
    meeting: Meeting, *, exclude: User | None, kind: str, title: str, body: str
) -> None:
    from nghisu.notify import notify

    users = [
        p.user
        for p in Participant.objects.filter(meeting=meeting).select_related("user")
        if exclude is None or p.user_id != exclude.pk
    ]
    notify(users, kind=kind, title=title, body=body, url=meeting_url(meeting))


def send_invitations(meeting: Meeting, participants: list[Participant]) -> None:
    """Notify (in-app and e-mail) participants not yet invited; mark them."""
    from nghisu.notify import notify

    fresh = [p for p in participants if p.invited_at is None]
    if not fresh:
        return
    notify(
        [p.user for p in fresh],
        kind="meeting.invitation",
        title=_("Giấy mời họp: %(title)s") % {"title": meeting.title},
        body=_when_where(meeting) + " " + _("Vui lòng xác nhận tham dự trên Nghị Sự."),
        url=meeting_url(meeting),
    )
    Participant.objects.filter(pk__in=[p.pk for p in fresh]).update(
        invited_at=timezone.now()
    )


def agenda_documents(meeting: Meeting):
    """Documents attached to the meeting's items (one query)."""
    from documents.models import Document

    return list(
        Document.objects.filter(attachments__item__meeting=meeting)
        .select_related("latest_version")
        .distinct()
    )


#: What a meeting's participants may do with its agenda documents: read them
#: and write their own notes on them (private unless they share them). Not
#: download: the original stays with those granted it by name or body.
AGENDA_DOCUMENT_PERMS = ("view_document", "annotate_document")


def grant_agenda_documents(actor: User, meeting: Meeting, documents: list) -> None:
    """Give the participants group view and annotate on ``documents`` and
    pre-render them."""
    from documents import actions as document_actions

    if not documents:
        return
    document_actions.grant_to_group_bulk(
        actor, documents, group=meeting.participants_group, perms=AGENDA_DOCUMENT_PERMS
    )
    document_actions.prerender(
        [d.latest_version for d in documents if d.latest_version is not None]
    )


def publish_meeting(actor: User, meeting: Meeting) -> Meeting:
    """Publish a draft: participants see it, get invitations and its documents.

    Refused without agenda items or participants. Locks the meeting; grants the
    participants group view and annotate on every attached document (one bulk insert),
    queues pre-rendering, notifies every participant, audits
    ``meeting.publish`` and publishes ``meeting.status``.
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.DRAFT,),
            _("Cuộc họp này đã được công bố."),
        )
        if not AgendaItem.objects.filter(meeting=meeting).exists():
            raise ActionError(
                _(
                    "Chưa có nội dung nào trong chương trình; hãy thêm nội dung trước "
                    "khi công bố."
                ),
                code="empty_agenda",
            )
        rows = list(Participant.objects.filter(meeting=meeting).select_related("user"))
        if not rows:
            raise ActionError(
                _("Chưa mời ai dự họp; hãy mời người dự trước khi công bố."),
                code="no_participants",
            )
        meeting.status = MeetingStatus.PUBLISHED
        meeting.published_at = timezone.now()
        meeting.save(update_fields=["status", "published_at", "updated_at"])
        grant_agenda_documents(actor, meeting, agenda_documents(meeting))
        send_invitations(meeting, [r for r in rows if r.user_id != actor.pk])
        record_audit(actor, "meeting.publish", meeting, participants=len(rows))
        _publish_status(meeting)
    return meeting


def _publish_status(meeting: Meeting) -> None:
    events.publish(
        meeting.pk,
        {"type": "meeting.status", "meeting": meeting.pk, "status": meeting.status},
    )


def require_quorum(meeting: Meeting) -> queries.Quorum:
    """Refuse, with the counts, below the body's quorum (:mod:`accounts.rules`)."""
    quorum = queries.quorum(meeting)
    if not quorum.reached:
        raise ActionError(
            rules.quorum_message(quorum.present, quorum.members, quorum.required),
            code="no_quorum",
        )
    return quorum


def start_meeting(actor: User, meeting: Meeting) -> Meeting:
    """Open a published meeting (chair or secretary), only with a quorum of
    the body's members checked in. Event ``meeting.status``."""
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_chair_or_secretary(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.PUBLISHED,),
            _("Chỉ khai mạc được cuộc họp đã công bố và chưa bắt đầu."),
        )
        quorum = require_quorum(meeting)
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.started_at = timezone.now()
        meeting.save(update_fields=["status", "started_at", "updated_at"])
        record_audit(
            actor,
            "meeting.start",
            meeting,
            members=quorum.members,
            present=quorum.present,
            quorum=quorum.required,
        )
        _publish_status(meeting)
    return meeting


def close_meeting(actor: User, meeting: Meeting) -> Meeting:
    """Close a running meeting (chair or secretary): the one path of the page
    and the room.

    Refused while a vote is open. Ends the speech in progress and withdraws
    the waiting requests, clears the presentation, and records absent the
    participants never checked in (with the reason they gave when declining
    or delegating). Events, in order: ``speakers`` (if the floor changed),
    ``participants.changed`` (op ``attendance``: clients resync), then
    ``meeting.status``.
    """
    from meetings.actions._room import clear_presentation
    from meetings.actions.floor import end_floor
    from meetings.room_models import Vote, VoteStatus

    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_chair_or_secretary(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.IN_PROGRESS,),
            _("Chỉ bế mạc được cuộc họp đang diễn ra."),
        )
        if Vote.objects.filter(meeting=meeting, status=VoteStatus.OPEN).exists():
            raise ActionError(
                _("Đang có biểu quyết chưa kết thúc; hãy kết thúc trước khi bế mạc."),
                code="vote_busy",
            )
        end_floor(meeting.pk)
        clear_presentation(meeting.pk)
        unknown = Participant.objects.filter(
            meeting=meeting, attendance=Attendance.UNKNOWN
        )
        absent = list(unknown.values_list("pk", flat=True))
        unknown.filter(
            Q(answer__in=[Answer.DECLINED, Answer.DELEGATED]), absence_reason=""
        ).update(attendance=Attendance.ABSENT, absence_reason=F("answer_reason"))
        unknown.update(attendance=Attendance.ABSENT)
        meeting.status = MeetingStatus.CLOSED
        meeting.closed_at = timezone.now()
        meeting.current_item = None
        meeting.save(
            update_fields=["status", "closed_at", "current_item", "updated_at"]
        )
        record_audit(actor, "meeting.close", meeting, absent=len(absent))
        if absent:
            events.publish(
                meeting.pk,
                {
                    "type": "participants.changed",
                    "meeting": meeting.pk,
                    "op": "attendance",
                    "participants": absent,
                },
            )
        _publish_status(meeting)
    return meeting


def archive_meeting(actor: User, meeting: Meeting) -> Meeting:
    """File a closed meeting whose minutes are approved. Event ``meeting.status``."""
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        require_manager(actor, meeting)
        require_status(
            meeting,
            (MeetingStatus.CLOSED,),
            _("Chỉ lưu trữ được cuộc họp đã kết thúc."),
        )
        if not Minutes.objects.filter(
            meeting=meeting, status=MinutesStatus.APPROVED
        ).exists():
            raise ActionError(
                _("Biên bản chưa được phê duyệt; chưa thể lưu trữ cuộc họp."),
                code="minutes_missing",
            )
        meeting.status = MeetingStatus.ARCHIVED
        meeting.archived_at = timezone.now()
        meeting.save(update_fields=["status", "archived_at", "updated_at"])
        record_audit(actor, "meeting.archive", meeting)
        _publish_status(meeting)
    return meeting
