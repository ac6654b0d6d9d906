"""Presence: which sockets are open in which room, on which server process.

Written in batches by the realtime app (:mod:`realtime.presence`); the chairs'
and secretaries' view is refreshed with a coalesced ``presence`` signal.
"""

from __future__ import annotations

import datetime
import functools

from django.db import transaction
from django.utils import timezone

from meetings import events
from meetings.room import PRESENCE_STALE_SECONDS, present_user_ids
from meetings.room_models import (
    RoomPresence,
    RoomProcess,
)


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
