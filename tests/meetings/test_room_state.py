"""The room state a socket starts from: shared part built once, own part per socket."""

from __future__ import annotations

import json

import pytest

from meetings import room_cache as _room_cache
from meetings.actions import floor as _floor
from meetings.actions import room as _room_actions
from tests.meetings.commands import command
from tests.realtime.rooms import build_room, check_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    from meetings import room as room_actions

    room_actions.forget_shared_states()
    yield
    room_actions.forget_shared_states()


def _roles(cast, room) -> dict[str, object]:
    return {
        "chair": cast.chair,
        "secretary": cast.secretary,
        "delegate": cast.delegate,
        "delegate2": cast.delegate2,
        "guest": room.guest,
    }


def _frame(user, meeting_id, **kwargs) -> dict:
    from meetings import room as room_actions

    seat = room_actions.access_room(user, meeting_id)
    seq, frame = room_actions.room_state_frame(user, seat, **kwargs)
    data = json.loads(frame)
    assert data["seq"] == seq
    return data


def _uncached(user, meeting_id) -> dict:
    from meetings import room as room_actions

    seat = room_actions.access_room(user, meeting_id)
    return room_actions.room_state(user, seat, cached=False)


def _same_as_uncached(cast, room) -> dict[str, dict]:
    """Every role's frame equals the state built afresh for it (``now`` aside)."""
    frames = {}
    for name, user in _roles(cast, room).items():
        got = _frame(user, room.meeting.pk)
        want = _uncached(user, room.meeting.pk)
        assert got.pop("now") and want.pop("now")
        assert got == want, name
        frames[name] = got
    return frames


def test_every_role_gets_the_state_built_afresh_before_and_after_events(
    cast, make_document
):
    from meetings import actions
    from meetings.models import Role

    document = make_document(cast.secretary, body=cast.hdnd, pages=2)
    room = build_room(cast, with_document=document)
    m = room.meeting.pk
    frames = _same_as_uncached(cast, room)
    assert frames["chair"]["me"]["can_control"] is True
    assert frames["guest"]["me"]["role"] == Role.GUEST
    steps = [
        lambda: _room_actions.do_goto(cast.chair, m, direction="next"),
        lambda: _room_actions.do_present_page(
            cast.chair, m, document_id=document.pk, page=2
        ),
        lambda: _room_actions.do_present_assign(
            cast.chair, m, user_id=cast.delegate.pk
        ),
        lambda: check_in(cast.secretary, room.meeting, cast.delegate),
        lambda: _floor.do_speaker_request(cast.delegate, m),
        lambda: command("vote.open", cast.chair, m, {"question": "Thông qua?"}),
        lambda: actions.update_meeting(
            cast.secretary,
            room.meeting,
            title="Kỳ họp chuyên đề",
            kind=room.meeting.kind,
            starts_at=room.meeting.starts_at,
            ends_at=room.meeting.ends_at,
            place=room.meeting.place,
        ),
        lambda: _room_actions.do_present_stop(cast.chair, m),
    ]
    for step in steps:
        step()
        frames = _same_as_uncached(cast, room)
    assert frames["delegate"]["me"]["can_present"] is True
    assert frames["delegate"]["me"]["attendance"] == "present"
    assert frames["guest"]["meeting"]["title"] == "Kỳ họp chuyên đề"
    assert [s["user"] for s in frames["guest"]["speakers"]] == [cast.delegate.pk]
    assert frames["delegate2"]["votes"][0]["status"] == "open"


def test_the_shared_part_is_built_once_per_event(cast):

    room = build_room(cast)
    before = _room_cache.shared_builds
    for user in _roles(cast, room).values():
        _frame(user, room.meeting.pk)
    assert _room_cache.shared_builds == before + 1
    _room_actions.do_goto(cast.chair, room.meeting.pk, direction="next")
    for user in _roles(cast, room).values():
        assert _frame(user, room.meeting.pk)["current_item"] == room.items[0].pk
    assert _room_cache.shared_builds == before + 2


def test_a_socket_joining_a_cached_room_costs_one_query(
    cast, django_assert_num_queries
):
    from meetings import room as room_actions

    room = build_room(cast)
    seats = {
        name: room_actions.access_room(user, room.meeting.pk)
        for name, user in _roles(cast, room).items()
    }
    room_actions.room_state_frame(cast.chair, seats["chair"])
    with django_assert_num_queries(1):  # the meeting with its seq
        room_actions.room_state_frame(cast.delegate, seats["delegate"])
    with django_assert_num_queries(2):  # and who is present
        room_actions.room_state_frame(cast.secretary, seats["secretary"])


def test_one_users_votes_and_the_managers_presence_stay_private(cast):
    from meetings import room as room_actions

    room = build_room(cast)
    m = room.meeting.pk
    for user in (cast.delegate, cast.delegate2):
        check_in(cast.secretary, room.meeting, user)
    _room_actions.do_goto(cast.chair, m, direction="next")
    named = command("vote.open", cast.chair, m, {"question": "Công khai?"})["vote"]
    command("vote.cast", cast.delegate, m, {"vote": named, "option": "no"})
    command("vote.close", cast.chair, m, {"vote": named})
    secret = command(
        "vote.open", cast.chair, m, {"question": "Bỏ phiếu kín?", "kind": "secret"}
    )["vote"]
    receipt = command(
        "vote.cast", cast.delegate, m, {"vote": secret, "option": "yes"}, client_id="c1"
    ).get("receipt")
    frames = _same_as_uncached(cast, room)
    assert frames["delegate"]["my_votes"] == {str(named): "no", str(secret): None}
    for name in ("delegate2", "guest", "chair", "secretary"):
        assert frames[name]["my_votes"] == {}, name
    raw = {
        name: room_actions.room_state_frame(user, room_actions.access_room(user, m))[1]
        for name, user in _roles(cast, room).items()
    }
    if receipt:
        assert not any(receipt in frame for frame in raw.values())
    assert "presence" in frames["chair"] and "presence" in frames["secretary"]
    for name in ("delegate", "delegate2", "guest"):
        assert "presence" not in frames[name] and '"presence"' not in raw[name]
    assert '"yes"' not in raw["delegate2"].split('"votes"')[0]


def test_a_command_id_is_added_to_the_socket_own_part(cast):
    room = build_room(cast)
    state = _frame(cast.delegate, room.meeting.pk, command_id="sync-1")
    assert state["id"] == "sync-1" and state["type"] == "room.state"
    assert _frame(cast.delegate2, room.meeting.pk).get("id") is None
