"""The meeting room socket: who may connect, the state, commands and refusals."""

from __future__ import annotations

import asyncio

import pytest

from tests.realtime.rooms import build_room, check_in, db, join, refused_with

pytestmark = pytest.mark.django_db(transaction=True)


def _meeting(pk):
    from meetings.models import Meeting

    return Meeting.objects.select_related("current_item").get(pk=pk)


async def test_a_participant_gets_the_whole_room_state_on_connect(cast, room):
    tablet = await join(room.meeting.pk, cast.delegate)
    state = tablet.state
    assert state["protocol"] == 1
    assert state["seq"] >= 1  # publishing and starting already sent events
    assert state["meeting"]["status"] == "in_progress"
    assert [i["id"] for i in state["agenda"]] == [i.pk for i in room.items]
    assert state["agenda"][0]["number"] == "1"
    assert state["me"] == {
        "user": cast.delegate.pk,
        "name": "Cầm Văn Đông",
        "role": "delegate",
        "voting_right": True,
        "attendance": "unknown",
        "can_control": False,
        "can_preside": False,
        "can_present": False,
    }
    assert state["current_item"] is None and state["presentation"] is None
    assert state["speakers"] == [] and state["votes"] == []
    assert "presence" not in state  # shown to the chair and secretary only
    await tablet.close()


async def test_the_chair_sees_presence_counting_devices_once(cast, room):
    chair = await join(room.meeting.pk, cast.chair)
    assert chair.state["me"]["can_preside"] is True
    phone = await join(room.meeting.pk, cast.delegate)
    laptop = await join(room.meeting.pk, cast.delegate)
    presence = await chair.until("presence")
    while cast.delegate.pk not in presence["present"]:
        presence = await chair.until("presence")
    assert presence["present"].count(cast.delegate.pk) == 1
    await phone.close()
    await laptop.close()
    presence = await chair.until("presence")
    while cast.delegate.pk in presence["present"]:
        presence = await chair.until("presence")
    assert presence["present"] == [cast.chair.pk]
    await chair.close()


async def test_an_anonymous_socket_is_closed_with_4401(room):
    assert await refused_with(room.meeting.pk, None) == 4401


async def test_an_outsider_is_closed_with_4403(cast, room):
    assert await refused_with(room.meeting.pk, cast.outsider) == 4403


async def test_an_unknown_meeting_is_closed_with_4403_like_a_forbidden_one(cast):
    assert await refused_with(999_999, cast.chair) == 4403


async def test_a_draft_meeting_has_no_room_for_participants(cast):
    room = await db(build_room, cast, start=False)
    from meetings.models import Meeting, MeetingStatus

    await db(
        Meeting.objects.filter(pk=room.meeting.pk).update, status=MeetingStatus.DRAFT
    )
    assert await refused_with(room.meeting.pk, cast.delegate) == 4403


async def test_bad_messages_get_errors_and_the_socket_stays_open(cast, room):
    tablet = await join(room.meeting.pk, cast.delegate)
    await tablet.ws.send_to(text_data="{not json")
    assert (await tablet.recv())["code"] == "bad_json"
    await tablet.ws.send_to(
        text_data='{"type": "agenda.goto", "x": "' + "é" * 40_000 + '"}'
    )
    assert (await tablet.recv())["code"] == "too_large"
    await tablet.ws.send_to(text_data="[1, 2]")
    assert (await tablet.recv())["code"] == "bad_message"
    await tablet.ws.send_to(bytes_data=b"\x00\x01")
    assert (await tablet.recv())["code"] == "bad_message"
    error = await tablet.command("teleport")
    assert error["type"] == "error" and error["code"] == "unknown_type"
    assert error["message"] == "Loại thông điệp không được hỗ trợ."
    await tablet.ws.send_json_to({"type": "speaker.request"})
    assert (await tablet.recv())["code"] == "bad_message"  # commands need an id
    await tablet.ws.send_json_to({"type": "speaker.request", "id": {"x": 1}})
    assert (await tablet.recv())["code"] == "bad_message"
    error = await tablet.command("agenda.goto", item="one")
    assert error["type"] == "error"
    await tablet.ws.send_json_to({"type": "ping"})
    assert await tablet.recv() == {"type": "pong"}
    await tablet.close()


async def test_room_sync_answers_a_fresh_state_with_the_command_id(cast, room):
    tablet = await join(room.meeting.pk, cast.delegate)
    state = await tablet.command("room.sync", id="sync-1")
    assert state["type"] == "room.state" and state["id"] == "sync-1"
    assert state["seq"] == tablet.state["seq"]
    await tablet.close()


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("agenda.goto", {"direction": "next"}),
        ("present.stop", {}),
        ("present.assign", {"user": None}),
        ("speaker.grant", {"request": 1}),
        ("vote.prepare", {"question": "Thông qua Nghị quyết"}),
        ("vote.open", {"question": "Thông qua Nghị quyết"}),
        ("vote.close", {"vote": 1}),
        ("meeting.close", {}),
        ("attendance.checkin", {"user": 0}),
    ],
)
async def test_a_delegate_cannot_send_the_chairs_commands(cast, room, kind, fields):
    if fields.get("user") == 0:
        fields = {"user": cast.delegate2.pk}
    tablet = await join(room.meeting.pk, cast.delegate)
    seq = tablet.state["seq"]
    error = await tablet.command(kind, **fields)
    assert error["type"] == "error", error
    assert error["code"] in ("forbidden", "not_found"), error
    assert error["message"]
    meeting = await db(_meeting, room.meeting.pk)
    assert meeting.status == "in_progress" and meeting.current_item_id is None
    from meetings.events import current_seq

    assert await db(current_seq, room.meeting.pk) == seq  # nothing published
    await tablet.close()


async def test_the_chair_moves_the_agenda_and_every_screen_follows(cast, room):
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    seq = delegate.state["seq"]
    first, second = room.items
    ack = await chair.command("agenda.goto", direction="next")
    assert ack == {"type": "ack", "id": ack["id"], "result": {"item": first.pk}}
    event = await delegate.until("agenda.current")
    assert event["seq"] == seq + 1 and event["item"] == first.pk
    assert event["items"][0]["status"] == "in_progress"
    await chair.command("agenda.goto", item=second.pk)
    event = await delegate.until("agenda.current")
    assert event["seq"] == seq + 2
    assert {i["id"]: i["status"] for i in event["items"]} == {
        first.pk: "done",
        second.pk: "in_progress",
    }
    meeting = await db(_meeting, room.meeting.pk)
    assert meeting.current_item_id == second.pk
    assert meeting.current_item.started_at is not None
    error = await chair.command("agenda.goto", direction="next")
    assert error["code"] == "no_item"
    await chair.command("agenda.goto", direction="previous")
    assert (await delegate.until("agenda.current"))["item"] == first.pk
    error = await chair.command("agenda.goto", item=999_999)
    assert error["code"] == "not_found"
    await chair.close()
    await delegate.close()


async def test_a_resent_command_is_answered_again_and_done_once(cast, room):
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    first = await chair.command("agenda.goto", id="goto-1", item=room.items[1].pk)
    await chair.command("agenda.goto", id="goto-2", item=room.items[0].pk)
    again = await chair.command("agenda.goto", id="goto-1", item=room.items[1].pk)
    assert again == first
    meeting = await db(_meeting, room.meeting.pk)
    assert meeting.current_item_id == room.items[0].pk  # not moved back
    events = [m for m in await delegate.quiet() if m["type"] == "agenda.current"]
    assert len(events) == 2
    await chair.close()
    await delegate.close()


async def test_the_floor_queue_grant_and_end_are_recorded(cast, room):
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    other = await join(room.meeting.pk, cast.delegate2)
    error = await delegate.command("speaker.request")
    assert error["code"] == "no_item"
    await chair.command("agenda.goto", direction="next")
    mine = await delegate.command("speaker.request")
    again = await delegate.command("speaker.request")
    assert again["result"] == mine["result"]  # asking twice keeps one place
    await other.command("speaker.request")
    queue = (await chair.until("speakers"))["speakers"]
    while len(queue) < 2:
        queue = (await chair.until("speakers"))["speakers"]
    assert [s["user"] for s in queue] == [cast.delegate.pk, cast.delegate2.pk]
    assert queue[0]["name"] == "Cầm Văn Đông"
    await other.command("speaker.withdraw")
    grant = await chair.command("speaker.grant", request=mine["result"]["request"])
    assert grant["type"] == "ack"
    speakers = (await delegate.until("speakers"))["speakers"]
    while not speakers or speakers[0]["status"] != "speaking":
        speakers = (await delegate.until("speakers"))["speakers"]
    assert [s["user"] for s in speakers] == [cast.delegate.pk]
    await chair.command("speaker.end")
    from meetings.room import speeches_for_minutes

    speeches = await db(speeches_for_minutes, room.meeting)
    assert len(speeches) == 1
    assert speeches[0]["name"] == "Cầm Văn Đông"
    assert speeches[0]["start"] and speeches[0]["end"]
    guest = await join(room.meeting.pk, room.guest)
    assert (await guest.command("speaker.request"))["code"] == "forbidden"
    for t in (chair, delegate, other, guest):
        await t.close()


async def test_a_participant_checks_in_from_the_tablet(cast, room):
    delegate = await join(room.meeting.pk, cast.delegate)
    ack = await delegate.command("attendance.checkin")
    assert ack["result"] == {"user": cast.delegate.pk, "attendance": "present"}
    event = await delegate.until("attendance.changed")
    assert event["quorum"]["present"] == 3  # the quorum at the start, and them
    await delegate.close()


async def test_the_chair_starts_and_closes_the_meeting(cast):
    room = await db(build_room, cast, start=False)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    for tablet in (chair, delegate):  # check-in opens with the publication
        assert (await tablet.command("attendance.checkin"))["type"] == "ack"
    assert (await chair.command("meeting.start"))["result"] == {"status": "in_progress"}
    assert (await delegate.until("meeting.status"))["status"] == "in_progress"
    assert (await chair.command("meeting.start"))["type"] == "ack"  # harmless
    assert (await chair.command("meeting.close"))["result"] == {"status": "closed"}
    assert (await delegate.until("meeting.status"))["status"] == "closed"
    await chair.close()
    await delegate.close()


async def test_a_flooding_socket_gets_errors_then_is_closed(cast, room, settings):
    settings.ROOM_RATE_PER_SECOND = 5
    settings.ROOM_RATE_BURST = 5
    settings.ROOM_FLOOD_CLOSE_AFTER = 10
    tablet = await join(room.meeting.pk, cast.delegate)
    other = await join(room.meeting.pk, cast.delegate2)
    for _ in range(30):
        await tablet.ws.send_json_to({"type": "ping"})
    codes = []
    while True:
        output = await tablet.ws.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            assert output["code"] == 4429
            break
        codes.append(output["text"])
    assert any("rate_limited" in c for c in codes)
    await other.ws.send_json_to({"type": "ping"})  # the room is unaffected
    assert await other.recv() == {"type": "pong"}
    await other.close()


async def test_a_removed_participant_is_disconnected_within_a_second(cast, room):
    from meetings import actions
    from meetings.models import Participant

    tablet = await join(room.meeting.pk, room.guest)
    participant = await db(
        Participant.objects.get, meeting=room.meeting, user=room.guest
    )
    await db(actions.remove_participant, cast.secretary, participant)
    output = await tablet.ws.receive_output(timeout=1)
    while output["type"] != "websocket.close":
        output = await tablet.ws.receive_output(timeout=1)
    assert output["code"] == 4403


async def test_signing_out_closes_the_users_room_sockets(cast, room):
    from django.test import Client

    tablet = await join(room.meeting.pk, cast.delegate)

    def sign_out():
        client = Client()
        client.force_login(cast.delegate)
        client.post("/accounts/logout/")

    await db(sign_out)
    output = await tablet.ws.receive_output(timeout=1)
    while output["type"] != "websocket.close":
        output = await tablet.ws.receive_output(timeout=1)
    assert output["code"] == 4401


async def test_checked_in_state_and_a_late_joiner_see_the_same_seq(cast, room):
    await db(check_in, cast.secretary, room.meeting, cast.delegate)
    chair = await join(room.meeting.pk, cast.chair)
    await chair.command("agenda.goto", direction="next")
    late = await join(room.meeting.pk, cast.delegate)
    assert late.state["current_item"] == room.items[0].pk
    assert late.state["me"]["attendance"] == "present"
    await asyncio.sleep(0.05)
    await chair.close()
    await late.close()
