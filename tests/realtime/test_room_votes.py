"""Voting in the room over sockets: who may vote, when, and what everyone sees."""

from __future__ import annotations

import pytest

from tests.realtime.rooms import check_in, db, join

pytestmark = pytest.mark.django_db(transaction=True)


def _casts_and_ballots(vote_id):
    from meetings.models import Ballot, VoteCast

    return (
        VoteCast.objects.filter(vote_id=vote_id).count(),
        Ballot.objects.filter(vote_id=vote_id).count(),
    )


async def _open_vote(chair, **fields) -> int:
    await chair.command("agenda.goto", direction="next")
    ack = await chair.command(
        "vote.open", question="Thông qua Nghị quyết dự toán ngân sách", **fields
    )
    assert ack["type"] == "ack", ack
    return ack["result"]["vote"]


async def test_an_open_vote_shows_live_counts_then_the_named_result(cast, room):
    for user in (cast.chair, cast.delegate, cast.delegate2):
        await db(check_in, cast.secretary, room.meeting, user)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    other = await join(room.meeting.pk, cast.delegate2)
    vote_id = await _open_vote(chair)
    opened = await delegate.until("vote.opened")
    assert opened["vote"]["id"] == vote_id
    assert [o["label"] for o in opened["vote"]["options"]] == [
        "Tán thành",
        "Không tán thành",
        "Không biểu quyết",
    ]
    ack = await delegate.command("vote.cast", vote=vote_id, option="yes")
    assert ack["result"]["option"] == "yes"
    receipt = ack["result"]["receipt"]
    assert len(receipt) == 11 and receipt[5] == "-"
    progress = await other.until("vote.progress")
    assert progress["vote"] == vote_id
    assert progress["cast"] == 1 and progress["counts"]["yes"] == 1
    assert "seq" not in progress  # a signal: a full snapshot, never repaired
    await other.command("vote.cast", vote=vote_id, option="no")
    await chair.command("vote.cast", vote=vote_id, option="yes")
    closed = await chair.command("vote.close", vote=vote_id)
    result = closed["result"]["result"]
    assert result["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert result["members"] == 3 and result["required"] == 2
    assert result["issued"] == 3 and result["returned"] == 3
    assert result["passed"] is True
    assert {v["name"]: v["option"] for v in result["voters"]} == {
        "Nguyễn Thái Hưng": "yes",
        "Cầm Văn Đông": "yes",
        "Quàng Thị Ánh": "no",
    }
    assert receipt in result["receipts"]
    event = await delegate.until("vote.closed")
    assert event["vote"]["result"] == result
    error = await delegate.command("vote.cast", vote=vote_id, option="no")
    assert error["code"] == "vote_closed"
    assert error["message"] == "Cuộc biểu quyết này đã kết thúc."
    assert await db(_casts_and_ballots, vote_id) == (3, 3)
    for t in (chair, delegate, other):
        await t.close()


async def test_a_secret_vote_shows_only_how_many_voted_and_receipts_only(cast, room):
    for user in (cast.chair, cast.delegate):
        await db(check_in, cast.secretary, room.meeting, user)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    vote_id = await _open_vote(chair, kind="secret")
    ack = await delegate.command("vote.cast", vote=vote_id, option="no")
    progress = await chair.until("vote.progress")
    assert progress == {
        "type": "vote.progress",
        "vote": vote_id,
        "cast": 1,
        "at": progress["at"],
    }
    sync = await chair.command("room.sync")
    (vote,) = sync["votes"]
    assert vote["cast"] == 1 and "counts" not in vote
    assert sync["my_votes"] == {}
    mine = await delegate.command("room.sync")
    assert mine["my_votes"] == {str(vote_id): None}  # voted; the choice is not kept
    closed = await chair.command("vote.close", vote=vote_id)
    result = closed["result"]["result"]
    assert "voters" not in result
    assert result["receipts"] == [ack["result"]["receipt"]]
    assert result["counts"] == {"yes": 0, "no": 1, "abstain": 0}
    assert (result["members"], result["issued"], result["returned"]) == (3, 2, 1)
    assert result["passed"] is False
    await chair.close()
    await delegate.close()


async def test_refusals_guest_unchecked_before_open_and_twice(cast, room):
    await db(check_in, cast.secretary, room.meeting, cast.delegate)
    await db(check_in, cast.secretary, room.meeting, room.guest)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    late = await join(room.meeting.pk, cast.delegate2)
    guest = await join(room.meeting.pk, room.guest)
    await chair.command("agenda.goto", direction="next")
    prepared = await chair.command("vote.prepare", question="Thông qua chương trình")
    vote_id = prepared["result"]["vote"]
    error = await delegate.command("vote.cast", vote=vote_id, option="yes")
    assert error["code"] == "vote_not_open"
    assert error["message"] == "Cuộc biểu quyết này chưa được mở."
    assert (await chair.command("vote.open", vote=vote_id))["type"] == "ack"
    error = await guest.command("vote.cast", vote=vote_id, option="yes")
    assert error["code"] == "no_voting_right"
    error = await late.command("vote.cast", vote=vote_id, option="yes")
    assert error["code"] == "not_checked_in"
    assert error["message"] == "Bạn cần điểm danh trước khi biểu quyết."
    error = await delegate.command("vote.cast", vote=vote_id, option="maybe")
    assert error["code"] == "bad_option"
    assert (await delegate.command("vote.cast", vote=vote_id, option="yes"))[
        "type"
    ] == "ack"
    error = await delegate.command("vote.cast", vote=vote_id, option="no")
    assert error["code"] == "already_voted"
    error = await delegate.command("vote.close", vote=vote_id)
    assert error["code"] == "forbidden"
    error = await chair.command("vote.open", question="Một câu hỏi khác")
    assert error["code"] == "vote_busy"
    error = await chair.command("meeting.close")
    assert error["code"] == "vote_busy"
    assert await db(_casts_and_ballots, vote_id) == (1, 1)
    for t in (chair, delegate, late, guest):
        await t.close()


async def test_a_resent_cast_is_recognised_and_counted_once(cast, room):
    await db(check_in, cast.secretary, room.meeting, cast.delegate)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    vote_id = await _open_vote(chair)
    first = await delegate.command("vote.cast", id="cast-1", vote=vote_id, option="yes")
    again = await delegate.command("vote.cast", id="cast-1", vote=vote_id, option="yes")
    assert again["result"] == {
        "vote": vote_id,
        "duplicate": True,
        "option": "yes",
        "receipt": first["result"]["receipt"],
    }
    assert await db(_casts_and_ballots, vote_id) == (1, 1)
    await chair.close()
    await delegate.close()


async def test_a_changeable_open_vote_keeps_one_ballot(cast, room):
    await db(check_in, cast.secretary, room.meeting, cast.delegate)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    vote_id = await _open_vote(chair, allow_change=True)
    first = await delegate.command("vote.cast", vote=vote_id, option="yes")
    second = await delegate.command("vote.cast", vote=vote_id, option="abstain")
    assert second["result"]["receipt"] == first["result"]["receipt"]
    closed = await chair.command("vote.close", vote=vote_id)
    assert closed["result"]["result"]["counts"] == {"yes": 0, "no": 0, "abstain": 1}
    error = await chair.command(
        "vote.open", question="Bầu Phó Chủ tịch", kind="secret", allow_change=True
    )
    assert error["code"] == "bad_field"
    await chair.close()
    await delegate.close()
