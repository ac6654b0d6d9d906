"""The law on quorum and decisions (accounts.rules), run through the actions.

Law on the Organisation of Local Government: a session or meeting is held only
with at least two thirds of all members present; a decision needs more than
half of **all** members in favour (two thirds where set); in a UBND, when the
numbers for and against are equal, the side the Chairman voted decides; an
HĐND has no casting vote.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts import actions as accounts
from accounts.models import AuditEvent, BodyKind, Position
from documents.pdf import record
from meetings import actions, room
from meetings import counting_record as _counting_record
from meetings.actions import ballots as _ballots
from meetings.actions import floor as _floor
from meetings.actions import room as _room_actions
from meetings.actions import votes as _votes
from meetings.models import Attendance, MeetingKind, MeetingStatus, Participant
from nghisu.errors import ActionError
from tests.meetings.commands import command

START = datetime.date(2021, 7, 1)


@dataclass
class Session:
    meeting: object
    members: list  # members[0] is the chair
    secretary: object


def _session(cast, kind: str, n: int, *, present: int | None = None) -> Session:
    """A published meeting of a new body of ``n`` members, ``present`` of
    them checked in (all by default), not started."""
    body = accounts.create_body(
        cast.province, kind=kind, name=f"{kind} {n} {timezone.now().timestamp()}"
    )
    secretary = accounts.create_user(
        f"vp-{body.pk}", full_name="Lò Văn Phòng", password=None
    )
    accounts.add_membership(
        body, secretary, position=Position.SECRETARY, start_date=START
    )
    members = []
    for i in range(n):
        user = accounts.create_user(
            f"tv-{body.pk}-{i:02d}", full_name=f"Thành viên {i:02d}", password=None
        )
        position = Position.CHAIR if i == 0 else Position.MEMBER
        accounts.add_membership(body, user, position=position, start_date=START)
        members.append(user)
    begin = timezone.now() - datetime.timedelta(minutes=5)
    meeting = actions.create_meeting(
        secretary,
        body=body,
        title="Phiên họp",
        kind=MeetingKind.HDND_REGULAR
        if kind == BodyKind.HDND
        else MeetingKind.SESSION_REGULAR,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=3),
        place="Phòng họp",
    )
    actions.add_item(secretary, meeting, title="Nội dung")
    actions.invite_members(secretary, meeting)
    actions.publish_meeting(secretary, meeting)
    seats = {p.user_id: p for p in Participant.objects.filter(meeting=meeting)}
    for user in members[: n if present is None else present]:
        actions.check_in(secretary, seats[user.pk])
    meeting.refresh_from_db()
    return Session(meeting=meeting, members=members, secretary=secretary)


def _start(s: Session) -> None:
    actions.start_meeting(s.members[0], s.meeting)
    _room_actions.do_goto(s.members[0], s.meeting.pk, direction="next")


def _vote(s: Session, choices: list[str | None], **fields) -> dict:
    """Open a vote, cast ``choices`` (one per member, chair first; None: does
    not vote), close it and return the result."""
    chair = s.members[0]
    data = {"question": "Thông qua", **fields}
    vote_id = command("vote.open", chair, s.meeting.pk, data)["vote"]
    for user, choice in zip(s.members, choices, strict=False):
        if choice is not None:
            _ballots.do_cast(user, s.meeting.pk, vote_id=vote_id, option=choice)
    return _votes.do_close(chair, s.meeting.pk, vote_id=vote_id)["result"]


def _choices(n: int, *, chair: str | None, yes: int, no: int, abstain: int) -> list:
    """``n`` choices, the chair's first; ``yes``/``no``/``abstain`` include
    the chair's; the rest do not vote."""
    rest = {"yes": yes, "no": no, "abstain": abstain}
    if chair is not None:
        rest[chair] -= 1
    out = [chair]
    for option in ("yes", "no", "abstain"):
        out += [option] * rest[option]
    return out + [None] * (n - len(out))


H, U = BodyKind.HDND, BodyKind.UBND
CASES = [
    # kind, n, chair, yes, no, abstain, secret, threshold -> passed, tie, tie_break
    (H, 7, "yes", 4, 3, 0, False, "majority", True, False, None),  # floor(N/2)+1
    (H, 7, "yes", 3, 0, 4, False, "majority", False, False, None),  # floor(N/2)
    (H, 7, "yes", 3, 3, 1, False, "majority", False, True, None),  # no casting vote
    (H, 7, "yes", 5, 2, 0, False, "two_thirds", True, False, None),  # ceil(2N/3)
    (H, 7, "yes", 4, 0, 0, False, "two_thirds", False, False, None),
    (H, 6, "yes", 3, 3, 0, False, "majority", False, True, None),  # HĐND tie fails
    (H, 6, "yes", 4, 0, 2, True, "majority", True, False, None),
    (U, 12, "yes", 6, 6, 0, False, "majority", True, True, "chair_in_favour"),
    (U, 12, "no", 6, 6, 0, False, "majority", False, True, "chair_against"),
    (U, 12, "yes", 6, 5, 1, False, "majority", False, False, None),  # not a tie
    (U, 12, "yes", 6, 0, 6, False, "majority", False, False, None),  # abstaining
    (U, 12, "yes", 6, 0, 0, False, "majority", False, False, None),  # not voting
    # a tie short of half the members: the chair's side cannot make a majority
    (U, 12, "yes", 5, 5, 2, False, "majority", False, True, None),
    (U, 12, "yes", 5, 5, 0, False, "majority", False, True, None),
    (U, 12, "yes", 7, 5, 0, False, "majority", True, False, None),
    (U, 12, "yes", 6, 6, 0, True, "majority", False, True, "secret"),
    (U, 12, "yes", 8, 4, 0, False, "two_thirds", True, False, None),
    (U, 12, "yes", 6, 6, 0, False, "two_thirds", False, True, None),
    (U, 11, "yes", 5, 5, 1, False, "majority", False, True, None),
    (U, 11, "yes", 6, 0, 0, False, "majority", True, False, None),
    (U, 11, "yes", 5, 0, 0, False, "majority", False, False, None),
]


@pytest.mark.parametrize(
    (
        "kind",
        "n",
        "chair",
        "yes",
        "no",
        "abstain",
        "secret",
        "threshold",
        "passed",
        "tie",
        "tie_break",
    ),
    CASES,
)
def test_the_decision_follows_the_law(
    cast, kind, n, chair, yes, no, abstain, secret, threshold, passed, tie, tie_break
):
    s = _session(cast, kind, n)
    _start(s)
    result = _vote(
        s,
        _choices(n, chair=chair, yes=yes, no=no, abstain=abstain),
        kind="secret" if secret else "open",
        threshold=threshold,
    )
    required = n // 2 + 1 if threshold == "majority" else -(-2 * n // 3)
    assert result["members"] == n
    assert result["required"] == required
    assert result["counts"] == {"yes": yes, "no": no, "abstain": abstain}
    assert (result["passed"], result["tie"], result["tie_break"]) == (
        passed,
        tie,
        tie_break,
    )
    assert (result["present"], result["quorum"]) == (n, -(-2 * n // 3))


def test_the_tie_rule_ignores_a_tie_in_a_two_thirds_vote_it_cannot_reach():
    """Pure rule: equal numbers can never reach the share (sum ≤ N)."""
    from accounts import rules
    from accounts.models import Body

    ubnd = Body(kind=BodyKind.UBND)
    d = rules.decide(ubnd, members=12, in_favour=6, against=6, chair=rules.CHAIR_FOR)
    assert d.passed and d.tie_break == "chair_in_favour"
    d = rules.decide(ubnd, members=12, in_favour=6, against=5, chair=rules.CHAIR_FOR)
    assert not d.passed and not d.tie
    # a two-thirds matter, or a tie short of half the members: no casting side
    d = rules.decide(
        ubnd,
        members=12,
        in_favour=6,
        against=6,
        threshold="two_thirds",
        chair=rules.CHAIR_FOR,
    )
    assert not d.passed and d.tie and d.tie_break is None
    d = rules.decide(ubnd, members=11, in_favour=5, against=5, chair=rules.CHAIR_FOR)
    assert not d.passed and d.tie and d.tie_break is None
    hdnd = Body(kind=BodyKind.HDND)
    d = rules.decide(hdnd, members=12, in_favour=6, against=6, chair=rules.CHAIR_FOR)
    assert not d.passed and d.tie and d.tie_break is None
    assert [rules.share_of(n, "majority") for n in (1, 2, 3, 56)] == [1, 2, 2, 29]
    assert [rules.share_of(n, "two_thirds") for n in (1, 2, 3, 56)] == [1, 2, 2, 38]


def test_the_rules_are_data_on_the_body_an_administrator_may_override(cast):
    s = _session(cast, BodyKind.HDND, 6)
    body = s.meeting.body
    body.chair_decides_tie = True  # an override by the administrator
    body.save()
    _start(s)
    s.meeting.refresh_from_db()
    result = _vote(s, _choices(6, chair="yes", yes=3, no=3, abstain=0))
    assert (result["passed"], result["tie_break"]) == (True, "chair_in_favour")


# --- quorum -------------------------------------------------------------------------


def test_an_hdnd_session_does_not_start_below_quorum(cast, capture_events):
    s = _session(cast, BodyKind.HDND, 56, present=37)
    capture_events.clear()
    with pytest.raises(ActionError) as err:
        actions.start_meeting(s.members[0], s.meeting)
    assert err.value.code == "no_quorum"
    assert "Có mặt 37/56, cần 38" in err.value.message
    s.meeting.refresh_from_db()
    assert s.meeting.status == MeetingStatus.PUBLISHED
    assert "meeting.status" not in capture_events.types()
    seat = Participant.objects.get(meeting=s.meeting, user=s.members[37])
    actions.check_in(s.secretary, seat)
    actions.start_meeting(s.members[0], s.meeting)
    assert capture_events.of_type("meeting.status")[-1].payload["status"] == (
        "in_progress"
    )


def test_nobody_present_cannot_start(cast):
    s = _session(cast, BodyKind.UBND, 5, present=0)
    with pytest.raises(ActionError) as err:
        actions.start_meeting(s.secretary, s.meeting)
    assert "Có mặt 0/5, cần 4" in err.value.message


def test_a_vote_does_not_open_below_quorum(cast):
    s = _session(cast, BodyKind.UBND, 12, present=8)
    _start(s)
    seat = Participant.objects.get(meeting=s.meeting, user=s.members[7])
    actions.mark_absent(s.secretary, seat, reason="Về cơ quan giải quyết việc gấp")
    with pytest.raises(ActionError) as err:
        command("vote.open", s.members[0], s.meeting.pk, {"question": "Thông qua"})
    assert err.value.code == "no_quorum"
    assert "Có mặt 7/12, cần 8" in err.value.message
    state = room.room_state(s.members[0], room.access_room(s.members[0], s.meeting.pk))
    assert state["quorum"] == {"members": 12, "required": 8, "present": 7}


def test_the_counting_record_states_the_quorum_and_the_secretary(cast):
    s = _session(cast, BodyKind.UBND, 12, present=9)
    _start(s)
    _vote(s, _choices(12, chair="yes", yes=4, no=4, abstain=1))
    vote = s.meeting.votes.get()
    assert (vote.members, vote.present_at_open, vote.quorum_required) == (12, 9, 8)
    spec = _counting_record.counting_record_spec(vote)
    text = " ".join(record.spec_text(spec))
    assert "có mặt 9/12 thành viên" in text and "cần có mặt để tiến hành họp: 8" in text
    assert "Biểu quyết ngang nhau (4 tán thành, 4 không tán thành)" in text
    # 4 of 12 in favour: the chair's side cannot carry a tie short of half
    assert "KHÔNG THÔNG QUA" in text
    assert spec["signatures"][0]["name"] == "Lò Văn Phòng"


def test_an_equal_secret_ballot_is_recorded_as_such(cast):
    s = _session(cast, BodyKind.UBND, 4)
    _start(s)
    _vote(s, _choices(4, chair="yes", yes=2, no=2, abstain=0), kind="secret")
    text = " ".join(
        record.spec_text(_counting_record.counting_record_spec(s.meeting.votes.get()))
    )
    assert "bỏ phiếu kín nên không xác định được ý kiến của Chủ tịch" in text
    assert "KHÔNG THÔNG QUA" in text


# --- membership is the truth --------------------------------------------------------


def test_a_former_member_loses_the_seat_and_the_vote_at_once(cast, capture_events):
    s = _session(cast, BodyKind.UBND, 12)
    _start(s)
    leaver = s.members[11]
    membership = leaver.memberships.get(body=s.meeting.body)
    accounts.end_membership(membership, actor=cast.admin)
    assert not Participant.objects.filter(meeting=s.meeting, user=leaver).exists()
    assert AuditEvent.objects.filter(action="membership.end").exists()
    assert AuditEvent.objects.filter(
        action="meeting.remove_participant", detail__reason="membership_ended"
    ).exists()
    removed = capture_events.of_type("participants.changed")
    assert removed and removed[-1].payload["op"] == "removed"
    vote_id = command(
        "vote.open", s.members[0], s.meeting.pk, {"question": "Thông qua"}
    )["vote"]
    with pytest.raises(ActionError) as err:
        _ballots.do_cast(leaver, s.meeting.pk, vote_id=vote_id, option="yes")
    assert err.value.code == "no_voting_right"
    for user in s.members[:11]:
        _ballots.do_cast(user, s.meeting.pk, vote_id=vote_id, option="yes")
    result = _votes.do_close(s.members[0], s.meeting.pk, vote_id=vote_id)["result"]
    assert result["members"] == 11 and result["issued"] == 11
    assert result["in_favour"] == 11


def test_an_end_date_that_passed_takes_the_vote_even_before_the_scheduler(cast):
    from accounts.models import Membership
    from work import actions as work_actions

    s = _session(cast, BodyKind.UBND, 6)
    _start(s)
    leaver = s.members[5]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(user=leaver).update(end_date=yesterday)  # time passed
    vote_id = command(
        "vote.open", s.members[0], s.meeting.pk, {"question": "Thông qua"}
    )["vote"]
    with pytest.raises(ActionError) as err:
        _ballots.do_cast(leaver, s.meeting.pk, vote_id=vote_id, option="yes")
    assert err.value.code == "no_voting_right"
    assert Participant.objects.filter(meeting=s.meeting, user=leaver).exists()
    work_actions.run_due_jobs()
    assert not Participant.objects.filter(meeting=s.meeting, user=leaver).exists()
    assert not s.meeting.body.group.user_set.filter(pk=leaver.pk).exists()


def test_the_admin_adds_and_ends_memberships_audited(client, cast):
    s = _session(cast, BodyKind.UBND, 4)
    client.force_login(cast.admin)
    newcomer = accounts.create_user("moi", full_name="Người Mới", password=None)
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": newcomer.pk,
            "body": s.meeting.body.pk,
            "position": Position.MEMBER,
            "start_date": "01/07/2021",
            "end_date": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="membership.add").exists()
    leaver = s.members[3]
    membership = leaver.memberships.get(body=s.meeting.body)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {
            "user": leaver.pk,
            "body": s.meeting.body.pk,
            "position": Position.MEMBER,
            "start_date": "01/07/2021",
            "end_date": yesterday.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="membership.update").exists()
    assert not Participant.objects.filter(meeting=s.meeting, user=leaver).exists()


# --- one path to close; records that add up ------------------------------------------


def test_closing_from_the_page_follows_the_rooms_rules(client, cast, capture_events):
    from django.urls import reverse

    from meetings.room_models import RoomState, SpeakerRequest, SpeakerStatus

    s = _session(cast, BodyKind.UBND, 6, present=5)
    _start(s)
    chair = s.members[0]
    _floor.do_speaker_request(s.members[1], s.meeting.pk)
    vote_id = command("vote.open", chair, s.meeting.pk, {"question": "Thông qua"})[
        "vote"
    ]
    client.force_login(chair)
    url = reverse("meetings:transition", args=[s.meeting.pk, "close"])
    client.post(url, HTTP_HX_REQUEST="true")
    s.meeting.refresh_from_db()
    assert s.meeting.status == MeetingStatus.IN_PROGRESS  # refused: a vote is open
    _votes.do_close(chair, s.meeting.pk, vote_id=vote_id)
    capture_events.clear()
    client.post(url, HTTP_HX_REQUEST="true")
    s.meeting.refresh_from_db()
    assert s.meeting.status == MeetingStatus.CLOSED
    assert not SpeakerRequest.objects.filter(
        meeting=s.meeting, status__in=[SpeakerStatus.WAITING, SpeakerStatus.SPEAKING]
    ).exists()
    state = RoomState.objects.filter(pk=s.meeting.pk).first()
    assert state is None or state.document_id is None
    absent = Participant.objects.get(meeting=s.meeting, user=s.members[5])
    assert absent.attendance == Attendance.ABSENT
    types = capture_events.types()
    assert types[-1] == "meeting.status"
    changed = capture_events.of_type("participants.changed")[-1].payload
    assert changed["op"] == "attendance" and absent.pk in changed["participants"]
    assert all(e.audience == "room" for e in capture_events.of_type("meeting.status"))


def test_no_ballot_in_a_closed_meeting(cast):
    from meetings.room_models import Vote, VoteStatus

    s = _session(cast, BodyKind.UBND, 4)
    _start(s)
    vote_id = command(
        "vote.open", s.members[0], s.meeting.pk, {"question": "Thông qua"}
    )["vote"]
    # A meeting closed around an open vote (as the page did before).
    type(s.meeting).objects.filter(pk=s.meeting.pk).update(status=MeetingStatus.CLOSED)
    with pytest.raises(ActionError) as err:
        _ballots.do_cast(s.members[1], s.meeting.pk, vote_id=vote_id, option="yes")
    assert err.value.code == "bad_status"
    assert Vote.objects.get(pk=vote_id).status == VoteStatus.OPEN


def test_minutes_list_office_holders_in_their_role_and_add_up(cast):
    from meetings import minutes as builder

    s = _session(cast, BodyKind.UBND, 6, present=5)
    _start(s)
    _vote(s, _choices(6, chair="yes", yes=4, no=1, abstain=0))
    actions.close_meeting(s.members[0], s.meeting)
    minutes = actions.start_minutes(s.secretary, s.meeting)
    spec = builder.build_spec(s.meeting, minutes)
    text = " ".join(record.spec_text(spec))
    rows = Participant.objects.filter(meeting=s.meeting).count()
    assert f"Có mặt ({rows - 1} người)" in text  # the secretary attends as such
    assert "Vắng mặt (1 người)" in text
    assert "Lò Văn Phòng" in text.split("Vắng mặt")[0]
    absent_part = text.split("Vắng mặt (1 người)")[1].split("III.")[0]
    assert "Lò Văn Phòng" not in absent_part
    assert "Khi mở biểu quyết có mặt 5/6 thành viên (cần 4)" in text


def test_the_body_admin_inline_adds_and_ends_memberships_through_the_actions(
    client, cast
):
    from accounts.models import Membership

    s = _session(cast, BodyKind.UBND, 3)
    body = s.meeting.body
    client.force_login(cast.admin)
    rows = list(
        Membership.objects.filter(body=body).order_by("position", "start_date", "id")
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    leaver = s.members[2]
    newcomer = accounts.create_user("moi2", full_name="Người Mới", password=None)
    data = {
        "unit": body.unit_id,
        "kind": body.kind,
        "name": body.name,
        "short_name": "",
        "parent": "",
        "member_count_override": "",
        "allows_delegation": "",
        "quorum_rule": "",
        "passing_rule": "",
        "chair_decides_tie": "unknown",
        "memberships-TOTAL_FORMS": str(len(rows) + 1),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for n, m in enumerate(rows):
        data |= {
            f"memberships-{n}-id": m.pk,
            f"memberships-{n}-body": body.pk,
            f"memberships-{n}-user": m.user_id,
            f"memberships-{n}-position": m.position,
            f"memberships-{n}-start_date": m.start_date.strftime("%d/%m/%Y"),
            f"memberships-{n}-end_date": yesterday.strftime("%d/%m/%Y")
            if m.user_id == leaver.pk
            else "",
        }
    n = len(rows)
    data |= {
        f"memberships-{n}-body": body.pk,
        f"memberships-{n}-user": newcomer.pk,
        f"memberships-{n}-position": Position.MEMBER,
        f"memberships-{n}-start_date": "01/07/2021",
        f"memberships-{n}-end_date": "",
    }
    response = client.post(f"/admin/accounts/body/{body.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Membership.objects.filter(body=body, user=newcomer).exists()
    assert AuditEvent.objects.filter(action="membership.add").exists()
    assert AuditEvent.objects.filter(action="membership.update").exists()
    assert not Participant.objects.filter(meeting=s.meeting, user=leaver).exists()
