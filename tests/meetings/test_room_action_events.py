"""The room's actions (meetings/actions: room, floor, votes, ballots, presence,
commands) called with typed arguments: what each publishes, to whom, and what
it costs in statements."""

from __future__ import annotations

import pytest

from meetings import events
from meetings.actions import ballots, floor, presence, votes
from meetings.actions import commands as command_store
from meetings.actions import room as room_actions
from nghisu.errors import ActionError
from tests.realtime.rooms import build_room, check_in


@pytest.fixture
def running(cast):
    """A running HĐND meeting on its first item, the quorum present."""
    room = build_room(cast)
    for user in (cast.chair, cast.delegate, cast.delegate2):
        check_in(cast.secretary, room.meeting, user)
    room_actions.do_goto(cast.chair, room.meeting.pk, direction="next")
    return room.meeting


def test_the_floor_publishes_the_whole_queue_to_the_room(
    cast, running, capture_events, django_assert_num_queries
):
    m = running.pk
    capture_events.clear()
    # lock, participant, existing request, insert (savepoint pair), the queue,
    # the room's seq; + the savepoint pair of the action's transaction (the
    # test runs in one)
    with django_assert_num_queries(8 + 2):
        request = floor.do_speaker_request(cast.delegate, m)["request"]
    (event,) = capture_events.events
    assert (event.kind, event.audience, event.type) == ("room", "room", "speakers")
    assert [s["id"] for s in event.payload["speakers"]] == [request]
    assert event.payload["speakers"][0]["status"] == "waiting"
    capture_events.clear()
    floor.do_speaker_grant(cast.chair, m, request_id=request)
    assert capture_events.types() == ["speakers"]
    assert capture_events.events[0].payload["speakers"][0]["status"] == "speaking"
    capture_events.clear()
    floor.do_speaker_end(cast.delegate, m)  # the speaker ends their own speech
    assert capture_events.types() == ["speakers"]
    assert capture_events.events[0].payload["speakers"] == []
    capture_events.clear()
    with pytest.raises(ActionError) as refused:
        floor.do_speaker_end(cast.chair, m)
    assert refused.value.code == "no_speaker"
    assert capture_events.events == []


def test_agenda_and_presenter_events(
    cast, running, capture_events, django_assert_num_queries
):
    m = running.pk
    capture_events.clear()
    # lock, rights, items, items updated, meeting, audit, room row with the
    # seq; + the savepoint pair
    with django_assert_num_queries(7 + 2):
        room_actions.do_goto(cast.chair, m, direction="next")
    (event,) = capture_events.events
    assert (event.kind, event.type) == ("room", "agenda.current")
    assert event.payload["presentation"] is None
    assert [i["status"] for i in event.payload["items"]] == ["done", "in_progress"]
    capture_events.clear()
    room_actions.do_goto(cast.chair, m, direction="previous")
    room_actions.do_goto(cast.chair, m, item_id=event.payload["item"])
    capture_events.clear()
    room_actions.do_goto(cast.chair, m, item_id=event.payload["item"])
    assert capture_events.events == []  # the current item again: nothing sent
    room_actions.do_present_assign(cast.chair, m, user_id=cast.delegate.pk)
    assert [(e.type, e.payload.get("presenter")) for e in capture_events.events] == [
        ("present.assign", cast.delegate.pk)
    ]
    capture_events.clear()
    room_actions.do_present_stop(cast.delegate, m)  # nothing shown: nothing sent
    assert capture_events.events == []


def test_a_vote_publishes_prepared_opened_private_receipts_and_closed(
    cast, running, capture_events, django_capture_on_commit_callbacks
):
    m = running.pk
    capture_events.clear()
    vote = votes.do_prepare(cast.secretary, m, question="Thông qua Nghị quyết")["vote"]
    assert capture_events.types() == ["vote.prepared"]
    capture_events.clear()
    votes.do_open(cast.chair, m, vote_id=vote)
    (opened,) = capture_events.events
    assert opened.type == "vote.opened" and opened.audience == "room"
    assert opened.payload["vote"]["status"] == "open"
    capture_events.clear()
    ballots.do_cast(cast.delegate, m, vote_id=vote, option="yes", client_id="a")
    (voted,) = capture_events.events
    # The receipt goes to the voter's own sockets only, never to the room.
    assert (voted.kind, voted.audience, voted.type) == (
        "private",
        cast.delegate.pk,
        "vote.voted",
    )
    assert "receipt" not in voted.payload
    capture_events.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        result = votes.do_close(cast.chair, m, vote_id=vote)["result"]
    assert "receipts" not in result and "voters" not in result
    # vote.closed to the room, and the counting record's build enqueued.
    assert len(callbacks) == 2
    (closed,) = capture_events.events
    assert closed.type == "vote.closed"
    assert closed.payload["vote"]["result"]["in_favour"] == 1


def test_casting_many_costs_the_same_whatever_the_batch(
    cast, running, django_assert_num_queries
):
    m = running.pk
    vote = votes.open_new(cast.chair, m, question="Thông qua")["vote"]
    casts = [
        ballots.CastRequest(user, "yes", f"c{n}")
        for n, user in enumerate((cast.chair, cast.delegate, cast.delegate2))
    ]
    # vote locked, meeting status, members, seats, casts locked, casts
    # inserted, ballots inserted; + the savepoint pair
    with django_assert_num_queries(7 + 2):
        outcomes = ballots.do_cast_many(m, vote_id=vote, casts=casts)
    assert all("receipt" in o for o in outcomes)


def test_the_command_store_answers_once_and_refuses_a_reused_id(
    cast, running, capture_events
):
    m = running.pk
    capture_events.clear()
    first, replayed = command_store.run_once(
        m,
        cast.delegate.pk,
        "k1",
        "speaker.request",
        floor.do_speaker_request,
        cast.delegate,
        m,
    )
    assert not replayed and capture_events.types() == ["speakers"]
    capture_events.clear()
    again, replayed = command_store.run_once(
        m,
        cast.delegate.pk,
        "k1",
        "speaker.request",
        floor.do_speaker_request,
        cast.delegate,
        m,
    )
    assert replayed and again == first and capture_events.events == []
    with pytest.raises(ActionError) as reused:
        command_store.run_once(
            m,
            cast.delegate.pk,
            "k1",
            "speaker.withdraw",
            floor.do_speaker_withdraw,
            cast.delegate,
            m,
        )
    assert reused.value.code == "id_reused"
    with pytest.raises(ActionError) as empty:
        command_store.run_once(
            m,
            cast.delegate.pk,
            "",
            "speaker.withdraw",
            floor.do_speaker_withdraw,
            cast.delegate,
            m,
        )
    assert empty.value.code == "bad_message"


def test_presence_is_written_in_one_batch_and_goes_to_the_managers(
    cast, running, capture_events, django_assert_max_num_queries
):
    m = running.pk
    capture_events.clear()
    # process known? heartbeat (update, insert, purge), presence insert,
    # leaves deleted; + the savepoint pair
    with django_assert_max_num_queries(6 + 2):
        presence.do_presence_batch(
            joins=[(m, cast.delegate.pk, "s1"), (m, cast.chair.pk, "s2")],
            leaves=[(m, "s3")],
            process_id="p1",
        )
    presence._presence_signal(m)
    (signal,) = capture_events.of_type("presence")
    events.cancel_pending()  # the coalesced refresh the batch scheduled
    assert (signal.kind, signal.audience) == ("signal", "managers")
    assert signal.payload["present"] == sorted([cast.delegate.pk, cast.chair.pk])
