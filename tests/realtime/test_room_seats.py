"""A room socket's seat is checked again where state is given (realtime.seats)."""

from __future__ import annotations

import pytest

from tests.realtime.rooms import db, join

pytestmark = pytest.mark.django_db(transaction=True)


def _participants(meeting, user):
    from meetings.models import Participant

    return Participant.objects.filter(meeting=meeting, user=user)


async def _closed(tablet, timeout: float = 3) -> int:
    output = await tablet.ws.receive_output(timeout=timeout)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def test_room_sync_of_a_removed_participant_closes_instead_of_answering(
    cast, room
):
    tablet = await join(room.meeting.pk, cast.delegate)
    await db(lambda: _participants(room.meeting, cast.delegate).delete())  # no event
    await tablet.ws.send_json_to({"type": "room.sync", "id": "s1"})
    assert await _closed(tablet) == 4403


async def test_room_sync_after_a_changed_right_asks_for_a_new_seat(cast, room):
    tablet = await join(room.meeting.pk, cast.delegate)
    await db(
        lambda: _participants(room.meeting, cast.delegate).update(voting_right=False)
    )
    await tablet.ws.send_json_to({"type": "room.sync", "id": "s1"})
    assert await _closed(tablet) == 4000


async def test_a_command_after_a_re_seat_in_the_room_checks_the_seat_first(cast, room):
    from realtime.hub import get_hub

    tablet = await join(room.meeting.pk, cast.delegate)
    await db(lambda: _participants(room.meeting, cast.delegate).delete())
    # This process saw someone's seat change in the room (their kick).
    get_hub().dispatch({"k": "kick", "m": room.meeting.pk, "p": [0], "c": 4403})
    await tablet.ws.send_json_to({"type": "speaker.request", "id": "c1"})
    assert await _closed(tablet) == 4403  # closed before the action ran


async def test_the_heartbeat_sweep_closes_sockets_whose_participant_is_gone(cast, room):
    from realtime import seats
    from realtime.hub import get_hub

    gone = await join(room.meeting.pk, cast.delegate)
    stays = await join(room.meeting.pk, cast.delegate2)
    chair = await join(room.meeting.pk, cast.chair)
    await db(lambda: _participants(room.meeting, cast.delegate).delete())
    assert await seats.sweep(get_hub()) == 1
    assert await _closed(gone) == 4403
    assert await stays.ws.receive_nothing(timeout=0.2)
    for tablet in (stays, chair):
        await tablet.close()
