"""Many sockets joining a room at once: one shared state build, batched presence."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from meetings import room_cache as _room_cache

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_joins_wait_for_one_build_of_the_shared_state(cast, room):
    from meetings import room as room_actions

    users = [cast.chair, cast.secretary, cast.delegate, cast.delegate2, room.guest]
    seats = [room_actions.access_room(u, room.meeting.pk) for u in users] * 2
    room_actions.forget_shared_states()
    before = _room_cache.shared_builds
    start = threading.Barrier(len(seats))
    frames: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def join(user, seat) -> None:
        try:
            start.wait(timeout=10)
            frames.append(room_actions.room_state_frame(user, seat))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=join, args=(users[n % len(users)], seat))
        for n, seat in enumerate(seats)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(frames) == len(seats)
    assert _room_cache.shared_builds == before + 1
    assert len({seq for seq, _frame in frames}) == 1


async def _presence_rows(meeting, expected: int) -> int:
    """The room's presence rows, once they reach ``expected`` (or after 10 s):
    a socket gets its room.state before its presence is written."""
    import asyncio

    from meetings.models import RoomPresence
    from tests.realtime.rooms import db

    for _attempt in range(200):
        rows = await db(lambda: RoomPresence.objects.filter(meeting=meeting).count())
        if rows == expected:
            break
        await asyncio.sleep(0.05)
    return rows


async def test_sockets_joining_together_are_all_recorded_and_shown_present(cast, room):
    import asyncio

    from meetings.models import RoomPresence
    from tests.realtime.rooms import db, join

    chair = await join(room.meeting.pk, cast.chair)
    users = [cast.delegate, cast.delegate2, room.guest, cast.secretary] * 3
    tablets = await asyncio.gather(*(join(room.meeting.pk, u) for u in users))
    assert await _presence_rows(room.meeting, len(users) + 1) == len(users) + 1
    presence = await chair.until("presence")
    while len(presence["present"]) < 5:
        presence = await chair.until("presence")
    assert sorted(presence["present"]) == sorted(
        {u.pk for u in users} | {cast.chair.pk}
    )
    await asyncio.gather(*(t.close() for t in tablets))
    assert await _presence_rows(room.meeting, 1) == 1
    await chair.close()
    assert await _presence_rows(room.meeting, 0) == 0
    assert await db(lambda: RoomPresence.objects.count()) == 0


async def test_a_socket_opened_and_closed_in_one_batch_is_never_written(cast, room):
    import asyncio

    from meetings.models import RoomPresence
    from realtime.presence import PresenceBatch
    from tests.realtime.rooms import db

    batch = PresenceBatch()
    await asyncio.gather(
        batch.join(room.meeting.pk, cast.delegate.pk, "c1"),
        batch.leave(room.meeting.pk, "c1"),
        batch.join(room.meeting.pk, cast.delegate2.pk, "c2"),
    )
    assert batch.batches == 1
    assert await db(
        lambda: list(RoomPresence.objects.values_list("connection", flat=True))
    ) == ["c2"]
