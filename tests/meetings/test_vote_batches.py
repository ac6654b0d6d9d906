"""Casting ballots in batches: one transaction for many voters, each answered
on its own, every rule of a single cast kept."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from meetings.actions import ballots as _ballots
from meetings.actions import room as _room_actions
from meetings.actions import votes as _votes
from nghisu.errors import ActionError
from tests.meetings.commands import command
from tests.realtime.rooms import build_room, check_in


def _voters(cast, n: int) -> list:
    """``n`` more members of the HĐND (made before the room invites members)."""
    from accounts import actions
    from accounts.models import Position

    return [
        actions.add_membership(
            cast.hdnd,
            actions.create_user(
                f"db{i:03d}", full_name=f"Đại biểu {i:03d}", password="pw-Test-123!"
            ),
            position=Position.MEMBER,
            start_date=datetime.date(2021, 7, 1),
        ).user
        for i in range(n)
    ]


def _room_with(cast, n: int, **vote_fields):
    """A running meeting, ``n`` extra voters all checked in, and an open vote."""

    voters = _voters(cast, n)
    room = build_room(cast)
    for user in (cast.chair, cast.delegate, cast.delegate2, *voters):
        check_in(cast.secretary, room.meeting, user)
    _room_actions.do_goto(cast.chair, room.meeting.pk, direction="next")
    data = {"question": "Thông qua Nghị quyết", **vote_fields}
    vote_id = command("vote.open", cast.chair, room.meeting.pk, data)["vote"]
    return room.meeting, vote_id, voters


def _stored(vote_id) -> tuple[int, int, dict[str, int]]:
    from meetings.models import Ballot, VoteCast

    ballots = Ballot.objects.filter(vote_id=vote_id)
    counts: dict[str, int] = {}
    for option in ballots.values_list("option", flat=True):
        counts[option] = counts.get(option, 0) + 1
    return VoteCast.objects.filter(vote_id=vote_id).count(), ballots.count(), counts


def test_one_invalid_cast_is_refused_alone_and_the_others_stored(cast):
    from meetings.actions.ballots import CastRequest, do_cast_many

    meeting, vote_id, voters = _room_with(cast, 3)
    outcomes = do_cast_many(
        meeting.pk,
        vote_id=vote_id,
        casts=[
            CastRequest(voters[0], "yes", "a"),
            CastRequest(voters[1], "maybe", "b"),  # no such option
            CastRequest(cast.secretary, "yes", "c"),  # no voting right
            CastRequest(voters[2], "no", "d"),
        ],
    )
    assert [type(o).__name__ for o in outcomes] == [
        "dict",
        "ActionError",
        "ActionError",
        "dict",
    ]
    assert (outcomes[1].code, outcomes[2].code) == ("bad_option", "no_voting_right")
    assert outcomes[1].message == "Lựa chọn không hợp lệ."
    assert outcomes[0]["option"] == "yes" and outcomes[3]["option"] == "no"
    assert outcomes[0]["receipt"] != outcomes[3]["receipt"]
    assert _stored(vote_id) == (2, 2, {"yes": 1, "no": 1})


def test_a_voter_twice_in_one_batch_is_counted_once(cast):
    from meetings.actions.ballots import CastRequest, do_cast_many

    meeting, vote_id, voters = _room_with(cast, 2)
    first, resent, other = do_cast_many(
        meeting.pk,
        vote_id=vote_id,
        casts=[
            CastRequest(voters[0], "yes", "cmd-1"),
            CastRequest(voters[0], "yes", "cmd-1"),  # the same command re-sent
            CastRequest(voters[0], "no", "cmd-2"),  # another command
        ],
    )
    assert resent == {
        "vote": vote_id,
        "duplicate": True,
        "option": "yes",
        "receipt": first["receipt"],
    }
    assert isinstance(other, ActionError) and other.code == "already_voted"
    assert _stored(vote_id) == (1, 1, {"yes": 1})


def test_a_changeable_vote_takes_the_last_choice_of_a_batch(cast):
    from meetings.actions.ballots import CastRequest, do_cast_many

    meeting, vote_id, voters = _room_with(cast, 1, allow_change=True)
    first, second = do_cast_many(
        meeting.pk,
        vote_id=vote_id,
        casts=[
            CastRequest(voters[0], "yes", "cmd-1"),
            CastRequest(voters[0], "abstain", "cmd-2"),
        ],
    )
    assert second == {"vote": vote_id, "option": "abstain", "receipt": first["receipt"]}
    assert _stored(vote_id) == (1, 1, {"abstain": 1})


def test_casts_after_the_close_are_all_refused_and_nothing_stored(cast):
    from meetings.actions.ballots import CastRequest, do_cast_many

    meeting, vote_id, voters = _room_with(cast, 3)
    _ballots.do_cast(voters[0], meeting.pk, vote_id=vote_id, option="yes")
    _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
    outcomes = do_cast_many(
        meeting.pk,
        vote_id=vote_id,
        casts=[CastRequest(v, "no", f"c{n}") for n, v in enumerate(voters[1:])],
    )
    assert [o.code for o in outcomes] == ["vote_closed", "vote_closed"]
    assert _stored(vote_id) == (1, 1, {"yes": 1})


def test_check_cast_many_answers_bad_input_in_its_place(cast):
    from realtime.commands_meeting import cast_many as check_cast_many

    meeting, vote_id, voters = _room_with(cast, 2)
    outcomes = check_cast_many(
        meeting.pk,
        [
            (voters[0], {"vote": "x", "option": "yes"}, "a"),
            (voters[1], {"vote": vote_id, "option": "no"}, "b"),
            (voters[0], {"vote": vote_id + 99, "option": "no"}, "c"),
        ],
    )
    assert outcomes[0].code == "bad_field"
    assert outcomes[1]["option"] == "no"
    assert outcomes[2].code == "not_found"
    assert _stored(vote_id) == (1, 1, {"no": 1})


def test_the_order_of_a_batchs_ballots_does_not_follow_its_voters(cast):
    """Ballots of a batch are stored in random order: the physical order of a
    secret vote's ballots says nothing about who cast which."""
    from meetings.actions.ballots import CastRequest, do_cast_many
    from meetings.models import Ballot

    meeting, vote_id, voters = _room_with(cast, 40, kind="secret")
    outcomes = do_cast_many(
        meeting.pk,
        vote_id=vote_id,
        casts=[CastRequest(v, "yes", f"c{n}") for n, v in enumerate(voters)],
    )
    in_voter_order = [o["receipt"] for o in outcomes]
    _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
    position = "ctid" if connection.vendor == "postgresql" else "rowid"
    table = connection.ops.quote_name(Ballot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT receipt FROM {table} ORDER BY {position}"  # noqa: S608
        )
        stored = [row[0] for row in cursor.fetchall()]
    assert sorted(stored) == sorted(in_voter_order)
    assert stored != in_voter_order  # 1 chance in 40! of a false failure


def test_counts_equal_ballots_after_batches_and_single_casts(cast):
    from meetings import voting
    from meetings.actions.ballots import CastRequest, do_cast_many

    meeting, vote_id, voters = _room_with(cast, 12)
    options = ["yes", "no", "abstain"]
    for start in (0, 5):
        do_cast_many(
            meeting.pk,
            vote_id=vote_id,
            casts=[
                CastRequest(v, options[n % 3], f"c{n}")
                for n, v in enumerate(voters[start : start + 5], start)
            ],
        )
    _ballots.do_cast(voters[10], meeting.pk, vote_id=vote_id, option="yes")
    _ballots.do_cast(voters[11], meeting.pk, vote_id=vote_id, option="no")
    result = _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)["result"]
    casts, ballots, counts = _stored(vote_id)
    assert casts == ballots == result["returned"] == result["valid"] == 12
    assert {k: v for k, v in result["counts"].items() if v} == counts
    assert "receipts" not in result and "voters" not in result
    from meetings.models import Vote

    assert voting.recount(Vote.objects.get(pk=vote_id))["match"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_voters_in_concurrent_overlapping_batches_leave_one_ballot_each(cast):
    """Five threads cast batches of the same 50 voters (each voter in every
    batch, with its own command id per thread) at once: one ballot per voter."""
    from meetings.actions.ballots import CastRequest, do_cast_many

    assert connection.vendor == "postgresql"
    meeting, vote_id, voters = _room_with(cast, 50)
    barrier = threading.Barrier(5)
    answers: list[list] = []
    lock = threading.Lock()

    def run(t: int) -> None:
        from django.db import connections

        order = voters[t * 10 :] + voters[: t * 10]  # different orders
        try:
            barrier.wait()
            outcomes = do_cast_many(
                meeting.pk,
                vote_id=vote_id,
                casts=[
                    CastRequest(v, "yes" if t % 2 else "no", f"t{t}") for v in order
                ],
            )
        finally:
            connections.close_all()
        with lock:
            answers.append(outcomes)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flat = [o for outcomes in answers for o in outcomes]
    assert len(flat) == 250
    assert sum(1 for o in flat if isinstance(o, dict)) == 50
    assert {o.code for o in flat if isinstance(o, ActionError)} == {"already_voted"}
    casts, ballots, counts = _stored(vote_id)
    assert casts == ballots == sum(counts.values()) == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_close_racing_batches_stores_each_batch_whole_or_not_at_all(cast):
    from meetings.actions.ballots import CastRequest, do_cast_many
    from meetings.models import Vote

    meeting, vote_id, voters = _room_with(cast, 40)
    barrier = threading.Barrier(5)
    answers: list[list] = []
    lock = threading.Lock()

    def batch(t: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            outcomes = do_cast_many(
                meeting.pk,
                vote_id=vote_id,
                casts=[
                    CastRequest(v, "yes", f"t{t}") for v in voters[t * 10 : t * 10 + 10]
                ],
            )
        finally:
            connections.close_all()
        with lock:
            answers.append(outcomes)

    def close() -> None:
        from django.db import connections

        try:
            barrier.wait()
            _votes.do_close(cast.chair, meeting.pk, vote_id=vote_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=batch, args=(t,)) for t in range(4)]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for outcomes in answers:  # each batch: all stored, or all refused
        kinds = {type(o).__name__ for o in outcomes}
        assert len(kinds) == 1, outcomes
        if kinds == {"ActionError"}:
            assert {o.code for o in outcomes} == {"vote_closed"}
    stored = sum(10 for outcomes in answers if isinstance(outcomes[0], dict))
    result = Vote.objects.get(pk=vote_id).result
    casts, ballots, _counts = _stored(vote_id)
    assert casts == ballots == result["returned"] == result["counts"]["yes"] == stored
