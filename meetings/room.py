"""The live room as a tablet reads it: who may sit in it (:class:`Seat`),
and the ``room.state`` a socket starts from.

Reads only: every change of the room is an action in
:mod:`meetings.actions.room` (agenda, presenting, start, close, check-in),
:mod:`meetings.actions.floor` (speakers), :mod:`meetings.actions.votes` and
:mod:`meetings.actions.ballots`; presence and stored command answers are in
:mod:`meetings.actions.presence` and :mod:`meetings.actions.commands`. The
per-process cache of the shared part of the state is :mod:`meetings.room_cache`.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from meetings import events, queries, room_cache, voting
from meetings.models import (
    AgendaDocument,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Participant,
)
from meetings.room_cache import Shared
from meetings.room_models import (
    RoomPresence,
    RoomState,
    SpeakerRequest,
    SpeakerStatus,
)
from nghisu.errors import NotFound

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
#: A process whose heartbeat is older than this is gone; its sockets are stale.
PRESENCE_STALE_SECONDS = 45


@dataclass(frozen=True)
class Seat:
    """What a socket may do in one room, decided once when it connects."""

    meeting_id: int
    user_id: int
    name: str
    role: str  # a participant role, or "manager" for a body's chair/secretary
    voting_right: bool
    can_control: bool  # run the agenda, the floor, the presenter
    can_preside: bool  # open and close votes
    participant_id: int | None

    @property
    def is_manager(self) -> bool:
        return self.can_control


def _rights(viewer: queries.Viewer) -> tuple[bool, bool]:
    return (viewer.manage or viewer.preside, viewer.preside)


def access_room(user: User, meeting_id: object) -> Seat:
    """Return the user's seat in the room, or raise ``NotFound``.

    Open to the meeting's participants and to the body's chairs and
    secretaries, once the meeting is published. Three queries.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    meeting = queries.access_meeting(user, meeting_id)
    viewer = meeting.viewer
    if meeting.status == MeetingStatus.DRAFT:
        raise NotFound()
    if viewer.participant is None and not (viewer.manage or viewer.preside):
        raise NotFound()
    control, preside = _rights(viewer)
    participant = viewer.participant
    return Seat(
        meeting_id=meeting.pk,
        user_id=user.pk,
        name=str(user),
        role=participant.role if participant else "manager",
        voting_right=bool(participant and participant.voting_right),
        can_control=control,
        can_preside=preside,
        participant_id=participant.pk if participant else None,
    )


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def page_src(document_id: int, version_number: int, page: int) -> str | None:
    try:
        return reverse("documents:page", args=[document_id, version_number, page])
    except NoReverseMatch:
        return None


def agenda_state(meeting: Meeting) -> list[dict[str, Any]]:
    """The agenda with each item's documents: two queries."""
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter")
        .order_by("position", "id")
    )
    attached: dict[int, list[dict[str, Any]]] = {}
    for row in (
        AgendaDocument.objects.filter(item__meeting=meeting)
        .select_related("document", "document__latest_version")
        .order_by("position", "id")
    ):
        version = row.document.latest_version
        attached.setdefault(row.item_id, []).append(
            {
                "id": row.document_id,
                "title": row.document.title,
                "version": version.number if version else None,
                "pages": version.page_count if version else 0,
                "ready": bool(version and version.is_ready),
            }
        )
    top = [i for i in items if i.parent_id is None]
    children: dict[int, list[AgendaItem]] = {}
    for i in items:
        if i.parent_id is not None:
            children.setdefault(i.parent_id, []).append(i)
    out = []
    for n, item in enumerate(top, start=1):
        out.append(_item_dict(item, str(n), attached))
        for m, sub in enumerate(children.get(item.pk, []), start=1):
            out.append(_item_dict(sub, f"{n}.{m}", attached))
    return out


def _item_dict(
    item: AgendaItem, number: str, attached: dict[int, list[dict[str, Any]]]
) -> dict[str, Any]:
    return {
        "id": item.pk,
        "number": number,
        "parent": item.parent_id,
        "title": item.title,
        "presenter": item.presenter_label,
        "presenter_id": item.presenter_id,
        "duration_minutes": item.duration_minutes,
        **item_progress(item),
        "documents": attached.get(item.pk, []),
    }


def item_progress(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "status": item.status,
        "started_at": _iso(item.started_at),
        "ended_at": _iso(item.ended_at),
    }


def presentation_state(state: RoomState | None) -> dict[str, Any] | None:
    if state is None or state.document_id is None or state.version is None:
        return None
    return {
        "document": state.document_id,
        "title": state.document.title if state.document else "",
        "version": state.version.number,
        "page": state.page,
        "pages": state.version.page_count,
        "region": state.region,
        "src": page_src(state.document_id, state.version.number, state.page),
        "by": state.presented_by_id,
    }


def speaker_dict(req: SpeakerRequest) -> dict[str, Any]:
    return {
        "id": req.pk,
        "item": req.item_id,
        "user": req.user_id,
        "name": str(req.user),
        "status": req.status,
        "requested_at": _iso(req.requested_at),
        "started_at": _iso(req.started_at),
        "ended_at": _iso(req.ended_at),
    }


def speakers_state(meeting_id: int) -> list[dict[str, Any]]:
    """Waiting and speaking requests in queue order: one query."""
    return [
        speaker_dict(r)
        for r in SpeakerRequest.objects.filter(
            meeting_id=meeting_id,
            status__in=[SpeakerStatus.WAITING, SpeakerStatus.SPEAKING],
        )
        .select_related("user")
        .order_by("requested_at", "id")
    ]


def participant_dict(p: Participant) -> dict[str, Any]:
    return {
        "id": p.pk,
        "user": p.user_id,
        "name": str(p.user),
        "role": p.role,
        "voting_right": p.voting_right,
        "attendance": p.attendance,
    }


def _meeting_with_seq(meeting_id: int) -> Meeting:
    """The meeting with its body and the room's ``seq``: one query."""
    return (
        Meeting.objects.select_related("body")
        .annotate(
            room_seq=Subquery(
                RoomState.objects.filter(pk=OuterRef("pk")).values("seq")[:1]
            )
        )
        .get(pk=meeting_id)
    )


def _build_shared(meeting: Meeting, key: tuple) -> Shared:
    state = (
        RoomState.objects.filter(pk=meeting.pk)
        .select_related("document", "version")
        .first()
    )
    rows = queries.participants(meeting)
    quorum = queries.quorum(meeting, rows)
    participants = [participant_dict(p) for p in rows]
    data = {
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "status": meeting.status,
            "body": meeting.body.name,
            "body_kind": meeting.body.kind,
            "started_at": _iso(meeting.started_at),
            "closed_at": _iso(meeting.closed_at),
        },
        "agenda": agenda_state(meeting),
        "current_item": meeting.current_item_id,
        "presenter": state.presenter_id if state else None,
        "presentation": presentation_state(state),
        "speakers": speakers_state(meeting.pk),
        "participants": participants,
        "quorum": {
            "members": quorum.members,
            "required": quorum.required,
            "present": quorum.present,
        },
    }
    votes = voting.votes_list(meeting)
    now = time.monotonic()
    room_cache.count_build()
    return Shared(
        key=key,
        built=now,
        data=data,
        body=events.dumps(data)[1:-1],
        by_user={p["user"]: p for p in participants},
        votes=votes,
        votes_body='"votes":' + events.dumps(votes),
        votes_at=now,
        open_votes=any(v["status"] == "open" for v in votes),
    )


def _refresh_votes(meeting: Meeting, entry: Shared) -> Shared:
    """The same shared part with the open votes' live counts read again."""
    votes = voting.votes_list(meeting)
    return dataclasses.replace(
        entry,
        votes=votes,
        votes_body='"votes":' + events.dumps(votes),
        votes_at=time.monotonic(),
        open_votes=any(v["status"] == "open" for v in votes),
    )


def _shared_state(meeting: Meeting) -> Shared:
    """The shared part of the room's state (:func:`meetings.room_cache.shared_state`)."""
    return room_cache.shared_state(meeting, _build_shared, _refresh_votes)


def forget_shared_states() -> None:
    """Drop the cached shared states (tests; nothing else needs it)."""
    room_cache.forget()


def _own_state(
    user: User, seat: Seat, meeting: Meeting, shared: Shared
) -> dict[str, Any]:
    """The part of room.state that belongs to one socket: no query for a
    delegate while the meeting has no vote, one otherwise (the user's casts);
    one more for a chair or secretary (who is present)."""
    seq = meeting.room_seq or 0
    me = shared.by_user.get(user.pk)
    data: dict[str, Any] = {
        "type": "room.state",
        "protocol": PROTOCOL_VERSION,
        "seq": seq,
        "now": _iso(timezone.now()),
        "me": {
            "user": user.pk,
            "name": str(user),
            "role": seat.role,
            "voting_right": bool(me and me["voting_right"]),
            "attendance": me["attendance"] if me else None,
            "can_control": seat.can_control,
            "can_preside": seat.can_preside,
            "can_present": seat.can_control or shared.data["presenter"] == user.pk,
        },
        "my_votes": voting.my_votes(meeting, user) if shared.votes else {},
    }
    if seat.can_control:
        data["presence"] = present_user_ids(seat.meeting_id)
    return data


def room_state(user: User, seat: Seat, *, cached: bool = True) -> dict[str, Any]:
    """Everything a tablet needs to show the room, as of ``seq``.

    A fixed number of queries whatever the size of the room: one to three
    when the shared part is cached (see :func:`room_state_frame`), about ten
    when it is built. ``cached=False`` builds the shared part afresh (tests
    compare the two). The seq is read with the meeting, before the rest:
    events after it reach the socket through the hub (which the socket joined
    before asking), so nothing falls in between; an event already reflected
    in the state is harmless to apply again.
    """
    meeting = _meeting_with_seq(seat.meeting_id)
    if cached:
        shared = _shared_state(meeting)
    else:
        shared = _build_shared(meeting, (meeting.room_seq or 0, meeting.updated_at))
    own = _own_state(user, seat, meeting, shared)
    return {**own, **shared.data, "votes": shared.votes}


def room_state_frame(
    user: User, seat: Seat, *, command_id: object = None
) -> tuple[int, str]:
    """``(seq, frame)``: the serialised ``room.state`` for one socket.

    The shared part is serialised once per (meeting, seq) in the process and
    spliced in; only the socket's own part (``me``, ``my_votes``, the
    managers' ``presence``, the command ``id``) is serialised per socket.
    Queries: the meeting with its seq, then the socket's own part (none to
    two); the shared part only when it is not cached.
    """
    meeting = _meeting_with_seq(seat.meeting_id)
    shared = _shared_state(meeting)
    own = _own_state(user, seat, meeting, shared)
    if command_id is not None:
        own["id"] = command_id
    frame = f"{events.dumps(own)[:-1]},{shared.body},{shared.votes_body}}}"
    return own["seq"], frame


def present_user_ids(meeting_id: int) -> list[int]:
    """Users with at least one live socket in the room: one query."""
    fresh = timezone.now() - datetime.timedelta(seconds=PRESENCE_STALE_SECONDS)
    return sorted(
        set(
            RoomPresence.objects.filter(
                meeting_id=meeting_id, process__heartbeat_at__gte=fresh
            ).values_list("user_id", flat=True)
        )
    )


def speeches_for_minutes(meeting: Meeting) -> list[dict[str, Any]]:
    """Speeches given, in order, for the minutes: one query.

    Each: ``item`` (id), ``item_title``, ``user`` (id), ``name``, ``start``
    and ``end`` (ISO 8601, ``end`` None while still speaking).
    """
    return [
        {
            "item": r.item_id,
            "item_title": r.item.title,
            "user": r.user_id,
            "name": str(r.user),
            "start": _iso(r.started_at),
            "end": _iso(r.ended_at),
        }
        for r in SpeakerRequest.objects.filter(
            meeting=meeting,
            status__in=[SpeakerStatus.SPEAKING, SpeakerStatus.DONE],
            started_at__isnull=False,
        )
        .select_related("user", "item")
        .order_by("started_at", "id")
    ]
