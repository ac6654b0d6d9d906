"""A tablet that drops off, misses events and reconnects ends in the server's state."""

from __future__ import annotations

import pytest

from tests.realtime.client_model import RoomModel, comparable
from tests.realtime.rooms import check_in, db, join

pytestmark = pytest.mark.django_db(transaction=True)


async def test_drop_events_reconnect_and_the_client_state_equals_the_servers(
    cast, room
):
    for user in (cast.chair, cast.delegate, cast.delegate2):
        await db(check_in, cast.secretary, room.meeting, user)
    chair = await join(room.meeting.pk, cast.chair)
    tablet = await join(room.meeting.pk, cast.delegate)
    model = RoomModel(tablet.state)
    await chair.command("agenda.goto", direction="next")
    model.apply(await tablet.until("agenda.current"))
    assert model.state["current_item"] == room.items[0].pk

    await tablet.close()  # the Wi-Fi drops
    vote = (await chair.command("vote.open", question="Thông qua báo cáo"))["result"]
    other = await join(room.meeting.pk, cast.delegate2)
    await other.command("vote.cast", vote=vote["vote"], option="yes")
    await other.command("speaker.request")
    await chair.command("agenda.goto", direction="next")
    await chair.command("vote.close", vote=vote["vote"])
    await chair.command("present.assign", user=cast.delegate2.pk)

    tablet = await join(room.meeting.pk, cast.delegate)  # back: a fresh state
    assert tablet.state["seq"] > model.seq
    model = RoomModel(tablet.state)
    await chair.command("attendance.checkin", user=room.guest.pk)
    await chair.command("vote.open", question="Thông qua dự toán")
    arrived = await tablet.quiet(0.3)
    for message in arrived:
        model.apply(message)
    opened = next(m for m in arrived if m["type"] == "vote.opened")
    await tablet.command("vote.cast", vote=opened["vote"]["id"], option="no")
    for message in await tablet.quiet(0.3):
        model.apply(message)
    await chair.command("vote.close", vote=opened["vote"]["id"])
    for message in await tablet.quiet(0.3):
        model.apply(message)

    assert not model.needs_sync
    server = await tablet.command("room.sync")
    assert comparable(model.state) == comparable(server)
    for t in (chair, tablet, other):
        await t.close()


async def test_a_gap_in_seq_is_noticed(cast, room):
    tablet = await join(room.meeting.pk, cast.delegate)
    model = RoomModel(tablet.state)
    model.apply({"type": "present.stop", "seq": model.seq + 2})
    assert model.needs_sync
