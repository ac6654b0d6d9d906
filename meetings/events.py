"""Publishing meeting events to the live room (no domain rules, no transport).

Actions call :func:`publish` inside their transaction with a JSON-able dict.
It takes the room's next ``seq`` in that transaction (a row lock on the room's
:class:`~meetings.room_models.RoomState`, so every server process agrees on one
order, the order of commits), and hands the event to
:func:`nghisu.publish.publish` with the audience ``Room(meeting, seq)``, sent
after commit by the sender the realtime app installed. A failed send is logged
and never raised: the action has committed, and tablets repair gaps with
``room.sync``. This module imports nothing of ``realtime``.

Besides room events there are:

- private messages to one user's sockets (:func:`publish_private`), e.g. a
  ballot receipt; never seen by anyone else;
- signals without ``seq`` (:func:`send_signal`): presence for the chair and
  secretary, vote progress; each carries a full snapshot, so a lost one is
  repaired by the next;
- :func:`kick`: close a user's sockets (removed from the meeting, signed out);
- :func:`coalesce`: run a function at most once per interval per key, after
  commit (vote progress goes out about five times a second, not per ballot).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

from nghisu import publish as bus
from nghisu.db import retry_locked
from nghisu.publish import Managers, Room, Users, dumps

logger = logging.getLogger(__name__)

__all__ = [
    "Managers",
    "Room",
    "Users",
    "cancel_pending",
    "coalesce",
    "current_seq",
    "dumps",
    "kick",
    "next_seq",
    "publish",
    "publish_private",
    "send_signal",
]


def next_seq(meeting_id: int, changes: dict[str, Any] | None = None) -> int:
    """Take the room's next sequence number (locks its row until commit).

    ``changes``: other columns of the room's state row to set in the same
    ``UPDATE … RETURNING`` (field attribute names, e.g. ``document_id``), so
    an action that changes what is presented pays one statement, not two.
    """
    from meetings.room_models import RoomState

    qn = connection.ops.quote_name
    table = qn(RoomState._meta.db_table)
    fields = {f.attname: f for f in RoomState._meta.concrete_fields}
    sets, params = ["seq = seq + 1"], []
    for name, value in (changes or {}).items():
        field = fields[name]
        sets.append(f"{qn(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"UPDATE {table} SET {', '.join(sets)} "  # noqa: S608
        "WHERE meeting_id = %s RETURNING seq"
    )
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(sql, [*params, meeting_id])
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            RoomState.objects.bulk_create(
                [RoomState(meeting_id=meeting_id)], ignore_conflicts=True
            )
    raise RuntimeError(f"meeting {meeting_id}: no room state row")


def current_seq(meeting_id: int) -> int:
    from meetings.room_models import RoomState

    return (
        RoomState.objects.filter(pk=meeting_id).values_list("seq", flat=True).first()
        or 0
    )


def publish(
    meeting: int | Room, event: dict[str, Any], *, room: dict[str, Any] | None = None
) -> int:
    """Send ``event`` to the meeting's room once the current transaction commits.

    ``meeting``: the meeting's id, or the audience ``Room(meeting_id)``. Call it
    inside the action's transaction. Adds ``seq`` to the event and returns it.
    The frame is serialised here, once for every socket. ``room``: columns of
    the room's state row to change with the seq (:func:`next_seq`).
    """
    meeting_id = meeting.meeting_id if isinstance(meeting, Room) else meeting
    with transaction.atomic(savepoint=False):
        seq = next_seq(meeting_id, room)
    kick = None
    if event.get("type") == "participants.changed" and event.get("op") in _RESEAT:
        # Access follows changes live: a removed participant's sockets close
        # (4403); one whose role or right changed reconnects for a new seat.
        # The kick rides in the event itself, so it arrives wherever the event
        # does; a lost one is caught by the seat re-check (realtime.seats).
        kick = {
            "p": list(event.get("participants") or []),
            "c": _RESEAT[event["op"]],
        }
    bus.publish(Room(meeting_id, seq), {**event, "seq": seq}, kick=kick)
    return seq


_RESEAT = {"removed": 4403, "updated": 4000}


def publish_private(
    meeting_id: int | None, user_id: int | list[int], event: dict[str, Any]
) -> None:
    """Send ``event`` to the sockets of ``user_id`` (one id, or a list of ids:
    serialised once for all of them) in one meeting, or in all, once the
    current transaction commits: ``publish(Users(...), event)``. Seq-less: a
    socket that misses it (reconnecting) reloads what it shows from the
    room's fresh state."""
    bus.publish(Users.of(user_id, meeting_id), event)


def send_signal(
    meeting_id: int,
    event: dict[str, Any],
    *,
    managers_only: bool = False,
    snapshot: str | None = None,
) -> None:
    """Send a seq-less signal to the room (or its chair and secretaries) now.

    ``snapshot``: a key for signals each of which replaces the one before (the
    progress of one vote); each process's hub sends the room at most the latest
    of them per interval, longer for a larger room (``realtime.hub``).
    """
    audience = Managers(meeting_id) if managers_only else Room(meeting_id)
    bus.publish(audience, event, on_commit=False, snapshot=snapshot)


def kick(user_id: int, *, meeting_id: int | None = None, code: int = 4403) -> None:
    """Close ``user_id``'s room sockets (in one meeting, or every meeting)
    once the current transaction commits."""
    bus.kick(user_id, meeting_id=meeting_id, code=code)


_pending: dict[str, threading.Timer] = {}
_pending_lock = threading.Lock()


def coalesce(key: str, func: Callable[[], None], *, delay: float | None = None) -> None:
    """After commit, run ``func`` once within ``delay`` seconds for ``key``.

    Calls for a key already waiting are dropped, so ``func`` runs at most once
    per ``delay`` (``ROOM_COALESCE_SECONDS``, 0.2 by default) per process. It
    runs in its own thread with its own database connection.
    """
    wait = float(
        delay if delay is not None else getattr(settings, "ROOM_COALESCE_SECONDS", 0.2)
    )

    def schedule() -> None:
        with _pending_lock:
            if key in _pending:
                return
            timer = _pending[key] = threading.Timer(wait, _fire, args=(key, func))
        timer.daemon = True
        timer.start()

    transaction.on_commit(schedule)


def cancel_pending() -> None:
    """Drop coalesced calls not yet run (process shutdown, end of a test)."""
    with _pending_lock:
        timers = list(_pending.values())
        _pending.clear()
    for timer in timers:
        timer.cancel()


def _fire(key: str, func: Callable[[], None]) -> None:
    with _pending_lock:
        _pending.pop(key, None)
    try:
        retry_locked(func)
    except Exception:
        logger.exception("coalesced %s failed", key)
    finally:
        connections.close_all()
