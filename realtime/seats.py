"""Re-checking a room socket's seat where state is given.

A socket's seat (role, voting right, control) is decided when it connects and
kept, so that broadcasts touch no database. When a participant is removed or
changed, the action's ``participants.changed`` room event carries the kick of
their sockets (:mod:`meetings.events`), so wherever the event arrives the kick
does too. An event can still be lost (a layer drops messages); so a seat is
checked again, against the database, wherever state or a command is given:

- ``room.sync`` re-reads the seat before it sends ``room.state``;
- a command re-reads it when this process has seen a re-seat of the room since
  the socket's seat was decided (a per-room counter the hub bumps, no query
  otherwise), and after an action refused the command as forbidden or not found.

A seat that is gone closes the socket with 4403; one that changed closes it with
4000, and the tablet reconnects for its new seat. And every heartbeat
(``ROOM_HEARTBEAT_SECONDS``) each process looks for the participant rows of its
sockets in one query (:func:`sweep`), so a removed participant whose kick was
lost and who sends nothing is closed within that time too.
"""

from __future__ import annotations

from typing import Any

GONE = 4403
CHANGED = 4000


def seat_verdict(user: Any, seat: Any) -> int | None:
    """``None`` if the seat stands, else the close code (sync; database pool)."""
    from meetings import room
    from nghisu.errors import NotFound

    try:
        fresh = room.access_room(user, seat.meeting_id)
    except NotFound:
        return GONE
    return None if _same(fresh, seat) else CHANGED


def state_if_seated(
    user: Any, seat: Any, *, command_id: object = None
) -> tuple[int | None, tuple[int, str] | None]:
    """``(close code, None)``, or ``(None, (seq, room.state frame))``: one hop."""
    from meetings import room

    verdict = seat_verdict(user, seat)
    if verdict is not None:
        return verdict, None
    return None, room.room_state_frame(user, seat, command_id=command_id)


def _existing(participant_ids: set[int]) -> set[int]:
    from meetings.models import Participant

    return set(
        Participant.objects.filter(pk__in=participant_ids).values_list("pk", flat=True)
    )


async def sweep(hub: Any) -> int:
    """Close this process's room sockets whose participant row is gone (one
    query for every room of the process); return how many were closed."""
    from realtime import dbpool

    sockets = [
        s
        for room in list(hub.rooms.values())
        for s in room.sockets
        if getattr(s, "participant_id", None) is not None and not s.closing
    ]
    if not sockets:
        return 0
    present = await dbpool.run(_existing, {s.participant_id for s in sockets})
    gone = [s for s in sockets if s.participant_id not in present]
    for socket in gone:
        socket.kick(GONE)
    return len(gone)


def _same(a: Any, b: Any) -> bool:
    fields = ("role", "voting_right", "can_control", "can_preside", "participant_id")
    return all(getattr(a, f) == getattr(b, f) for f in fields)
