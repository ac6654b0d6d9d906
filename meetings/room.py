"""The live room's actions: agenda progress, follow the presenter, the floor,
presence, and the room state a tablet starts from.

``check_*`` functions validate raw input from a socket (a JSON dict) and call
the matching ``do_*`` function, which checks the permission, changes the state
in one transaction (locking the meeting row first, then the room's state row
through :func:`meetings.events.publish`), audits where it matters and publishes
one event on commit. Every function returns a small JSON-able dict, the body
of the ``ack`` the socket answers with.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit, record_refusal
from accounts.models import User
from meetings import events, queries
from meetings.models import (
    AgendaDocument,
    AgendaItem,
    Attendance,
    ItemStatus,
    Meeting,
    MeetingStatus,
    Participant,
    Role,
)
from meetings.room_models import (
    RoomCommand,
    RoomPresence,
    RoomProcess,
    RoomState,
    SpeakerRequest,
    SpeakerStatus,
)
from nghisu.errors import ActionError, NotFound

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
#: A process whose heartbeat is older than this is gone; its sockets are stale.
PRESENCE_STALE_SECONDS = 45


# ---------------------------------------------------------------------------
# who is in the room
# ---------------------------------------------------------------------------
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


def _lock_meeting(
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


def _viewer(actor: User, meeting: Meeting) -> queries.Viewer:
    viewer = getattr(meeting, "viewer", None)
    return viewer if viewer is not None else queries.viewer_for(actor, meeting)


def _require_control(actor: User, meeting: Meeting) -> queries.Viewer:
    viewer = _viewer(actor, meeting)
    if not (viewer.manage or viewer.preside):
        raise ActionError(
            _("Chỉ chủ tọa hoặc thư ký cuộc họp mới làm được việc này."),
            code="forbidden",
        )
    return viewer


def _require_running(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise ActionError(
            _("Cuộc họp chưa khai mạc hoặc đã kết thúc."), code="bad_status"
        )


#: The largest value of a PostgreSQL ``integer`` (pages, counts) and of a
#: ``bigint`` (ids): beyond them the database refuses where SQLite accepts.
MAX_INT = 2**31 - 1
MAX_ID = 2**63 - 1


def int_field(
    data: dict[str, Any],
    key: str,
    *,
    required: bool = True,
    maximum: int = MAX_ID,
) -> int | None:
    """Read a non-negative integer field of a command, or refuse the command.

    Values above ``maximum`` (by default what a PostgreSQL ``bigint`` holds,
    the ids; :data:`MAX_INT` for ``integer`` columns) are refused like any
    other bad value, before they reach the database.
    """
    value = data.get(key)
    if value is None and not required:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= maximum
    ):
        raise ActionError(
            _("Trường “%(key)s” phải là một số nguyên từ 0 đến %(max)d.")
            % {"key": key, "max": maximum},
            code="bad_field",
        )
    return value


# ---------------------------------------------------------------------------
# the room state
# ---------------------------------------------------------------------------
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
        **_item_progress(item),
        "documents": attached.get(item.pk, []),
    }


def _item_progress(item: AgendaItem) -> dict[str, Any]:
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


#: The part of room.state that is the same for every socket of a meeting, built
#: once per process and serialised once (see :func:`_shared_state`).
@dataclass
class _Shared:
    key: tuple
    built: float  # time.monotonic() of the build
    data: dict[str, Any]  # everything but the votes
    body: str  # ``data`` serialised, without its braces
    by_user: dict[int, dict[str, Any]]  # participant dicts by user id
    votes: list[dict[str, Any]]
    votes_body: str  # ``"votes":[...]``
    votes_at: float
    open_votes: bool


_shared_states: dict[int, _Shared] = {}
_building: dict[tuple, Future] = {}
_shared_lock = threading.Lock()
#: How many shared parts this process built (tests read it).
shared_builds = 0


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


def _build_shared(meeting: Meeting, key: tuple) -> _Shared:
    from meetings import voting

    global shared_builds
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
    shared_builds += 1
    return _Shared(
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


def _refresh_votes(meeting: Meeting, entry: _Shared) -> _Shared:
    """The same shared part with the open votes' live counts read again."""
    from meetings import voting

    votes = voting.votes_list(meeting)
    return dataclasses.replace(
        entry,
        votes=votes,
        votes_body='"votes":' + events.dumps(votes),
        votes_at=time.monotonic(),
        open_votes=any(v["status"] == "open" for v in votes),
    )


def _shared_state(meeting: Meeting) -> _Shared:
    """The shared part of the room's state as of ``meeting.room_seq``.

    Valid while the room's seq and the meeting row are unchanged: every action
    that changes the agenda, the participants, attendance, the presentation,
    the floor or a vote publishes an event and so takes the next seq in its
    transaction. What changes without an event (a user's name, the body's
    members behind the quorum, a document finishing its processing) is read
    again after ``ROOM_STATE_CACHE_SECONDS``; the live counts of an open vote
    (which change without a seq) after ``ROOM_COALESCE_SECONDS``, as often as
    ``vote.progress`` goes out. Nothing in it depends on who asks or on the
    interface language. Concurrent callers with the same key wait for one
    build instead of making their own.
    """
    key = (meeting.room_seq or 0, meeting.updated_at)
    ttl = float(getattr(settings, "ROOM_STATE_CACHE_SECONDS", 10.0))
    votes_ttl = float(getattr(settings, "ROOM_COALESCE_SECONDS", 0.2))
    build = (meeting.pk, key)
    with _shared_lock:
        now = time.monotonic()
        hit = _shared_states.get(meeting.pk)
        if hit is not None and hit.key == key and now - hit.built < ttl:
            if not hit.open_votes or now - hit.votes_at < votes_ttl:
                return hit
            build = (meeting.pk, key, "votes")
        future = _building.get(build)
        mine = future is None
        if mine:
            future = _building[build] = Future()
    if not mine:
        return future.result(timeout=60)
    try:
        if len(build) == 3:
            entry = _refresh_votes(meeting, hit)
        else:
            entry = _build_shared(meeting, key)
    except BaseException as exc:
        with _shared_lock:
            _building.pop(build, None)
        future.set_exception(exc)
        raise
    with _shared_lock:
        _building.pop(build, None)
        current = _shared_states.get(meeting.pk)
        if current is None or current.key[0] <= key[0]:
            _shared_states[meeting.pk] = entry
        for other, old in list(_shared_states.items()):
            if entry.built - old.built > ttl * 6:  # rooms nobody joins any more
                del _shared_states[other]
    future.set_result(entry)
    return entry


def forget_shared_states() -> None:
    """Drop the cached shared states (tests; nothing else needs it)."""
    with _shared_lock:
        _shared_states.clear()


def _own_state(
    user: User, seat: Seat, meeting: Meeting, shared: _Shared
) -> dict[str, Any]:
    """The part of room.state that belongs to one socket: no query for a
    delegate while the meeting has no vote, one otherwise (the user's casts);
    one more for a chair or secretary (who is present)."""
    from meetings import voting

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


# ---------------------------------------------------------------------------
# agenda progress
# ---------------------------------------------------------------------------
def check_goto(actor: User, meeting_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """``agenda.goto``: ``{"item": id}`` or ``{"direction": "next"|"previous"}``."""
    direction = data.get("direction")
    if direction is not None:
        if direction not in ("next", "previous"):
            raise ActionError(
                _("Hướng chuyển phải là “next” hoặc “previous”."), code="bad_field"
            )
        return do_goto(actor, meeting_id, direction=direction)
    return do_goto(actor, meeting_id, item_id=int_field(data, "item"))


def do_goto(
    actor: User,
    meeting_id: int,
    *,
    item_id: int | None = None,
    direction: str | None = None,
) -> dict[str, Any]:
    """Make an item the current one; the previous current item is done.

    Locks the meeting. Stops any presentation. Audits ``room.agenda_goto``.
    Event ``agenda.current`` with the items whose progress changed. Going to
    the item already current changes nothing and sends nothing. Seven
    statements: the meeting locked, the actor's rights, the items, one update
    of the items, one of the meeting, the audit row, and the room's state row
    (presentation cleared, next seq).
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id, actor)
        _require_control(actor, meeting)
        _require_running(meeting)
        items = list(
            AgendaItem.objects.filter(meeting=meeting).order_by("position", "id")
        )
        ordered = _reading_order(items)
        if direction is not None:
            ids = [i.pk for i in ordered]
            if meeting.current_item_id in ids:
                index = ids.index(meeting.current_item_id)
                index += 1 if direction == "next" else -1
            else:
                index = 0 if direction == "next" else -1
            if not 0 <= index < len(ordered):
                raise ActionError(
                    _("Không còn nội dung nào để chuyển tới."), code="no_item"
                )
            item_id = ordered[index].pk
        item = next((i for i in items if i.pk == item_id), None)
        if item is None:
            raise ActionError(
                _("Nội dung này không có trong chương trình."), code="not_found"
            )
        if meeting.current_item_id == item.pk:
            return {"item": item.pk}
        now = timezone.now()
        changed = []
        previous = next((i for i in items if i.pk == meeting.current_item_id), None)
        if previous is not None and previous.status == ItemStatus.IN_PROGRESS:
            previous.status = ItemStatus.DONE
            previous.ended_at = now
            changed.append(previous)
        item.status = ItemStatus.IN_PROGRESS
        item.started_at = item.started_at or now
        item.ended_at = None
        changed.append(item)
        _save_progress(changed, now)
        meeting.current_item = item
        meeting.updated_at = now
        Meeting.objects.filter(pk=meeting.pk).update(current_item=item, updated_at=now)
        record_audit(actor, "room.agenda_goto", meeting, item=item.pk)
        events.publish(
            meeting.pk,
            {
                "type": "agenda.current",
                "item": item.pk,
                "items": [_item_progress(i) for i in changed],
                "presentation": None,
            },
            room=_NO_PRESENTATION,
        )
    return {"item": item.pk}


def _save_progress(items: list[AgendaItem], now: datetime.datetime) -> None:
    """Write the items' status, start and end in one UPDATE.

    Hand-written: the ORM's ``Case``/``When`` costs more CPU to build than the
    statement it saves. A column whose values are all NULL is set to NULL
    (PostgreSQL reads a CASE of untyped NULLs as text).
    """
    qn = connection.ops.quote_name
    sets, params = [], []
    for name in ("status", "started_at", "ended_at"):
        values = [(i.pk, getattr(i, name)) for i in items]
        if all(v is None for _pk, v in values):
            sets.append(f"{qn(name)} = NULL")
            continue
        branches = []
        for pk, value in values:
            if value is None:
                continue
            if isinstance(value, datetime.datetime):
                value = connection.ops.adapt_datetimefield_value(value)
            branches.append("WHEN %s THEN %s")
            params += [pk, value]
        sets.append(f"{qn(name)} = CASE {qn('id')} {' '.join(branches)} ELSE NULL END")
    sets.append(f"{qn('updated_at')} = %s")
    params.append(connection.ops.adapt_datetimefield_value(now))
    ids = [i.pk for i in items]
    table = qn(AgendaItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} "  # noqa: S608
            f"WHERE {qn('id')} IN ({', '.join(['%s'] * len(ids))})",
            [*params, *ids],
        )


def _reading_order(items: list[AgendaItem]) -> list[AgendaItem]:
    top = [i for i in items if i.parent_id is None]
    out = []
    for item in top:
        out.append(item)
        out.extend(i for i in items if i.parent_id == item.pk)
    return out


# ---------------------------------------------------------------------------
# follow the presenter
# ---------------------------------------------------------------------------
def _room_state_of(meeting: Meeting) -> RoomState:
    """The room's state row read with the meeting (``_lock_meeting(room=True)``)."""
    try:
        return meeting.room_state
    except RoomState.DoesNotExist:
        return _room_state_row(meeting.pk)


def _room_state_row(meeting_id: int) -> RoomState:
    state = RoomState.objects.filter(pk=meeting_id).first()
    if state is None:
        RoomState.objects.bulk_create(
            [RoomState(meeting_id=meeting_id)], ignore_conflicts=True
        )
        state = RoomState.objects.get(pk=meeting_id)
    return state


#: The room's state columns of "nothing presented".
_NO_PRESENTATION = {
    "document_id": None,
    "version_id": None,
    "page": 0,
    "region": None,
    "presented_by_id": None,
}


def clear_presentation(meeting_id: int) -> None:
    RoomState.objects.filter(pk=meeting_id).update(
        document=None, version=None, page=0, region=None, presented_by=None
    )


def _clean_region(value: object) -> dict[str, float] | None:
    if value is None:
        return None
    bad = ActionError(
        _("Vùng phóng to phải có x, y, w, h trong khoảng 0..1."), code="bad_field"
    )
    if not isinstance(value, dict):
        raise bad
    region = {}
    for key in ("x", "y", "w", "h"):
        v = value.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise bad
        region[key] = round(float(v), 4)
    if region["w"] <= 0 or region["h"] <= 0:
        raise bad
    # A region must lie on the page: a rounding slip of a client is clamped,
    # a region reaching past the edge is refused.
    for start, size in (("x", "w"), ("y", "h")):
        if region[start] + region[size] > 1.001:
            raise ActionError(
                _("Vùng phóng to vượt ra ngoài trang (x + w và y + h tối đa là 1)."),
                code="bad_region",
            )
        region[size] = round(min(region[size], 1 - region[start]), 4)
    return region


def check_present_page(
    actor: User, meeting_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """``present.page``: ``{"document": id, "page": n, "region"?: {...}}``."""
    return do_present_page(
        actor,
        meeting_id,
        document_id=int_field(data, "document"),
        page=int_field(data, "page", maximum=MAX_INT),
        region=_clean_region(data.get("region")),
    )


def do_present_page(
    actor: User,
    meeting_id: int,
    *,
    document_id: int,
    page: int,
    region: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Show a page of an agenda document on every screen.

    Only the chair, a secretary or the presenter the chair named; only
    documents attached to this meeting's agenda (the room may see them), and
    only ready versions. Event ``present.page``. Four statements: the
    meeting locked with the room's state row, the actor's rights, the
    document, and the room's state row updated with the next seq.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id, actor, room=True)
        _require_running(meeting)
        state = _room_state_of(meeting)
        viewer = meeting.viewer
        if not (viewer.manage or viewer.preside or state.presenter_id == actor.pk):
            raise ActionError(
                _("Chỉ chủ tọa hoặc người được giao trình bày mới trình chiếu được."),
                code="forbidden",
            )
        row = (
            AgendaDocument.objects.filter(
                item__meeting=meeting, document_id=document_id
            )
            .select_related("document", "document__latest_version")
            .first()
        )
        version = row.document.latest_version if row else None
        if version is None:
            raise ActionError(
                _("Tài liệu này không thuộc chương trình cuộc họp."), code="not_found"
            )
        if not version.is_ready:
            raise ActionError(
                _("Tài liệu đang được xử lý; hãy thử lại sau ít phút."),
                code="not_ready",
            )
        if not 1 <= page <= version.page_count:
            raise ActionError(
                _("Tài liệu chỉ có %(n)d trang.") % {"n": version.page_count},
                code="bad_page",
            )
        same = (
            state.document_id == document_id
            and state.version_id == version.pk
            and state.page == page
            and state.region == region
        )
        result = {"document": document_id, "page": page}
        if same:
            return result
        state.document = row.document
        state.version = version
        state.page = page
        state.region = region
        state.presented_by = actor
        state.presented_at = timezone.now()
        events.publish(
            meeting.pk,
            {"type": "present.page", "presentation": presentation_state(state)},
            room={
                "document_id": document_id,
                "version_id": version.pk,
                "page": page,
                "region": region,
                "presented_by_id": actor.pk,
                "presented_at": state.presented_at,
            },
        )
    return result


def do_present_stop(actor: User, meeting_id: int) -> dict[str, Any]:
    """Stop presenting; screens go back to free browsing. Event ``present.stop``."""
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id, actor, room=True)
        state = _room_state_of(meeting)
        viewer = meeting.viewer
        if not (viewer.manage or viewer.preside or state.presenter_id == actor.pk):
            raise ActionError(
                _("Chỉ chủ tọa hoặc người được giao trình bày mới trình chiếu được."),
                code="forbidden",
            )
        if state.document_id is None:
            return {}
        events.publish(meeting.pk, {"type": "present.stop"}, room=_NO_PRESENTATION)
    return {}


def check_present_assign(
    actor: User, meeting_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """``present.assign``: ``{"user": id | null}``; ``null`` names nobody.

    The key is required: a command without it is refused rather than read as
    "nobody", so a client's slip never silently takes the presenter's rights.
    """
    if "user" not in data:
        raise ActionError(
            _("Thiếu trường “user”: mã người trình bày, hoặc null để bỏ giao."),
            code="bad_field",
        )
    return do_present_assign(
        actor, meeting_id, user_id=int_field(data, "user", required=False)
    )


def do_present_assign(
    actor: User, meeting_id: int, *, user_id: int | None
) -> dict[str, Any]:
    """Name the participant who may present (or nobody). Event ``present.assign``."""
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id, actor, room=True)
        _require_control(actor, meeting)
        if (
            user_id is not None
            and not Participant.objects.filter(
                meeting=meeting, user_id=user_id
            ).exists()
        ):
            raise ActionError(_("Người này không dự cuộc họp."), code="not_participant")
        state = _room_state_of(meeting)
        if state.presenter_id == user_id:
            return {"presenter": user_id}
        record_audit(actor, "room.present_assign", meeting, presenter=user_id)
        events.publish(
            meeting.pk,
            {"type": "present.assign", "presenter": user_id},
            room={"presenter_id": user_id},
        )
    return {"presenter": user_id}


# ---------------------------------------------------------------------------
# the floor
# ---------------------------------------------------------------------------
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
        meeting = _lock_meeting(meeting_id)
        _require_running(meeting)
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
        meeting = _lock_meeting(meeting_id)
        updated = SpeakerRequest.objects.filter(
            meeting=meeting, user=actor, status=SpeakerStatus.WAITING
        ).update(status=SpeakerStatus.WITHDRAWN, ended_at=timezone.now())
        if updated:
            _publish_speakers(meeting.pk)
    return {"withdrawn": updated}


def check_speaker_grant(
    actor: User, meeting_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """``speaker.grant``: ``{"request": id}``."""
    return do_speaker_grant(actor, meeting_id, request_id=int_field(data, "request"))


def do_speaker_grant(
    actor: User, meeting_id: int, *, request_id: int
) -> dict[str, Any]:
    """Give the floor to a waiting request; whoever speaks is ended first.

    Records the start time. Audits ``room.speaker_grant``. Event ``speakers``.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id, actor)
        _require_control(actor, meeting)
        _require_running(meeting)
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


def do_speaker_end(actor: User, meeting_id: int) -> dict[str, Any]:
    """End the current speech (the chair, or the speaker). Event ``speakers``."""
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        speaking = SpeakerRequest.objects.filter(
            meeting=meeting, status=SpeakerStatus.SPEAKING
        ).first()
        if speaking is None:
            raise ActionError(_("Không có ai đang phát biểu."), code="no_speaker")
        if speaking.user_id != actor.pk:
            _require_control(actor, meeting)
        speaking.status = SpeakerStatus.DONE
        speaking.ended_at = timezone.now()
        speaking.save(update_fields=["status", "ended_at"])
        _publish_speakers(meeting.pk)
    return {"request": speaking.pk}


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


# ---------------------------------------------------------------------------
# the meeting itself: start, close, check-in (the meetings actions do the work)
# ---------------------------------------------------------------------------
def do_start_meeting(actor: User, meeting_id: int) -> dict[str, Any]:
    """``meeting.start``: :func:`meetings.actions.start_meeting`; starting a
    meeting already in progress answers as done."""
    from meetings import actions

    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        if meeting.status == MeetingStatus.IN_PROGRESS:
            _require_control(actor, meeting)
            return {"status": meeting.status}
        meeting = actions.start_meeting(actor, meeting)
    return {"status": meeting.status}


def do_close_meeting(actor: User, meeting_id: int) -> dict[str, Any]:
    """``meeting.close``: :func:`meetings.actions.close_meeting` (refused while
    a vote is open; ends the floor and the presentation); closing a closed
    meeting answers as done."""
    from meetings import actions

    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        if meeting.status == MeetingStatus.CLOSED:
            _require_control(actor, meeting)
            return {"status": meeting.status}
        meeting = actions.close_meeting(actor, meeting)
    return {"status": meeting.status}


def check_checkin(actor: User, meeting_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """``attendance.checkin``: ``{"user"?: id}`` (oneself by default), through
    :func:`meetings.actions.check_in`."""
    from meetings import actions

    user_id = int_field(data, "user", required=False) or actor.pk
    participant = Participant.objects.filter(
        meeting_id=meeting_id, user_id=user_id
    ).first()
    if participant is None:
        raise ActionError(_("Người này không dự cuộc họp."), code="not_participant")
    participant = actions.check_in(actor, participant)
    return {"user": user_id, "attendance": participant.attendance}


# ---------------------------------------------------------------------------
# presence
# ---------------------------------------------------------------------------
def heartbeat(process_id: str) -> None:
    """Record that ``process_id`` is alive; forget dead processes' sockets."""
    now = timezone.now()
    updated = RoomProcess.objects.filter(pk=process_id).update(heartbeat_at=now)
    if not updated:
        RoomProcess.objects.bulk_create(
            [RoomProcess(id=process_id, heartbeat_at=now)], ignore_conflicts=True
        )
    stale = now - datetime.timedelta(seconds=PRESENCE_STALE_SECONDS * 4)
    RoomProcess.objects.filter(heartbeat_at__lt=stale).delete()


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


def _presence_signal(meeting_id: int) -> None:
    events.send_signal(
        meeting_id,
        {"type": "presence", "present": present_user_ids(meeting_id)},
        managers_only=True,
    )


def do_presence_join(
    meeting_id: int, user_id: int, *, connection: str, process_id: str
) -> None:
    """Record an open socket; the chair's view is refreshed (coalesced)."""
    do_presence_batch(
        joins=[(meeting_id, user_id, connection)], leaves=[], process_id=process_id
    )


def do_presence_leave(meeting_id: int, *, connection: str) -> None:
    """Forget a closed socket (coalesced refresh of the chair's view)."""
    do_presence_batch(joins=[], leaves=[(meeting_id, connection)], process_id="")


def do_presence_batch(
    *,
    joins: list[tuple[int, int, str]],
    leaves: list[tuple[int, str]],
    process_id: str,
) -> None:
    """Record sockets opened ``(meeting, user, connection)`` on ``process_id``
    and forget sockets closed ``(meeting, connection)``, in one transaction.

    A connection both opened and closed in the batch is not written at all.
    Three statements at most whatever the batch size (process heartbeat when
    unknown, one insert, one delete); the chairs' and secretaries' view of
    each meeting touched is refreshed once (``presence``, coalesced).
    """
    closed = {c for _m, c in leaves}
    joins = [j for j in joins if j[2] not in closed]
    opened = {c for _m, _u, c in joins}
    leaves = [(m, c) for m, c in leaves if c not in opened]
    if not joins and not leaves:
        return
    with transaction.atomic():
        if joins:
            if not RoomProcess.objects.filter(pk=process_id).exists():
                heartbeat(process_id)
            RoomPresence.objects.bulk_create(
                [
                    RoomPresence(
                        meeting_id=m, user_id=u, process_id=process_id, connection=c
                    )
                    for m, u, c in joins
                ]
            )
        if leaves:
            RoomPresence.objects.filter(connection__in=[c for _m, c in leaves]).delete()
        for meeting_id in sorted({j[0] for j in joins} | {m for m, _c in leaves}):
            events.coalesce(
                f"presence:{meeting_id}",
                functools.partial(_presence_signal, meeting_id),
                delay=0.5,
            )


# ---------------------------------------------------------------------------
# commands answered once
# ---------------------------------------------------------------------------
def answered(
    meeting_id: int, user_id: int, client_id: str, kind: str
) -> dict[str, Any] | None:
    """The stored answer to a command already done, if any.

    An id is a command's for a day: the same id with another command type is
    refused (``id_reused``) instead of answering one command with another's
    answer, or doing the second and forgetting the first.
    """
    row = (
        RoomCommand.objects.filter(
            meeting_id=meeting_id, user_id=user_id, client_id=client_id
        )
        .values_list("kind", "response")
        .first()
    )
    if row is None:
        return None
    stored_kind, response = row
    if stored_kind and stored_kind != kind:  # "": stored before types were
        raise ActionError(
            _(
                "Mã lệnh “%(id)s” đã được dùng cho một lệnh khác; "
                "hãy gửi lệnh mới với mã mới."
            )
            % {"id": client_id},
            code="id_reused",
        )
    return response


def run_once(
    meeting_id: int, user_id: int, client_id: str, kind: str, func, *args, **kwargs
) -> tuple[dict[str, Any], bool]:
    """Run a command at most once per (meeting, user, client id, type).

    Returns ``(answer, replayed)``. The answer is stored in the same
    transaction as the change, so a command re-sent after a lost answer (even
    to another server process) gets the first answer and changes nothing. An
    empty id is refused, and an id already used for another type of command
    (see :func:`answered`).
    """
    if not client_id:
        raise ActionError(_("Mã lệnh “id” không được để trống."), code="bad_message")
    previous = answered(meeting_id, user_id, client_id, kind)
    if previous is not None:
        return previous, True
    try:
        with transaction.atomic():
            result = func(*args, **kwargs)
            RoomCommand.objects.create(
                meeting_id=meeting_id,
                user_id=user_id,
                client_id=client_id,
                kind=kind,
                response=result,
            )
    except IntegrityError:
        previous = answered(meeting_id, user_id, client_id, kind)
        if previous is None:
            raise
        return previous, True
    except ActionError as exc:
        record_refusal(exc)  # a refusal to audit, now that it rolled back
        raise
    return result, False


def forget_commands(*, older_than_hours: int = 24) -> int:
    """Delete stored answers older than a day (re-sends come within minutes).

    Run by the scheduler (:func:`work.actions.schedule.run_due_jobs`)."""
    cutoff = timezone.now() - datetime.timedelta(hours=older_than_hours)
    deleted, _counts = RoomCommand.objects.filter(created_at__lt=cutoff).delete()
    return deleted


__all__ = [
    "PROTOCOL_VERSION",
    "Attendance",
    "Seat",
    "access_room",
    "check_goto",
    "check_present_assign",
    "check_present_page",
    "check_speaker_grant",
    "do_goto",
    "do_present_assign",
    "do_present_page",
    "do_present_stop",
    "do_speaker_end",
    "do_speaker_grant",
    "do_speaker_request",
    "do_speaker_withdraw",
    "forget_commands",
    "heartbeat",
    "present_user_ids",
    "room_state",
    "run_once",
    "speeches_for_minutes",
]
