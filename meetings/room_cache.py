"""The per-process cache of the shared part of ``room.state``.

One entry per meeting, keyed by the room's ``seq`` and the meeting's
``updated_at``: valid while both are unchanged, since every action that changes
what the room shows publishes an event and so takes the next seq. What changes
without an event (a user's name, the body's members behind the quorum, a
document finishing its processing) is read again after
``ROOM_STATE_CACHE_SECONDS``; the live counts of an open vote (which change
without a seq) after ``ROOM_COALESCE_SECONDS``, as often as ``vote.progress``
goes out. Concurrent callers with the same key wait for one build. The
builders are passed in by :mod:`meetings.room`, so this module knows nothing of
what the state holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from meetings.models import Meeting


#: The part of room.state that is the same for every socket of a meeting, built
#: once per process and serialised once.
@dataclass
class Shared:
    key: tuple
    built: float  # time.monotonic() of the build
    data: dict[str, Any]  # everything but the votes
    body: str  # ``data`` serialised, without its braces
    by_user: dict[int, dict[str, Any]]  # participant dicts by user id
    votes: list[dict[str, Any]]
    votes_body: str  # ``"votes":[...]``
    votes_at: float
    open_votes: bool


_shared_states: dict[int, Shared] = {}
_building: dict[tuple, Future] = {}
_shared_lock = threading.Lock()
#: How many shared parts this process built (tests read it).
shared_builds = 0


def count_build() -> None:
    global shared_builds
    shared_builds += 1


def shared_state(
    meeting: Meeting,
    make: Callable[[Meeting, tuple], Shared],
    refresh: Callable[[Meeting, Shared], Shared],
) -> Shared:
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
    build instead of making their own. ``make(meeting, key)`` makes a new
    entry, ``refresh(meeting, entry)`` the same with the votes read again.
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
        entry = refresh(meeting, hit) if len(build) == 3 else make(meeting, key)
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


def forget() -> None:
    """Drop the cached shared states (tests; nothing else needs it)."""
    with _shared_lock:
        _shared_states.clear()
