"""The live question segment: the chair's steps, the times kept, the event
every tablet receives, the snapshot over HTTP with its ETag."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nghisu.errors import ActionError
from oversight import actions
from oversight.models import Outcome, Phase, QuestionSession
from tests.oversight.conftest import in_days

pytestmark = pytest.mark.django_db


def test_the_chair_runs_a_question_and_every_tablet_hears_it(
    cast, agencies, segment, capture_events
):
    capture_events.clear()
    actions.call_question(cast.chair, segment)
    [event] = capture_events.of_type("question.segment")
    assert event.kind == "room" and event.audience == "room" and event.payload["seq"]
    snap = event.payload["segment"]
    assert snap["phase"] == Phase.ASKING and snap["seconds"] == 45
    # In the order of the groups: by topic ("Trường học…" before "Y tế…").
    assert snap["current"]["asker"] == "Quàng Thị Ánh"
    assert snap["current"]["agency"] == "Sở Giáo dục và Đào tạo"
    started = datetime.datetime.fromisoformat(snap["started_at"])
    ends = datetime.datetime.fromisoformat(snap["ends_at"])
    assert (ends - started).total_seconds() == 45
    actions.start_answer(cast.chair, segment)
    actions.extend_time(cast.chair, segment, seconds=60)
    actions.start_followup(cast.chair, segment)
    actions.start_answer(cast.chair, segment)
    actions.finish_question(cast.chair, segment)
    question = segment.questions.order_by("order").first()
    assert (
        question.outcome == Outcome.HALL
        and question.answered_by == agencies.education_director
    )
    assert (
        question.asked_at <= question.answer_started_at <= question.followup_started_at
    )
    assert question.finished_at and question.extended_seconds == 60
    ops = [e.payload["op"] for e in capture_events.of_type("question.segment")]
    assert ops == ["call", "answer", "extend", "followup", "answer", "finish"]
    seqs = [e.payload["seq"] for e in capture_events.events]
    assert seqs == sorted(seqs)


def test_the_chair_sends_a_question_to_a_written_answer(cast, agencies, segment):
    actions.call_question(cast.chair, segment)
    with pytest.raises(ActionError) as info:
        actions.answer_in_writing(cast.chair, segment, due=in_days(-2))
    assert info.value.code == "deadline_past"
    actions.answer_in_writing(cast.chair, segment, due=in_days(30))
    question = segment.questions.order_by("order").first()
    assert question.outcome == Outcome.WRITTEN_DUE
    assert question.assignment.assignee_user == agencies.education_director
    segment.refresh_from_db()
    assert segment.phase == Phase.IDLE and segment.current is None


def test_steps_out_of_order_and_other_people_are_refused(cast, agencies, segment):
    with pytest.raises(ActionError) as info:
        actions.start_answer(cast.chair, segment)
    assert info.value.code == "idle"
    with pytest.raises(ActionError) as info:
        actions.call_question(cast.delegate, segment)
    assert info.value.code == "forbidden"
    actions.call_question(cast.chair, segment)
    with pytest.raises(ActionError) as info:
        actions.call_question(cast.chair, segment)
    assert info.value.code == "busy"
    with pytest.raises(ActionError) as info:
        actions.extend_time(cast.chair, segment, seconds=5000)
    assert info.value.code == "invalid"
    actions.skip_question(cast.chair, segment)
    actions.call_question(cast.chair, segment)
    actions.skip_question(cast.chair, segment)
    with pytest.raises(ActionError) as info:
        actions.call_question(cast.chair, segment)
    assert info.value.code == "empty"


def test_a_live_question_from_the_floor_joins_the_segment(
    cast, agencies, segment, capture_events
):
    QuestionSession.objects.filter(meeting=segment.meeting).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    live = actions.submit_question(
        cast.delegate2,
        segment.meeting,
        agency=agencies.health,
        topic="Phát sinh tại kỳ họp",
        text="Hỏi thêm về bảo hiểm y tế.",
    )
    [event] = capture_events.of_type("question.segment")
    assert event.payload["op"] == "floor"
    assert [q["id"] for q in event.payload["segment"]["floor"]] == [live.pk]
    actions.call_question(cast.chair, segment, question=live)
    live.refresh_from_db()
    assert live.segment_id == segment.pk and live.live and live.asked_at


def test_the_snapshot_over_http_with_etag_and_the_controls(cast, segment):
    url = reverse("oversight:segment_state", args=[segment.pk])
    delegate = Client()
    delegate.force_login(cast.delegate)
    first = delegate.get(url)
    assert first.status_code == 200 and first.json()["phase"] == "idle"
    etag = first["ETag"]
    assert delegate.get(url, headers={"If-None-Match": etag}).status_code == 304
    refused = delegate.post(
        reverse("oversight:segment_control", args=[segment.pk, "call"])
    )
    assert refused.status_code == 403 and refused.json()["message"]
    chair = Client()
    chair.force_login(cast.chair)
    called = chair.post(reverse("oversight:segment_control", args=[segment.pk, "call"]))
    assert called.status_code == 200 and called.json()["phase"] == "asking"
    fresh = delegate.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json()["current"]["topic"]
    outsider = Client()
    outsider.force_login(cast.outsider)
    assert outsider.get(url).status_code == 404


def test_the_room_page_shows_the_panel_with_controls_for_the_chair(cast, segment):
    chair = Client()
    chair.force_login(cast.chair)
    page = chair.get(reverse("room:page", args=[segment.meeting_id]))
    assert page.status_code == 200
    assert "data-qseg" in page.text and 'data-qseg-op="call"' in page.text
    delegate = Client()
    delegate.force_login(cast.delegate)
    page = delegate.get(reverse("room:page", args=[segment.meeting_id]))
    assert "data-qseg" in page.text and 'data-qseg-op="call"' not in page.text
