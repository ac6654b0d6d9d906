"""Voting in the room over sockets: who may vote, when, and what everyone sees."""

from __future__ import annotations

import pytest

from tests.realtime.rooms import check_in, db, join

pytestmark = pytest.mark.django_db(transaction=True)


def _lists(user, meeting_id, vote_id, etag=None):
    """GET the vote's lists as ``user``: ``(status, json or None, etag)``."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    headers = {"If-None-Match": etag} if etag else {}
    response = client.get(
        reverse("room:lists", args=[meeting_id, vote_id]), headers=headers
    )
    body = response.json() if response.status_code == 200 else None
    return response.status_code, body, response.get("ETag")


def _casts_and_ballots(vote_id):
    from meetings.models import Ballot, VoteCast

    return (
        VoteCast.objects.filter(vote_id=vote_id).count(),
        Ballot.objects.filter(vote_id=vote_id).count(),
    )


def _mark_absent(actor, meeting, user) -> None:
    from meetings import actions
    from meetings.models import Participant

    seat = Participant.objects.get(meeting=meeting, user=user)
    actions.mark_absent(actor, seat, reason="Về cơ quan giải quyết việc gấp")


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
    # No list of an open vote: names are known once it is closed.
    assert (await db(_lists, cast.delegate, room.meeting.pk, vote_id))[0] == 404
    closed = await chair.command("vote.close", vote=vote_id)
    result = closed["result"]["result"]
    assert result["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert result["members"] == 3 and result["required"] == 2
    assert result["issued"] == 3 and result["returned"] == 3
    assert result["passed"] is True
    event = await delegate.until("vote.closed")
    assert event["vote"]["result"] == result
    # The lists that grow with the room are not sent to every socket: each
    # screen fetches them once, over HTTP, when it shows them.
    assert "voters" not in result and "receipts" not in result
    status, lists, etag = await db(_lists, cast.delegate, room.meeting.pk, vote_id)
    assert status == 200 and etag
    assert {v["name"]: v["option"] for v in lists["voters"]} == {
        "Nguyễn Thái Hưng": "yes",
        "Cầm Văn Đông": "yes",
        "Quàng Thị Ánh": "no",
    }
    assert receipt in lists["receipts"] and len(lists["receipts"]) == 3
    again = await db(_lists, cast.delegate, room.meeting.pk, vote_id, etag)
    assert again == (304, None, etag)
    for outsider in (cast.outsider, room.guest):
        # a guest of the meeting may read the result; an outsider learns nothing
        code = (await db(_lists, outsider, room.meeting.pk, vote_id))[0]
        assert code == (404 if outsider == cast.outsider else 200)
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
    assert "voters" not in result and "receipts" not in result
    status, lists, _etag = await db(_lists, cast.delegate, room.meeting.pk, vote_id)
    assert status == 200
    assert lists == {
        "vote": vote_id,
        "kind": "secret",
        "receipts": [ack["result"]["receipt"]],
    }
    assert result["counts"] == {"yes": 0, "no": 1, "abstain": 0}
    # issued: the three members present (the room starts with a quorum)
    assert (result["members"], result["issued"], result["returned"]) == (3, 3, 1)
    assert result["passed"] is False
    await chair.close()
    await delegate.close()


async def test_refusals_guest_unchecked_before_open_and_twice(cast, room):
    await db(check_in, cast.secretary, room.meeting, cast.delegate)
    await db(check_in, cast.secretary, room.meeting, room.guest)
    # delegate2 helped the quorum to the start, then left (marked absent).
    await db(_mark_absent, cast.secretary, room.meeting, cast.delegate2)
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


async def test_casts_arriving_together_are_stored_together_each_answered(
    cast, room, settings
):
    from meetings.models import VoteCast

    settings.ROOM_BATCH_SECONDS = 0.3  # wide enough to gather the three
    for user in (cast.chair, cast.delegate, cast.delegate2):
        await db(check_in, cast.secretary, room.meeting, user)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    other = await join(room.meeting.pk, cast.delegate2)
    vote_id = await _open_vote(chair)
    sends = [
        (delegate, {"id": "d1", "option": "yes"}),
        (other, {"id": "o1", "option": "maybe"}),
        (chair, {"id": "c1", "option": "no"}),
    ]
    for tablet, fields in sends:
        await tablet.ws.send_json_to({"type": "vote.cast", "vote": vote_id, **fields})
    answers = [await t.answer(f["id"]) for t, f in sends]
    assert [a["type"] for a in answers] == ["ack", "error", "ack"]
    assert answers[1]["code"] == "bad_option"
    assert answers[0]["result"]["option"] == "yes"
    assert answers[2]["result"]["option"] == "no"
    stamps = await db(
        lambda: set(
            VoteCast.objects.filter(vote_id=vote_id).values_list("cast_at", flat=True)
        )
    )
    assert len(stamps) == 1  # one batch, one transaction
    assert await db(_casts_and_ballots, vote_id) == (2, 2)
    for t in (chair, delegate, other):
        await t.close()


async def test_casts_queued_when_the_vote_closes_are_refused_and_not_stored(
    cast, room, settings
):
    settings.ROOM_BATCH_SECONDS = 0.5  # the close runs while the casts wait
    for user in (cast.chair, cast.delegate, cast.delegate2):
        await db(check_in, cast.secretary, room.meeting, user)
    chair = await join(room.meeting.pk, cast.chair)
    delegate = await join(room.meeting.pk, cast.delegate)
    other = await join(room.meeting.pk, cast.delegate2)
    vote_id = await _open_vote(chair)
    for tablet, cid in ((delegate, "d1"), (other, "o1")):
        await tablet.ws.send_json_to(
            {"type": "vote.cast", "id": cid, "vote": vote_id, "option": "yes"}
        )
    closed = await chair.command("vote.close", vote=vote_id)
    assert closed["result"]["result"]["returned"] == 0
    for tablet, cid in ((delegate, "d1"), (other, "o1")):
        answer = await tablet.answer(cid)
        assert (answer["type"], answer["code"]) == ("error", "vote_closed")
    assert await db(_casts_and_ballots, vote_id) == (0, 0)
    for t in (chair, delegate, other):
        await t.close()
