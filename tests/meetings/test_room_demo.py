"""seed_demo's room part: prepared votes in the running UBND meeting, once."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone

from tests.realtime.rooms import reach_quorum


def test_the_running_ubnd_meeting_gets_two_prepared_votes_once(cast, make_document):
    from accounts import actions as account_actions
    from accounts.models import Position
    from meetings import actions
    from meetings.demo import RUNNING
    from meetings.models import MeetingKind, Vote
    from meetings.room_demo import demo
    from meetings.room_models import RoomState

    office = account_actions.create_user(
        "vanphong", full_name="Văn phòng", password=None
    )
    account_actions.add_membership(
        cast.ubnd,
        office,
        position=Position.SECRETARY,
        start_date=datetime.date(2021, 7, 1),
    )
    begin = timezone.now() - datetime.timedelta(hours=1)
    meeting = actions.create_meeting(
        office,
        body=cast.ubnd,
        title=RUNNING,
        kind=MeetingKind.SESSION_REGULAR,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=4),
        place="Phòng họp số 1",
    )
    for title in ("Kế hoạch triển khai chuyển đổi số năm 2026", "Các vấn đề phát sinh"):
        item = actions.add_item(office, meeting, title=title)
        if title.startswith("Kế hoạch"):
            plan = make_document(office, body=cast.ubnd, title=title, pages=2)
            actions.attach_documents(office, item, [plan])
    actions.invite_members(office, meeting)
    actions.publish_meeting(office, meeting)
    reach_quorum(office, meeting)
    actions.start_meeting(cast.ubnd_chair, meeting)
    bodies = {"ubnd": cast.ubnd}
    demo.seed(bodies, stdout=io.StringIO())
    demo.seed(bodies, stdout=io.StringIO())
    votes = list(Vote.objects.filter(meeting=meeting).order_by("id"))
    assert [(v.kind, v.status) for v in votes] == [
        ("open", "draft"),
        ("secret", "draft"),
    ]
    assert all(v.item_id is not None for v in votes)
    # The plan's item is current and its page 1 is on every screen.
    state = RoomState.objects.get(meeting=meeting)
    assert (state.document_id, state.page) == (plan.pk, 1)
    meeting.refresh_from_db()
    assert meeting.current_item.title.startswith("Kế hoạch")
