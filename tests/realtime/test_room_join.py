"""Many sockets joining a room at once: one shared state build, batched presence."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_joins_wait_for_one_build_of_the_shared_state(cast, room):
    from meetings import room as room_actions

    users = [cast.chair, cast.secretary, cast.delegate, cast.delegate2, room.guest]
    seats = [room_actions.access_room(u, room.meeting.pk) for u in users] * 2
    room_actions.forget_shared_states()
    before = room_actions.shared_builds
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
    assert room_actions.shared_builds == before + 1
    assert len({seq for seq, _frame in frames}) == 1
