"""Answers in writing (trả lời bằng văn bản).

Marking a question for a written answer gives the agency's official a work
assignment (:func:`work.actions.create_assignment`) due on the date set: the
scheduler then marks it overdue and reminds the official and the Standing
Committee like every task. The official's upload closes their side of it
(:func:`work.actions.submit_done`) and notifies the asking delegate and the
Standing Committee.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from nghisu.errors import ActionError
from oversight.actions._common import (
    answering_official,
    clean,
    managers_of,
    officials_of,
    question_url,
    require_body_manager,
    store_uploads,
)
from oversight.models import Outcome, Question
from work.actions import create_assignment, notify, submit_done
from work.models import OWED_STATUSES


def request_written_answer(
    actor: User, question: Question, *, due: datetime.date
) -> Question:
    """Mark ``question`` to be answered in writing by ``due`` (not in the past).

    The body's chairs and secretaries only (they give the assignment). The
    question must be pending or skipped in the hall. Runs inside the caller's
    transaction when there is one. Audited as ``question.written``.
    """
    require_body_manager(actor, question.meeting.body)
    if not isinstance(due, datetime.date):
        raise ActionError(_("Vui lòng chọn hạn trả lời bằng văn bản."), code="required")
    if due < timezone.localdate():
        raise ActionError(
            _("Hạn trả lời bằng văn bản không được ở quá khứ."), code="deadline_past"
        )
    if question.outcome not in (Outcome.PENDING, Outcome.SKIPPED):
        raise ActionError(
            _("Câu hỏi này đã được trả lời hoặc đã chuyển trả lời bằng văn bản."),
            code="invalid",
        )
    official = answering_official(question.agency, question.official)
    meeting = question.meeting
    with transaction.atomic():
        assignment = create_assignment(
            actor,
            body=meeting.body,
            title=_("Trả lời chất vấn bằng văn bản: %(topic)s")
            % {"topic": question.topic},
            description=_(
                "Đại biểu %(asker)s chất vấn: %(text)s\n\nGửi văn bản trả lời tại "
                "trang câu hỏi: %(url)s"
            )
            % {
                "asker": question.asker,
                "text": question.text,
                "url": question_url(question),
            },
            deadline=due,
            assignee_user=official.user,
        )
        question.outcome = Outcome.WRITTEN_DUE
        question.answer_due = due
        question.assignment = assignment
        question.official = official
        question.finished_at = question.finished_at or (
            timezone.now() if question.asked_at else None
        )
        question.save(
            update_fields=[
                "outcome",
                "answer_due",
                "assignment",
                "official",
                "finished_at",
            ]
        )
        record_audit(
            actor,
            "question.written",
            question,
            due=due.isoformat(),
            official=official.pk,
            assignment=assignment.pk,
        )
    return question


def submit_written_answer(
    actor: User, question: Question, *, text: str = "", upload=None
) -> Question:
    """The official uploads the written answer (a signed PDF where they have
    one: the documents pipeline verifies its signature like any upload).

    Only the official the assignment went to; only while an answer is owed.
    A late answer is accepted and shown late. Notifies the asking delegate and
    the body's chairs and secretaries. Audited as ``question.answer``.
    """
    text = clean(text, limit=20000, label=_("nội dung trả lời"), required=False)
    if not text and not upload:
        raise ActionError(
            _("Hãy nhập nội dung trả lời hoặc tải lên văn bản trả lời."),
            code="required",
        )
    if question.outcome != Outcome.WRITTEN_DUE or question.assignment_id is None:
        raise ActionError(
            _("Câu hỏi này không chờ trả lời bằng văn bản."), code="invalid"
        )
    if question.assignment.assignee_user_id != actor.pk:
        raise ActionError(
            _("Chỉ người được giao trả lời câu hỏi này mới gửi được văn bản trả lời."),
            code="forbidden",
        )
    meeting = question.meeting
    managers = managers_of(meeting.body)
    with transaction.atomic():
        docs = store_uploads(
            actor,
            body=meeting.body,
            uploads=[upload] if upload else [],
            users=[
                question.asker,
                *managers,
                *(o.user for o in officials_of(question.agency)),
            ],
            groups=[meeting.participants_group],
        )
        now = timezone.now()
        question.answer_text = text
        question.answer_document = docs[0] if docs else None
        question.answered_at = now
        question.answered_by = actor
        question.outcome = Outcome.WRITTEN
        question.save(
            update_fields=[
                "answer_text",
                "answer_document",
                "answered_at",
                "answered_by",
                "outcome",
            ]
        )
        if question.assignment.status in OWED_STATUSES:  # not yet reported on
            submit_done(  # the task's own page
                actor,
                question.assignment,
                text=text or _("Đã gửi văn bản trả lời chất vấn."),
                documents=docs,
            )
        notify(
            [question.asker, *managers],
            kind="question.answered",
            title=_("Đã có trả lời chất vấn bằng văn bản: %(topic)s")
            % {"topic": question.topic},
            body=_("%(who)s đã gửi văn bản trả lời câu hỏi của đại biểu %(asker)s.")
            % {"who": actor, "asker": question.asker},
            url=question_url(question),
            email=True,
        )
        record_audit(
            actor,
            "question.answer",
            question,
            late=question.answer_due is not None
            and timezone.localtime(now).date() > question.answer_due,
            document=docs[0].pk if docs else None,
        )
    return question
