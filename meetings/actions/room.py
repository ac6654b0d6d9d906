"""The live room's actions: agenda progress, follow the presenter, and the
meeting's start, close and check-in as the room asks for them.

Typed arguments (ids, ints, a region already checked), never a socket's dict:
the wire format is read by the command registry (:mod:`realtime.commands`).
Each function checks the permission, changes the state in one transaction
(locking the meeting row first, then the room's state row through
:func:`meetings.events.publish`), audits where it matters and publishes one
event on commit. Each returns a small JSON-able dict, the body of the ``ack``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from meetings import events
from meetings.actions import _room as rs
from meetings.models import (
    AgendaDocument,
    AgendaItem,
    ItemStatus,
    Meeting,
    MeetingStatus,
    Participant,
)
from meetings.room import item_progress, presentation_state
from nghisu.errors import ActionError


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
        meeting = rs.lock_meeting(meeting_id, actor)
        rs.require_control(actor, meeting)
        rs.require_running(meeting)
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
                "items": [item_progress(i) for i in changed],
                "presentation": None,
            },
            room=rs.NO_PRESENTATION,
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
        meeting = rs.lock_meeting(meeting_id, actor, room=True)
        rs.require_running(meeting)
        state = rs.room_state_of(meeting)
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
        meeting = rs.lock_meeting(meeting_id, actor, room=True)
        state = rs.room_state_of(meeting)
        viewer = meeting.viewer
        if not (viewer.manage or viewer.preside or state.presenter_id == actor.pk):
            raise ActionError(
                _("Chỉ chủ tọa hoặc người được giao trình bày mới trình chiếu được."),
                code="forbidden",
            )
        if state.document_id is None:
            return {}
        events.publish(meeting.pk, {"type": "present.stop"}, room=rs.NO_PRESENTATION)
    return {}


def do_present_assign(
    actor: User, meeting_id: int, *, user_id: int | None
) -> dict[str, Any]:
    """Name the participant who may present (or nobody). Event ``present.assign``."""
    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id, actor, room=True)
        rs.require_control(actor, meeting)
        if (
            user_id is not None
            and not Participant.objects.filter(
                meeting=meeting, user_id=user_id
            ).exists()
        ):
            raise ActionError(_("Người này không dự cuộc họp."), code="not_participant")
        state = rs.room_state_of(meeting)
        if state.presenter_id == user_id:
            return {"presenter": user_id}
        record_audit(actor, "room.present_assign", meeting, presenter=user_id)
        events.publish(
            meeting.pk,
            {"type": "present.assign", "presenter": user_id},
            room={"presenter_id": user_id},
        )
    return {"presenter": user_id}


def do_start_meeting(actor: User, meeting_id: int) -> dict[str, Any]:
    """``meeting.start``: :func:`meetings.actions.start_meeting`; starting a
    meeting already in progress answers as done."""
    from meetings.actions import lifecycle

    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id)
        if meeting.status == MeetingStatus.IN_PROGRESS:
            rs.require_control(actor, meeting)
            return {"status": meeting.status}
        meeting = lifecycle.start_meeting(actor, meeting)
    return {"status": meeting.status}


def do_close_meeting(actor: User, meeting_id: int) -> dict[str, Any]:
    """``meeting.close``: :func:`meetings.actions.close_meeting` (refused while
    a vote is open; ends the floor and the presentation); closing a closed
    meeting answers as done."""
    from meetings.actions import lifecycle

    with transaction.atomic():
        meeting = rs.lock_meeting(meeting_id)
        if meeting.status == MeetingStatus.CLOSED:
            rs.require_control(actor, meeting)
            return {"status": meeting.status}
        meeting = lifecycle.close_meeting(actor, meeting)
    return {"status": meeting.status}


def do_checkin(
    actor: User, meeting_id: int, *, user_id: int | None = None
) -> dict[str, Any]:
    """``attendance.checkin``: check ``user_id`` in (oneself by default),
    through :func:`meetings.actions.check_in`."""
    from meetings.actions.attendance import check_in

    user_id = user_id or actor.pk
    participant = Participant.objects.filter(
        meeting_id=meeting_id, user_id=user_id
    ).first()
    if participant is None:
        raise ActionError(_("Người này không dự cuộc họp."), code="not_participant")
    participant = check_in(actor, participant)
    return {"user": user_id, "attendance": participant.attendance}
