"""Pages of questions: the session's list (send, settings, merge, schedule),
one question (answer in writing, publish)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nghisu.errors import ActionError, NotFound
from oversight import actions, queries
from oversight.models import Agency, AgencyOfficial, Outcome, Question, QuestionSession
from oversight.views._common import (
    date_field,
    datetime_field,
    ids,
    int_or_none,
    perform,
    refused,
)
from oversight.views._common import (
    in_unit as _in_unit,
)


def _list_url(meeting_id: int) -> str:
    return reverse("oversight:meeting_questions", args=[meeting_id])


@login_required
@require_GET
def meeting_questions(request, meeting_id: int):
    """The session's questions, grouped by topic and addressee; the forms a
    delegate and the Standing Committee use."""
    meeting = queries.questions_meeting(request.user, meeting_id)
    manage = meeting.viewer.manage
    rows = queries.meeting_questions(meeting)
    for q in rows:  # who else asked the same (merged into it)
        q.co_askers = [m.asker for m in rows if m.merged_into_id == q.pk]
    if not manage:
        rows = [q for q in rows if not q.merged_into_id]
    return render(
        request,
        "oversight/meeting_questions.html",
        {
            "meeting": meeting,
            "manage": manage,
            "session": QuestionSession.objects.filter(meeting=meeting).first(),
            "groups": queries.grouped(rows),
            "merged": [q for q in rows if q.merged_into_id],
            "agencies": Agency.objects.filter(_in_unit(meeting.body.unit)),
            "officials": AgencyOfficial.objects.filter(
                _in_unit(meeting.body.unit, "agency__"), active=True
            ).select_related("user", "agency"),
            "segments": meeting.question_segments.select_related("agenda_item"),
        },
    )


@login_required
@require_POST
def session_settings(request, meeting_id: int):
    meeting = queries.questions_meeting(request.user, meeting_id)
    to = _list_url(meeting.pk)
    return perform(
        request,
        to,
        _("Đã lưu hạn gửi và thời gian chất vấn."),
        actions.set_question_session,
        request.user,
        meeting,
        deadline=datetime_field(request, "deadline"),
        ask_seconds=int_or_none(request.POST.get("ask_seconds")) or 0,
        answer_seconds=int_or_none(request.POST.get("answer_seconds")) or 0,
        followup_seconds=int_or_none(request.POST.get("followup_seconds")) or 0,
    )


@login_required
@require_POST
def question_new(request, meeting_id: int):
    meeting = queries.questions_meeting(request.user, meeting_id)
    to = _list_url(meeting.pk)
    agency = Agency.objects.filter(
        _in_unit(meeting.body.unit), pk=int_or_none(request.POST.get("agency"))
    ).first()
    official = AgencyOfficial.objects.filter(
        pk=int_or_none(request.POST.get("official")), active=True
    ).first()
    if agency is None and official is not None:
        agency = official.agency
    if agency is None:
        return refused(
            request,
            ActionError(_("Hãy chọn cơ quan hoặc người được chất vấn.")),
            to,
        )
    return perform(
        request,
        to,
        _("Đã gửi câu hỏi chất vấn."),
        actions.submit_question,
        request.user,
        meeting,
        agency=agency,
        official=official,
        topic=request.POST.get("topic", ""),
        text=request.POST.get("text", ""),
        uploads=request.FILES.getlist("files"),
    )


def _meeting_question(meeting, pk) -> Question:
    question = Question.objects.filter(meeting=meeting, pk=pk).first()
    if question is None:
        raise NotFound()
    return question


@login_required
@require_POST
def question_merge(request, meeting_id: int):
    meeting = queries.questions_meeting(request.user, meeting_id)
    to = _list_url(meeting.pk)
    chosen = ids(request, "questions")
    rows = list(
        Question.objects.filter(meeting=meeting, pk__in=chosen).select_related(
            "meeting__body"
        )
    )
    keep = next(
        (q for q in rows if q.pk == int_or_none(request.POST.get("keep"))), None
    )
    if keep is None and rows:
        keep = min(rows, key=lambda q: q.created_at)
    if keep is None:
        return refused(
            request, ActionError(_("Hãy chọn ít nhất hai câu hỏi để gộp.")), to
        )
    return perform(
        request,
        to,
        _("Đã gộp các câu hỏi trùng nhau."),
        actions.merge_questions,
        request.user,
        keep,
        rows,
    )


@login_required
@require_POST
def segment_new(request, meeting_id: int):
    meeting = queries.questions_meeting(request.user, meeting_id)
    to = _list_url(meeting.pk)
    officials = list(
        AgencyOfficial.objects.filter(
            pk__in=ids(request, "officials"), active=True
        ).select_related("user", "agency")
    )
    chosen = ids(request, "questions")
    questions = list(Question.objects.filter(meeting=meeting, pk__in=chosen))
    return perform(
        request,
        to,
        _("Đã đưa phần chất vấn vào chương trình kỳ họp."),
        actions.schedule_segment,
        request.user,
        meeting,
        title=request.POST.get("title") or _("Chất vấn và trả lời chất vấn"),
        officials=officials,
        questions=questions,
        duration_minutes=int_or_none(request.POST.get("duration_minutes")),
    )


@login_required
@require_GET
def question_detail(request, question_id: int):
    question = queries.access_question(request.user, question_id)
    return render(
        request,
        "oversight/question_detail.html",
        {
            "q": question,
            "rights": question.rights,
            "can_answer": question.outcome == Outcome.WRITTEN_DUE
            and question.assignment_id
            and question.assignment.assignee_user_id == request.user.pk,
            "merged": list(question.merged.select_related("asker")),
            "documents": list(question.documents.all()),
        },
    )


def _detail_url(question) -> str:
    return reverse("oversight:question_detail", args=[question.pk])


@login_required
@require_POST
def question_written(request, question_id: int):
    """The Standing Committee sends a question to a written answer."""
    question = queries.access_question(request.user, question_id)
    return perform(
        request,
        _detail_url(question),
        _("Đã chuyển câu hỏi trả lời bằng văn bản."),
        actions.request_written_answer,
        request.user,
        question,
        due=date_field(request, "due"),
    )


@login_required
@require_POST
def question_answer(request, question_id: int):
    """The official sends the written answer."""
    question = queries.access_question(request.user, question_id)
    return perform(
        request,
        _detail_url(question),
        _("Đã gửi văn bản trả lời."),
        actions.submit_written_answer,
        request.user,
        question,
        text=request.POST.get("text", ""),
        upload=request.FILES.get("file"),
    )


@login_required
@require_POST
def question_public(request, question_id: int):
    question = queries.access_question(request.user, question_id)
    return perform(
        request,
        _detail_url(question),
        _("Đã cập nhật công khai câu trả lời."),
        actions.set_question_public,
        request.user,
        question,
        public=request.POST.get("public") == "1",
    )
