"""Room actions called directly: presenting, the floor, presence, commands once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from meetings.actions import commands as _command_store
from meetings.actions import floor as _floor
from meetings.actions import presence as _presence
from meetings.actions import room as _room_actions
from nghisu.errors import ActionError
from tests.meetings.commands import command, handler
from tests.realtime.rooms import build_room


@pytest.fixture
def presented(cast, make_document):
    """A running meeting whose first item has a processed three-page document."""
    document = make_document(cast.secretary, body=cast.hdnd, pages=3)
    room = build_room(cast, with_document=document)

    _room_actions.do_goto(cast.chair, room.meeting.pk, direction="next")
    return room, document


def test_the_chair_presents_a_page_and_everyone_gets_one_event(
    cast, presented, django_capture_on_commit_callbacks
):
    from meetings import room as room_actions
    from meetings.events import current_seq

    room, document = presented
    seq = current_seq(room.meeting.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        command(
            "present.page",
            cast.chair,
            room.meeting.pk,
            {
                "document": document.pk,
                "page": 2,
                "region": {"x": 0, "y": 0.5, "w": 0.5, "h": 0.5},
            },
        )
    assert len(callbacks) == 1 and current_seq(room.meeting.pk) == seq + 1
    state = room_actions.room_state(
        cast.delegate, room_actions.access_room(cast.delegate, room.meeting.pk)
    )
    presentation = state["presentation"]
    assert presentation["document"] == document.pk and presentation["page"] == 2
    assert presentation["pages"] == 3
    assert presentation["src"] == f"/documents/{document.pk}/versions/1/pages/2/"
    assert presentation["region"] == {"x": 0.0, "y": 0.5, "w": 0.5, "h": 0.5}
    with django_capture_on_commit_callbacks() as callbacks:
        _room_actions.do_present_page(
            cast.chair,
            room.meeting.pk,
            document_id=document.pk,
            page=2,
            region={"x": 0.0, "y": 0.5, "w": 0.5, "h": 0.5},
        )
    assert callbacks == []  # the same page again sends nothing
    _room_actions.do_present_stop(cast.chair, room.meeting.pk)
    assert (
        room_actions.room_state(
            cast.chair, room_actions.access_room(cast.chair, room.meeting.pk)
        )["presentation"]
        is None
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"page": 4}, "bad_page"),
        ({"page": 0}, "bad_page"),
        ({"document": 999_999, "page": 1}, "not_found"),
        ({"page": 1, "region": {"x": 2, "y": 0, "w": 1, "h": 1}}, "bad_field"),
        ({"page": "one"}, "bad_field"),
    ],
)
def test_presenting_refuses_what_the_room_may_not_see(cast, presented, fields, code):
    from meetings.models import RoomState

    room, document = presented
    data = {"document": document.pk, **fields}
    with pytest.raises(ActionError) as exc:
        command("present.page", cast.chair, room.meeting.pk, data)
    assert exc.value.code == code and exc.value.message
    assert not RoomState.objects.filter(document__isnull=False).exists()


def test_only_the_chair_or_the_named_presenter_presents(cast, presented):
    from meetings import room as room_actions

    room, document = presented
    with pytest.raises(ActionError) as exc:
        _room_actions.do_present_page(
            cast.delegate, room.meeting.pk, document_id=document.pk, page=1
        )
    assert exc.value.code == "forbidden"
    _room_actions.do_present_assign(
        cast.chair, room.meeting.pk, user_id=cast.delegate.pk
    )
    _room_actions.do_present_page(
        cast.delegate, room.meeting.pk, document_id=document.pk, page=3
    )
    seat = room_actions.access_room(cast.delegate, room.meeting.pk)
    state = room_actions.room_state(cast.delegate, seat)
    assert state["me"]["can_present"] is True and state["presentation"]["page"] == 3
    with pytest.raises(ActionError) as exc:
        _room_actions.do_present_assign(
            cast.chair, room.meeting.pk, user_id=cast.outsider.pk
        )
    assert exc.value.code == "not_participant"


def test_presence_counts_live_processes_only_and_forgets_dead_ones(cast):
    from meetings import room as room_actions
    from meetings.models import RoomPresence, RoomProcess

    room = build_room(cast)
    m = room.meeting.pk
    _presence.do_presence_join(m, cast.delegate.pk, connection="a", process_id="p1")
    _presence.do_presence_join(m, cast.delegate.pk, connection="b", process_id="p1")
    _presence.do_presence_join(m, cast.chair.pk, connection="c", process_id="p2")
    assert room_actions.present_user_ids(m) == sorted([cast.chair.pk, cast.delegate.pk])
    # Process p2 was restarted: its heartbeat stopped.
    RoomProcess.objects.filter(pk="p2").update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert room_actions.present_user_ids(m) == [cast.delegate.pk]
    RoomProcess.objects.filter(pk="p2").update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    _presence.heartbeat("p1")
    assert not RoomPresence.objects.filter(connection="c").exists()
    _presence.do_presence_leave(m, connection="a")
    assert room_actions.present_user_ids(m) == [cast.delegate.pk]  # one device left


def test_a_command_is_done_once_per_client_id(cast):
    from meetings.models import RoomCommand

    room = build_room(cast)
    first, replayed = _command_store.run_once(
        room.meeting.pk,
        cast.chair.pk,
        "cmd-1",
        "agenda.goto",
        _room_actions.do_goto,
        cast.chair,
        room.meeting.pk,
        direction="next",
    )
    assert replayed is False and first == {"item": room.items[0].pk}
    again, replayed = _command_store.run_once(
        room.meeting.pk,
        cast.chair.pk,
        "cmd-1",
        "agenda.goto",
        _room_actions.do_goto,
        cast.chair,
        room.meeting.pk,
        direction="next",
    )
    assert replayed is True and again == first
    room.meeting.refresh_from_db()
    assert room.meeting.current_item_id == room.items[0].pk  # not moved twice
    assert RoomCommand.objects.count() == 1
    RoomCommand.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    assert _command_store.forget_commands() == 1


def test_speeches_for_minutes_lists_given_speeches_in_order(cast):
    from meetings import room as room_actions

    room = build_room(cast)
    m = room.meeting.pk
    _room_actions.do_goto(cast.chair, m, direction="next")
    first = _floor.do_speaker_request(cast.delegate, m)["request"]
    second = _floor.do_speaker_request(cast.delegate2, m)["request"]
    _floor.do_speaker_grant(cast.chair, m, request_id=first)
    _floor.do_speaker_grant(cast.chair, m, request_id=second)  # ends the first
    _floor.do_speaker_end(cast.delegate2, m)  # the speaker ends their own
    speeches = room_actions.speeches_for_minutes(room.meeting)
    assert [s["name"] for s in speeches] == ["Cầm Văn Đông", "Quàng Thị Ánh"]
    assert all(s["start"] and s["end"] for s in speeches)
    assert speeches[0]["item_title"] == room.items[0].title
    with pytest.raises(ActionError) as exc:
        _floor.do_speaker_grant(cast.delegate, m, request_id=first)
    assert exc.value.code == "forbidden"


def test_the_room_state_costs_the_same_queries_for_a_bigger_room(
    cast, django_assert_max_num_queries
):
    from accounts.actions import create_user
    from meetings import actions
    from meetings import room as room_actions
    from meetings.models import Role

    room = build_room(cast)
    seat = room_actions.access_room(cast.chair, room.meeting.pk)
    with django_assert_max_num_queries(16) as small:
        room_actions.room_state(cast.chair, seat)
    for n in range(8):
        actions.invite_participant(
            cast.secretary,
            room.meeting,
            create_user(f"khach{n}", full_name=f"Khách {n}", password=None),
            role=Role.GUEST,
        )
        actions.add_item(cast.secretary, room.meeting, title=f"Nội dung {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        room_actions.room_state(cast.chair, seat)


def test_a_users_rights_on_a_meeting_cost_one_query(cast, django_assert_num_queries):
    from meetings import queries

    room = build_room(cast)
    for user, manage, preside, role in [
        (cast.chair, True, True, "chair"),
        (cast.secretary, True, False, "secretary"),
        (cast.delegate, False, False, "delegate"),
        (room.guest, False, False, "guest"),
        (cast.outsider, False, False, None),
    ]:
        with django_assert_num_queries(1):
            viewer = queries.viewer_for(user, room.meeting)
        assert (viewer.manage, viewer.preside) == (manage, preside), user
        assert (viewer.participant.role if viewer.participant else None) == role
        if viewer.participant is not None:
            with django_assert_num_queries(0):
                assert viewer.participant.user.pk == user.pk


def test_agenda_moves_and_page_turns_cost_a_fixed_number_of_statements(
    cast, presented, django_assert_num_queries
):
    """What a chair's command costs through ``run_once``, as the socket runs it:
    the stored-answer lookup, two savepoints, the action, the stored answer."""
    from accounts.models import AuditEvent
    from meetings.events import current_seq
    from meetings.models import RoomState

    room, document = presented
    m = room.meeting.pk
    seq = current_seq(m)
    # lock with the room state, rights, the document, the room row with the seq
    with django_assert_num_queries(6 + 4):
        _command_store.run_once(
            m,
            cast.chair.pk,
            "p1",
            "present.page",
            handler("present.page"),
            cast.chair,
            m,
            {"document": document.pk, "page": 2},
        )
    state = RoomState.objects.get(pk=m)
    assert (state.seq, state.document_id, state.page) == (seq + 1, document.pk, 2)
    assert state.presented_by_id == cast.chair.pk and state.presented_at
    audits = AuditEvent.objects.filter(action="room.agenda_goto").count()
    # lock, rights, items, items, meeting, audit, room row with the seq
    with django_assert_num_queries(6 + 7):
        _command_store.run_once(
            m,
            cast.chair.pk,
            "g1",
            "agenda.goto",
            handler("agenda.goto"),
            cast.chair,
            m,
            {"direction": "next"},
        )
    state.refresh_from_db()
    assert state.seq == seq + 2 and state.document_id is None and state.page == 0
    assert AuditEvent.objects.filter(action="room.agenda_goto").count() == audits + 1
    room.meeting.refresh_from_db()
    first, second = (i.__class__.objects.get(pk=i.pk) for i in room.items)
    assert room.meeting.current_item_id == second.pk
    assert first.status == "done" and first.ended_at is not None
    assert second.status == "in_progress" and second.started_at is not None
    assert second.ended_at is None
