"""The floor queue in the question segment: the chair calls a delegate who
asked to speak in the room; the request leaves the room's queue through the
meetings action (event ``speakers``) and a live question starts in the
segment (event ``question.segment``)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from meetings.actions import floor
from meetings.actions.room import do_goto
from meetings.room_models import SpeakerRequest, SpeakerStatus
from nghisu.errors import ActionError
from oversight import actions
from oversight.models import Outcome, Phase, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(cast, segment):
    do_goto(cast.chair, segment.meeting_id, item_id=segment.agenda_item_id)
    return floor.do_speaker_request(cast.delegate2, segment.meeting_id)["request"]


def test_the_chair_calls_a_delegate_from_the_floor_queue(
    cast,
    agencies,
    segment,
    asked,
    capture_events,
):
    capture_events.clear()
    actions.call_from_floor(
        cast.chair,
        segment,
        request_id=asked,
        official=agencies.health_official,
        text="Hỏi thêm về thuốc bảo hiểm y tế ở trạm y tế xã.",
    )
    assert capture_events.types() == ["speakers", "question.segment"]
    speakers, called = capture_events.events
    assert speakers.payload["speakers"] == []  # off the room's queue
    snap = called.payload["segment"]
    assert snap["phase"] == Phase.ASKING and called.payload["op"] == "call"
    assert snap["current"]["asker"] == str(cast.delegate2)
    assert snap["current"]["official"] == "Bạc Cầm Yên"
    assert snap["current"]["text"] == "Hỏi thêm về thuốc bảo hiểm y tế ở trạm y tế xã."
    assert speakers.payload["seq"] < called.payload["seq"]
    question = Question.objects.get(pk=snap["current"]["id"])
    assert question.live and question.segment_id == segment.pk
    assert question.asker == cast.delegate2 and question.asked_at
    assert question.outcome == Outcome.PENDING
    req = SpeakerRequest.objects.get(pk=asked)
    # Done without a speech of its own: the minutes list the question once.
    assert req.status == SpeakerStatus.DONE and req.started_at is None
    assert AuditEvent.objects.filter(action="room.speaker_take").exists()
    actions.start_answer(cast.chair, segment)
    actions.finish_question(cast.chair, segment)
    question.refresh_from_db()
    assert question.outcome == Outcome.HALL
    assert question.answered_by == agencies.health_director


def test_the_default_text_and_refusals_change_nothing(
    cast,
    agencies,
    segment,
    asked,
    capture_events,
):
    with pytest.raises(ActionError) as info:
        actions.call_from_floor(
            cast.delegate, segment, request_id=asked, official=agencies.health_official
        )
    assert info.value.code == "forbidden"
    actions.call_question(cast.chair, segment)  # a registered question runs
    capture_events.clear()
    with pytest.raises(ActionError) as info:
        actions.call_from_floor(
            cast.chair, segment, request_id=asked, official=agencies.health_official
        )
    assert info.value.code == "busy"
    # The speaker request stays in the queue: the whole action rolled back.
    assert SpeakerRequest.objects.get(pk=asked).status == SpeakerStatus.WAITING
    assert capture_events.events == []
    actions.skip_question(cast.chair, segment)
    actions.call_from_floor(
        cast.chair, segment, request_id=asked, official=agencies.education_official
    )
    question = Question.objects.get(asker=cast.delegate2, live=True)
    assert question.text == "Câu hỏi tại hội trường"
    actions.skip_question(cast.chair, segment)
    with pytest.raises(ActionError) as info:  # taken already
        actions.call_from_floor(
            cast.chair, segment, request_id=asked, official=agencies.health_official
        )
    assert info.value.code == "not_found"


def test_the_chair_panel_has_the_floor_queue_and_the_control_view(
    cast,
    agencies,
    segment,
    asked,
):
    chair = Client()
    chair.force_login(cast.chair)
    page = chair.get(reverse("room:page", args=[segment.meeting_id]))
    assert "data-qseg-speakers" in page.text and "Bạc Cầm Yên" in page.text
    url = reverse("oversight:segment_control", args=[segment.pk, "floor"])
    refused = chair.post(url, {"request": asked, "official": ""})
    assert refused.status_code == 422 and refused.json()["message"]
    called = chair.post(
        url, {"request": asked, "official": agencies.health_official.pk, "text": ""}
    )
    assert called.status_code == 200 and called.json()["phase"] == "asking"
    delegate = Client()
    delegate.force_login(cast.delegate)
    page = delegate.get(reverse("room:page", args=[segment.meeting_id]))
    assert "data-qseg-speakers" not in page.text
