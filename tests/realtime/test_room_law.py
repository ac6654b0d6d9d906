"""The law in the room over real sockets: quorum, and a UBND tie."""

from __future__ import annotations

import datetime

import pytest

from tests.realtime.rooms import build_room, db, join

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_room_refuses_to_start_below_quorum_and_counts_check_ins_before(
    cast,
):
    room = await db(build_room, cast, start=False)
    chair = await join(room.meeting.pk, cast.chair)
    assert chair.state["quorum"] == {"members": 3, "required": 2, "present": 0}
    refused = await chair.command("meeting.start")
    assert refused["type"] == "error" and refused["code"] == "no_quorum"
    assert "Có mặt 0/3, cần 2" in refused["message"]
    delegate = await join(room.meeting.pk, cast.delegate)
    ack = await delegate.command("attendance.checkin")  # before the start
    assert ack["type"] == "ack", ack
    event = await chair.until("attendance.changed")
    assert event["quorum"]["present"] == 1
    await chair.command("attendance.checkin")
    started = await chair.command("meeting.start")
    assert started["type"] == "ack", started
    assert (await delegate.until("meeting.status"))["status"] == "in_progress"


def _ubnd_room(cast):
    from meetings import actions
    from meetings.models import MeetingKind
    from tests.realtime.rooms import check_in

    begin = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    meeting = actions.create_meeting(
        cast.ubnd_chair,
        body=cast.ubnd,
        title="Phiên họp UBND tỉnh",
        kind=MeetingKind.SESSION_REGULAR,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=2),
        place="Phòng họp số 1",
    )
    actions.add_item(cast.ubnd_chair, meeting, title="Phương án giá")
    actions.invite_members(cast.ubnd_chair, meeting)
    actions.publish_meeting(cast.ubnd_chair, meeting)
    for user in (cast.ubnd_chair, cast.ubnd_member):
        check_in(cast.ubnd_chair, meeting, user)
    actions.start_meeting(cast.ubnd_chair, meeting)
    return meeting


async def test_a_ubnd_tie_follows_the_chairmans_side_over_sockets(cast):
    meeting = await db(_ubnd_room, cast)
    chair = await join(meeting.pk, cast.ubnd_chair)
    member = await join(meeting.pk, cast.ubnd_member)
    await chair.command("agenda.goto", direction="next")
    ack = await chair.command("vote.open", question="Thông qua phương án giá")
    assert ack["type"] == "ack", ack
    vote_id = ack["result"]["vote"]
    assert (await chair.command("vote.cast", vote=vote_id, option="yes"))[
        "type"
    ] == "ack"
    assert (await member.command("vote.cast", vote=vote_id, option="no"))[
        "type"
    ] == "ack"
    closed = await chair.command("vote.close", vote=vote_id)
    result = closed["result"]["result"]
    assert result["members"] == 2 and result["in_favour"] == 1
    assert result["against"] == 1 and result["tie"] is True
    assert result["passed"] is True and result["tie_break"] == "chair_in_favour"
    assert (result["present"], result["quorum"]) == (2, 2)
    event = await member.until("vote.closed")
    assert event["vote"]["result"]["passed"] is True
