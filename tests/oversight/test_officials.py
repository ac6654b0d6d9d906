"""Ending an official's term: audited; what they owe goes to a colleague of
the agency (through work's reassignment) or to the Standing Committee; the
former official sees nothing of the agency any more."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.actions import create_user
from accounts.models import AuditEvent
from documents.queries import user_can
from nghisu.errors import ActionError
from oversight import actions, queries
from oversight.models import AgencyOfficial, Outcome, Question
from tests.oversight.conftest import in_days, upload
from work.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(cast, agencies, session, period):
    """A question owed in writing and a forwarded petition, both with the
    health director."""
    question = actions.submit_question(
        cast.delegate,
        session,
        agency=agencies.health,
        topic="Y tế cơ sở",
        text="Vì sao trạm y tế xã thiếu thuốc?",
        uploads=[upload("phan-anh.pdf")],
    )
    actions.request_written_answer(cast.secretary, question, due=in_days(20))
    pending = actions.submit_question(
        cast.delegate2,
        session,
        agency=agencies.health,
        topic="Bảo hiểm y tế",
        text="Thẻ bảo hiểm y tế cấp chậm?",
        official=agencies.health_official,
    )
    [petition] = actions.create_petitions(
        cast.secretary,
        period,
        [
            {
                "text": "Nâng cấp trạm y tế xã Chiềng Mung",
                "field": "Y tế",
                "agency": agencies.health,
                "places": [actions.PlaceInput("Xã Chiềng Mung")],
            }
        ],
    )
    actions.forward_petitions(cast.secretary, [petition], due=in_days(15))
    question.refresh_from_db()
    petition.refresh_from_db()
    return question, pending, petition


def _detail(user, name, pk) -> int:
    client = Client()
    client.force_login(user)
    return client.get(reverse(f"oversight:{name}", args=[pk])).status_code


def test_ending_a_term_hands_the_owed_answers_to_a_colleague(cast, agencies, owed):
    question, pending, petition = owed
    deputy = create_user("phogiamdoc", full_name="Lò Thị Phó", password=None)
    colleague = actions.register_official(
        cast.admin, agencies.health, deputy, title="Phó Giám đốc Sở Y tế"
    )
    assert _detail(agencies.health_director, "question_detail", question.pk) == 200
    result = actions.end_official(cast.admin, agencies.health_official)
    assert result == {
        "reassigned_to": colleague.pk,
        "questions": [question.pk],
        "petitions": [petition.pk],
    }
    official = AgencyOfficial.objects.get(pk=agencies.health_official.pk)
    assert not official.active and official.ended_on == datetime.date.today()
    question.refresh_from_db()
    petition.refresh_from_db()
    pending.refresh_from_db()
    assert question.assignment.assignee_user == deputy
    assert question.official == colleague and pending.official == colleague
    assert petition.assignment.assignee_user == deputy
    assert (
        Notification.objects.filter(
            recipient=deputy, kind="assignment.assigned"
        ).count()
        == 2
    )
    assert AuditEvent.objects.filter(action="agency.official_end").count() == 1
    assert AuditEvent.objects.filter(action="assignment.reassign").count() == 2
    # The former official sees nothing of the agency any more.
    director = agencies.health_director
    assert _detail(director, "question_detail", question.pk) == 404
    assert _detail(director, "petition_detail", petition.pk) == 404
    assert not queries.official_questions(director).exists()
    [attached] = question.documents.all()
    assert not user_can(director, attached, "view_document")
    assert user_can(deputy, attached, "view_document")
    assert _detail(deputy, "question_detail", question.pk) == 200
    # The new official answers in writing.
    answered = actions.submit_written_answer(
        deputy, question, text="Sở đã bổ sung thuốc cho các trạm y tế xã."
    )
    assert answered.outcome == Outcome.WRITTEN


def test_with_no_colleague_the_standing_committee_is_told(cast, agencies, owed):
    question, pending, petition = owed
    actions.end_official(cast.secretary, agencies.health_official)
    question.refresh_from_db()
    pending.refresh_from_db()
    assert question.assignment.assignee_user == agencies.health_director  # as was
    assert pending.official is None  # the agency answers, when one is registered
    flagged = Notification.objects.filter(kind="oversight.official_ended")
    assert {n.recipient for n in flagged} == {cast.chair, cast.secretary}
    assert "2 câu hỏi, kiến nghị" in flagged.first().body


def test_refusals_change_nothing(cast, agencies, owed):
    official = agencies.health_official
    for who, kwargs, code in (
        (cast.delegate, {}, "forbidden"),
        (cast.admin, {"ended_on": in_days(3)}, "future"),
    ):
        with pytest.raises(ActionError) as info:
            actions.end_official(who, official, **kwargs)
        assert info.value.code == code and info.value.message
    official.refresh_from_db()
    assert official.active and official.ended_on is None
    actions.end_official(cast.admin, official, ended_on=in_days(-1))
    with pytest.raises(ActionError) as info:
        actions.end_official(cast.admin, official)
    assert info.value.code == "already_ended"
    assert Question.objects.filter(official=official).count() == 1  # the owed one


def test_the_admin_ends_a_term_through_the_action(cast, agencies):
    cast.admin.is_staff = True
    cast.admin.save()
    client = Client()
    client.force_login(cast.admin)
    response = client.post(
        "/admin/oversight/agencyofficial/",
        {
            "action": "end_terms",
            "_selected_action": [agencies.health_official.pk],
        },
    )
    assert response.status_code == 302
    agencies.health_official.refresh_from_db()
    assert not agencies.health_official.active
    assert AuditEvent.objects.filter(action="agency.official_end").exists()


def test_the_agency_page_ends_a_term_for_its_administrators(cast, agencies, owed):
    url = reverse("oversight:agency_detail", args=[agencies.health.pk])
    end = reverse(
        "oversight:official_end",
        args=[agencies.health.pk, agencies.health_official.pk],
    )
    for outsider in (cast.delegate, agencies.health_director):
        client = Client()
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(end, {"ended_on": ""}).status_code == 404
    secretary = Client()
    secretary.force_login(cast.secretary)
    page = secretary.get(url)
    assert page.status_code == 200 and "Bạc Cầm Yên" in page.text
    assert "Kết thúc đảm nhiệm" in page.text
    bad = secretary.post(end, {"ended_on": "31/02/2026"}, follow=True)
    assert "Vui lòng chọn ngày thôi đảm nhiệm." in bad.text
    agencies.health_official.refresh_from_db()
    assert agencies.health_official.active
    ended = secretary.post(end, {"ended_on": in_days(0).isoformat()}, follow=True)
    assert "Thường trực đã được báo (2 câu hỏi, kiến nghị đang chờ)" in ended.text
    agencies.health_official.refresh_from_db()
    assert not agencies.health_official.active
    assert agencies.health.get_absolute_url() == url
