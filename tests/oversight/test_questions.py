"""Questions: who may send, deadlines, merging, the segment on the agenda,
written answers (an assignment: overdue like every task), publication."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from meetings.models import AgendaItem
from nghisu.errors import ActionError, NotFound
from oversight import actions, queries
from oversight.models import Outcome, Question, QuestionSession
from tests.oversight.conftest import in_days, start, upload
from work.models import AssignmentStatus, Notification, ScheduledRun

pytestmark = pytest.mark.django_db


def _refused(code: str, func, *args, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as info:
        func(*args, **kwargs)
    assert info.value.code == code and info.value.message
    return info.value


def _ask(cast, agencies, session, *, who=None, topic="Y tế cơ sở", **kw):
    return actions.submit_question(
        who or cast.delegate,
        session,
        agency=kw.pop("agency", agencies.health),
        topic=topic,
        text=kw.pop("text", "Vì sao trạm y tế xã thiếu thuốc thiết yếu?"),
        **kw,
    )


def test_a_delegate_sends_a_question_with_an_attachment(cast, agencies, session):
    question = _ask(
        cast,
        agencies,
        session,
        official=agencies.health_official,
        uploads=[upload("phan-anh.pdf")],
    )
    assert question.live is False and question.outcome == Outcome.PENDING
    doc = question.documents.get()
    from documents.queries import user_can

    # The official and the participants may read it; an outsider may not.
    assert user_can(agencies.health_director, doc, "view_document")
    assert user_can(cast.delegate2, doc, "view_document")
    assert not user_can(agencies.education_director, doc, "view_document")
    assert not user_can(cast.outsider, doc, "view_document")


def test_only_delegates_send_questions(cast, agencies, session):
    _refused("forbidden", _ask, cast, agencies, session, who=cast.outsider)
    _refused("forbidden", _ask, cast, agencies, session, who=agencies.health_director)


def test_bad_input_is_refused_and_nothing_is_stored(cast, agencies, session):
    _refused("required", _ask, cast, agencies, session, text="  ")
    _refused(
        "bad_official",
        _ask,
        cast,
        agencies,
        session,
        official=agencies.education_official,
    )
    assert not Question.objects.exists()


def test_after_the_deadline_only_live_questions_during_the_session(
    cast, agencies, session
):
    QuestionSession.objects.filter(meeting=session).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    error = _refused("deadline_passed", _ask, cast, agencies, session)
    assert "hết hạn" in error.message
    start(cast, session)
    question = _ask(cast, agencies, session)
    assert question.live is True


def test_no_questions_before_the_session_is_opened(cast, agencies, session):
    QuestionSession.objects.filter(meeting=session).delete()
    _refused("not_open", _ask, cast, agencies, session)


def test_the_standing_committee_merges_duplicates(cast, agencies, session):
    first = _ask(cast, agencies, session)
    second = _ask(cast, agencies, session, who=cast.delegate2)
    _refused("forbidden", actions.merge_questions, cast.delegate, first, [second])
    actions.merge_questions(cast.secretary, first, [second])
    second.refresh_from_db()
    assert second.merged_into == first and second.outcome == Outcome.MERGED
    _refused("invalid", actions.merge_questions, cast.secretary, first, [second])
    groups = queries.grouped(queries.meeting_questions(session))
    assert [len(g) for _label, g in groups] == [1]


def test_questions_are_grouped_by_topic_and_addressee(cast, agencies, session):
    _ask(cast, agencies, session, topic="Y tế cơ sở")
    _ask(cast, agencies, session, who=cast.delegate2, topic="y te co so")
    _ask(cast, agencies, session, agency=agencies.education, topic="Trường học")
    groups = queries.grouped(queries.meeting_questions(session))
    assert sorted(len(g) for _label, g in groups) == [1, 2]


def test_the_segment_goes_on_the_agenda_with_the_officials(
    cast, agencies, session, capture_events
):
    q1 = _ask(cast, agencies, session)
    q2 = _ask(cast, agencies, session, agency=agencies.education, topic="Trường học")
    _refused(
        "forbidden",
        actions.schedule_segment,
        cast.delegate,
        session,
        title="Chất vấn",
    )
    segment = actions.schedule_segment(
        cast.secretary,
        session,
        title="Chất vấn và trả lời chất vấn",
        officials=[agencies.health_official, agencies.education_official],
    )
    item = AgendaItem.objects.get(pk=segment.agenda_item_id)
    assert item.meeting == session and "Bạc Cầm Yên" in item.presenter_text
    assert set(segment.questions.values_list("pk", flat=True)) == {q1.pk, q2.pk}
    # Added through the agenda action: participants hear agenda.changed.
    assert "agenda.changed" in capture_events.types()


def test_written_answer_cycle_with_notifications(cast, agencies, session):
    question = _ask(cast, agencies, session)
    _refused(
        "forbidden",
        actions.request_written_answer,
        agencies.health_director,
        question,
        due=in_days(10),
    )
    _refused(
        "deadline_past",
        actions.request_written_answer,
        cast.secretary,
        question,
        due=in_days(-1),
    )
    actions.request_written_answer(cast.secretary, question, due=in_days(10))
    question.refresh_from_db()
    assert question.outcome == Outcome.WRITTEN_DUE
    assignment = question.assignment
    assert assignment.assignee_user == agencies.health_director
    # Another official (even of another agency) cannot answer it.
    _refused(
        "forbidden",
        actions.submit_written_answer,
        agencies.education_director,
        question,
        text="Trả lời",
    )
    _refused(
        "required", actions.submit_written_answer, agencies.health_director, question
    )
    actions.submit_written_answer(
        agencies.health_director,
        question,
        text="Sở đã bổ sung thuốc cho 12 trạm y tế.",
        upload=upload("tra-loi.pdf"),
    )
    question.refresh_from_db()
    assignment.refresh_from_db()
    assert question.outcome == Outcome.WRITTEN and question.answer_document
    assert assignment.status == AssignmentStatus.AWAITING
    told = set(
        Notification.objects.filter(kind="question.answered").values_list(
            "recipient_id", flat=True
        )
    )
    assert {cast.delegate.pk, cast.secretary.pk, cast.chair.pk} <= told
    from documents.queries import user_can

    assert user_can(cast.delegate, question.answer_document, "view_document")


def test_an_overdue_written_answer_is_marked_and_reminded(cast, agencies, session):
    from work.actions import mark_overdue_assignments

    question = _ask(cast, agencies, session)
    actions.request_written_answer(cast.secretary, question, due=in_days(1))
    question.refresh_from_db()
    assert not question.is_overdue
    later = in_days(3)
    assert mark_overdue_assignments(later) == 1
    assert mark_overdue_assignments(later) == 0  # once per deadline
    assert ScheduledRun.objects.filter(object_id=question.assignment_id).exists()
    reminded = Notification.objects.filter(kind="assignment.overdue")
    assert reminded.filter(recipient=agencies.health_director).exists()
    Question.objects.filter(pk=question.pk).update(answer_due=in_days(-1))
    question.refresh_from_db()
    assert question.is_overdue


def test_who_sees_a_question(cast, agencies, session):
    question = _ask(cast, agencies, session)
    assert queries.access_question(agencies.health_director, question.pk)
    assert queries.access_question(cast.delegate2, question.pk)  # a participant
    for user in (agencies.education_director, cast.outsider, cast.ubnd_member):
        with pytest.raises(NotFound):
            queries.access_question(user, question.pk)


def test_publication_needs_an_answer(cast, agencies, session):
    question = _ask(cast, agencies, session)
    _refused(
        "invalid", actions.set_question_public, cast.secretary, question, public=True
    )
    actions.request_written_answer(cast.secretary, question, due=in_days(5))
    question.refresh_from_db()
    actions.submit_written_answer(agencies.health_director, question, text="Đã xử lý.")
    question.refresh_from_db()
    actions.set_question_public(cast.secretary, question, public=True)
    _petitions, public = queries.public_answers("da xu ly")
    assert [q.pk for q in public] == [question.pk]


def test_an_answer_reported_first_on_the_task_page_is_still_taken(
    cast, agencies, session
):
    from work.actions import submit_done

    question = _ask(cast, agencies, session)
    actions.request_written_answer(cast.secretary, question, due=in_days(10))
    question.refresh_from_db()
    assert f"/oversight/questions/{question.pk}/" in question.assignment.description
    submit_done(agencies.health_director, question.assignment, text="Đã trả lời.")
    question.refresh_from_db()
    actions.submit_written_answer(
        agencies.health_director, question, text="Văn bản trả lời số 12/SYT."
    )
    question.refresh_from_db()
    assert question.outcome == Outcome.WRITTEN
    assert question.assignment.status == AssignmentStatus.AWAITING
