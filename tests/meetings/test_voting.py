"""Vote actions: the body's rule, one ballot per voter, secrecy, recount, minutes."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from meetings.actions import ballots as _ballots
from meetings.actions import floor as _floor
from meetings.actions import room as _room_actions
from meetings.actions import votes as _votes
from nghisu.errors import ActionError
from tests.meetings.commands import command
from tests.realtime.rooms import build_room, check_in


def _ubnd_meeting(cast):
    from meetings import actions
    from meetings.models import MeetingKind

    begin = timezone.now() - datetime.timedelta(minutes=5)
    meeting = actions.create_meeting(
        cast.ubnd_chair,
        body=cast.ubnd,
        title="Phiên họp thường kỳ tháng 11 UBND tỉnh",
        kind=MeetingKind.SESSION_REGULAR,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=3),
        place="Phòng họp số 1",
    )
    actions.add_item(cast.ubnd_chair, meeting, title="Đề án chuyển đổi số")
    actions.invite_members(cast.ubnd_chair, meeting)
    actions.publish_meeting(cast.ubnd_chair, meeting)
    for user in (cast.ubnd_chair, cast.ubnd_member):
        check_in(cast.ubnd_chair, meeting, user)
    actions.start_meeting(cast.ubnd_chair, meeting)
    meeting.refresh_from_db()
    return meeting


def _open(actor, meeting, **fields):

    if meeting.current_item_id is None:
        _room_actions.do_goto(actor, meeting.pk, direction="next")
    data = {"question": "Thông qua Đề án", **fields}
    return command("vote.open", actor, meeting.pk, data)["vote"]


@pytest.fixture
def hdnd(cast):
    room = build_room(cast)
    for user in (cast.chair, cast.delegate, cast.delegate2):
        check_in(cast.secretary, room.meeting, user)
    return room.meeting


def test_passing_needs_more_than_half_of_all_members_not_of_those_present(cast, hdnd):

    vote = _open(cast.chair, hdnd)
    _ballots.do_cast(cast.delegate, hdnd.pk, vote_id=vote, option="yes")
    _ballots.do_cast(cast.delegate2, hdnd.pk, vote_id=vote, option="abstain")
    result = _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)["result"]
    # 1 of 2 votes cast in favour, but 3 members: 1 < 2 needed.
    assert result["required"] == 2 and result["in_favour"] == 1
    assert result["passed"] is False


def test_two_thirds_when_set(cast, hdnd):

    vote = _open(cast.chair, hdnd, threshold="two_thirds")
    _ballots.do_cast(cast.chair, hdnd.pk, vote_id=vote, option="yes")
    _ballots.do_cast(cast.delegate, hdnd.pk, vote_id=vote, option="yes")
    _ballots.do_cast(cast.delegate2, hdnd.pk, vote_id=vote, option="no")
    result = _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)["result"]
    assert result["required"] == 2 and result["passed"] is True


@pytest.mark.parametrize(("chair_option", "passed"), [("yes", True), ("no", False)])
def test_a_ubnd_tie_follows_the_chairmans_side(cast, chair_option, passed):

    meeting = _ubnd_meeting(cast)
    vote = _open(cast.ubnd_chair, meeting)
    other = "no" if chair_option == "yes" else "yes"
    _ballots.do_cast(cast.ubnd_chair, meeting.pk, vote_id=vote, option=chair_option)
    _ballots.do_cast(cast.ubnd_member, meeting.pk, vote_id=vote, option=other)
    result = _votes.do_close(cast.ubnd_chair, meeting.pk, vote_id=vote)["result"]
    assert result["members"] == 2 and result["in_favour"] == 1
    assert result["tie"] is True
    assert result["passed"] is passed
    assert result["tie_break"] == ("chair_in_favour" if passed else "chair_against")


def test_a_secret_ubnd_tie_cannot_know_the_chairmans_side(cast):

    meeting = _ubnd_meeting(cast)
    vote = _open(cast.ubnd_chair, meeting, kind="secret")
    _ballots.do_cast(cast.ubnd_chair, meeting.pk, vote_id=vote, option="yes")
    _ballots.do_cast(cast.ubnd_member, meeting.pk, vote_id=vote, option="no")
    result = _votes.do_close(cast.ubnd_chair, meeting.pk, vote_id=vote)["result"]
    assert result["tie_break"] == "secret" and result["passed"] is False


def test_a_secret_votes_tables_hold_no_link_from_voter_to_choice(cast, hdnd):
    from meetings.models import Ballot, SealedBallot, VoteCast

    # The schema: a ballot has no voter, no time and no ordered key.
    fields = {f.name: f for f in Ballot._meta.get_fields()}
    assert set(fields) == {"id", "vote", "option", "receipt"}
    assert fields["id"].get_internal_type() == "UUIDField"
    vote = _open(cast.chair, hdnd, kind="secret")
    receipts = {}
    for user, option in (
        (cast.chair, "yes"),
        (cast.delegate, "no"),
        (cast.delegate2, "yes"),
    ):
        answer = _ballots.do_cast(user, hdnd.pk, vote_id=vote, option=option)
        receipts[user.pk] = answer["receipt"]
    casts = list(VoteCast.objects.filter(vote_id=vote).values())
    assert {c["option"] for c in casts} == {""}
    assert {c["receipt"] for c in casts} == {""}
    # While the vote is open its choices exist only sealed, all of one length.
    assert not Ballot.objects.filter(vote_id=vote).exists()
    sealed = [
        bytes(b)
        for b in SealedBallot.objects.filter(vote_id=vote).values_list(
            "data", flat=True
        )
    ]
    assert len(sealed) == 3 and len({len(b) for b in sealed}) == 1
    for receipt in receipts.values():
        assert not any(receipt.encode() in b for b in sealed)
    _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)
    assert not SealedBallot.objects.filter(vote_id=vote).exists()
    stored = set(Ballot.objects.filter(vote_id=vote).values_list("receipt", flat=True))
    for receipt in receipts.values():
        assert receipt in stored
        assert not VoteCast.objects.filter(receipt=receipt).exists()
    assert sorted(
        Ballot.objects.filter(vote_id=vote).values_list("option", flat=True)
    ) == ["no", "yes", "yes"]


def test_refusals_change_nothing(cast, hdnd):
    from meetings.models import Ballot, Vote, VoteCast

    with pytest.raises(ActionError) as exc:
        _open(cast.delegate, hdnd)
    assert exc.value.code == "forbidden"
    assert not Vote.objects.exists()
    vote = _open(cast.chair, hdnd)
    with pytest.raises(ActionError) as exc:
        _ballots.do_cast(cast.secretary, hdnd.pk, vote_id=vote, option="yes")
    assert exc.value.code == "no_voting_right"
    assert exc.value.message == "Bạn không có quyền biểu quyết trong cuộc họp này."
    with pytest.raises(ActionError) as exc:
        command("vote.cast", cast.delegate, hdnd.pk, {"vote": "x", "option": "yes"})
    assert exc.value.code == "bad_field"
    assert VoteCast.objects.count() == 0 and Ballot.objects.count() == 0


def test_opening_and_closing_publish_room_events_and_audit(
    cast, hdnd, django_capture_on_commit_callbacks
):
    from accounts.models import AuditEvent
    from meetings.events import current_seq

    seq = current_seq(hdnd.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        vote = _open(cast.chair, hdnd)
    assert len(callbacks) == 2  # agenda.current, vote.opened
    assert current_seq(hdnd.pk) == seq + 2
    with django_capture_on_commit_callbacks() as callbacks:
        _ballots.do_cast(cast.delegate, hdnd.pk, vote_id=vote, option="yes")
    assert len(callbacks) == 2  # the voter's own devices, the coalesced progress
    assert current_seq(hdnd.pk) == seq + 2  # no room event per ballot
    _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"vote.prepare", "vote.open", "vote.close"} <= actions


def test_results_for_minutes_and_the_recount_command(cast, hdnd, capsys):
    from meetings import voting

    vote = _open(cast.chair, hdnd)
    _ballots.do_cast(cast.chair, hdnd.pk, vote_id=vote, option="yes")
    _ballots.do_cast(cast.delegate, hdnd.pk, vote_id=vote, option="yes")
    _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)
    secret = _open(cast.chair, hdnd, kind="secret", question="Bầu Trưởng ban")
    _ballots.do_cast(cast.delegate2, hdnd.pk, vote_id=secret, option="no")
    _votes.do_close(cast.chair, hdnd.pk, vote_id=secret)
    rows = voting.results_for_minutes(hdnd)
    assert [r["kind"] for r in rows] == ["open", "secret"]
    assert rows[0]["counts_labelled"][0] == {"label": "Tán thành", "count": 2}
    assert rows[0]["passed"] is True
    assert {v["name"] for v in rows[0]["voters"]} == {
        "Nguyễn Thái Hưng",
        "Cầm Văn Đông",
    }
    assert "voters" not in rows[1]
    assert (rows[1]["entitled"], rows[1]["issued"], rows[1]["returned"]) == (3, 3, 1)
    call_command("recount_vote", str(vote), str(secret))
    out = capsys.readouterr().out
    assert out.count("khớp") == 2 and "KHÔNG KHỚP" not in out


def test_the_recount_command_reports_a_tampered_tally(cast, hdnd, capsys):
    from meetings.models import Ballot

    vote = _open(cast.chair, hdnd)
    _ballots.do_cast(cast.delegate, hdnd.pk, vote_id=vote, option="yes")
    _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)
    Ballot.objects.filter(vote_id=vote).update(option="no")
    with pytest.raises(CommandError):
        call_command("recount_vote", str(vote))
    assert "KHÔNG KHỚP" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_casts_of_one_voter_leave_one_ballot(cast):
    from meetings.models import Ballot, VoteCast

    assert connection.vendor == "postgresql"
    room = build_room(cast)
    check_in(cast.secretary, room.meeting, cast.delegate)
    vote = _open(cast.chair, room.meeting)
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def cast_one(n: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            _ballots.do_cast(
                cast.delegate,
                room.meeting.pk,
                vote_id=vote,
                option="yes" if n % 2 else "no",
                client_id=f"cmd-{n}",
            )
            outcome = "ok"
        except ActionError as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=cast_one, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert outcomes.count("already_voted") == 49
    assert VoteCast.objects.filter(vote_id=vote).count() == 1
    assert Ballot.objects.filter(vote_id=vote).count() == 1


def test_the_minutes_state_the_room_votes_and_speeches_of_each_item(cast, hdnd):
    from meetings import minutes
    from meetings.models import SpeakerRequest

    vote = _open(cast.chair, hdnd)
    hdnd.refresh_from_db()
    for user in (cast.chair, cast.delegate):
        _ballots.do_cast(user, hdnd.pk, vote_id=vote, option="yes")
    _ballots.do_cast(cast.delegate2, hdnd.pk, vote_id=vote, option="no")
    _votes.do_close(cast.chair, hdnd.pk, vote_id=vote)
    secret = _open(cast.chair, hdnd, kind="secret", question="Bầu Trưởng ban")
    _ballots.do_cast(cast.delegate, hdnd.pk, vote_id=secret, option="yes")
    _votes.do_close(cast.chair, hdnd.pk, vote_id=secret)
    _floor.do_speaker_request(cast.delegate2, hdnd.pk)
    request = SpeakerRequest.objects.get(meeting=hdnd, user=cast.delegate2)
    command("speaker.grant", cast.chair, hdnd.pk, {"request": request.pk})
    _floor.do_speaker_end(cast.chair, hdnd.pk)

    rec = minutes.room_records(hdnd)[hdnd.current_item_id]
    assert [v.question for v in rec.votes] == ["Thông qua Đề án", "Bầu Trưởng ban"]
    open_vote, secret_vote = rec.votes
    assert open_vote.counts[0] == ("Tán thành", 2) and open_vote.passed is True
    assert set(open_vote.names["Tán thành"]) == {"Nguyễn Thái Hưng", "Cầm Văn Đông"}
    assert open_vote.names["Không tán thành"] == ["Quàng Thị Ánh"]
    assert secret_vote.secret and secret_vote.names == {} and secret_vote.cast == 1
    assert [s.name for s in rec.speakers] == ["Quàng Thị Ánh"]
    assert rec.speakers[0].started_at and rec.speakers[0].ended_at
