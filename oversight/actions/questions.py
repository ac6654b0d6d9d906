"""Questions to officials: the session's settings, sending, merging, the
segment on the agenda, written answers and publication.

A delegate (a participant of the meeting other than a guest, or a voting member
of its body) sends a question before the session's deadline, or live while the
meeting is in progress. The body's chairs and secretaries (the Standing
Committee) merge duplicates and put a question segment on the agenda through
:func:`meetings.actions.add_item`. A question answered in writing becomes a
work assignment to the official (so overdue answers are marked and reminded
by the scheduler like every task), closed when the official uploads the answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import VOTING_POSITIONS, User
from meetings import actions as meeting_actions
from meetings.models import Meeting, MeetingStatus, Role
from meetings.queries import viewer_for
from nghisu.errors import ActionError
from oversight import queries
from oversight.actions._common import (
    clean,
    managers_of,
    officials_of,
    require_body_manager,
    store_uploads,
)
from oversight.actions.segment import publish_floor
from oversight.models import (
    Agency,
    AgencyOfficial,
    Outcome,
    Question,
    QuestionSegment,
    QuestionSession,
)

CLOSED = (MeetingStatus.CLOSED, MeetingStatus.ARCHIVED)


def _seconds(value: int, label: str) -> int:
    if not isinstance(value, int) or not 10 <= value <= 3600:
        raise ActionError(
            _("%(label)s phải từ 10 đến 3600 giây.") % {"label": label},
            code="invalid",
        )
    return value


def set_question_session(
    actor: User,
    meeting: Meeting,
    *,
    deadline: datetime.datetime,
    ask_seconds: int = 60,
    answer_seconds: int = 180,
    followup_seconds: int = 60,
) -> QuestionSession:
    """Open (or change) the meeting's questions: deadline and time limits.

    The body's chairs and secretaries only; not on a closed meeting.
    """
    require_body_manager(actor, meeting.body)
    if meeting.status in CLOSED:
        raise ActionError(_("Cuộc họp đã kết thúc."), code="closed")
    if not isinstance(deadline, datetime.datetime):
        raise ActionError(_("Vui lòng chọn hạn gửi câu hỏi."), code="required")
    values = {
        "deadline": deadline,
        "ask_seconds": _seconds(ask_seconds, _("Thời gian nêu câu hỏi")),
        "answer_seconds": _seconds(answer_seconds, _("Thời gian trả lời")),
        "followup_seconds": _seconds(followup_seconds, _("Thời gian hỏi lại")),
    }
    with transaction.atomic():
        session, _created = QuestionSession.objects.update_or_create(
            meeting=meeting, defaults=values
        )
        record_audit(
            actor,
            "question.session",
            meeting,
            deadline=deadline.isoformat(),
            ask=ask_seconds,
            answer=answer_seconds,
        )
    return session


def _require_delegate(actor: User, meeting: Meeting) -> None:
    viewer = viewer_for(actor, meeting)
    participant = viewer.participant
    delegate = participant is not None and participant.role != Role.GUEST
    if not (delegate or viewer.positions & set(VOTING_POSITIONS)):
        raise ActionError(
            _("Chỉ đại biểu dự kỳ họp mới được gửi câu hỏi chất vấn."),
            code="forbidden",
        )


def submit_question(
    actor: User,
    meeting: Meeting,
    *,
    agency: Agency,
    topic: str,
    text: str,
    official: AgencyOfficial | None = None,
    uploads: Sequence = (),
) -> Question:
    """Send a question to ``agency`` (or one of its officials).

    Before the session's deadline it joins the list the Standing Committee
    groups; after it, only while the meeting is in progress (a live question).
    Attachments go through the documents upload path and are granted to the
    meeting's participants, the body's managers and the agency's officials.
    Audited as ``question.submit``.
    """
    _require_delegate(actor, meeting)
    topic = clean(topic, limit=200, label=_("nhóm vấn đề"))
    text = clean(text, limit=5000, label=_("nội dung câu hỏi"))
    session = QuestionSession.objects.filter(meeting=meeting).first()
    if session is None:
        raise ActionError(_("Kỳ họp chưa mở nhận câu hỏi chất vấn."), code="not_open")
    if meeting.status in CLOSED:
        raise ActionError(_("Kỳ họp đã kết thúc."), code="closed")
    live = timezone.now() > session.deadline
    if live and meeting.status != MeetingStatus.IN_PROGRESS:
        raise ActionError(
            _(
                "Đã hết hạn gửi câu hỏi chất vấn (%(deadline)s); câu hỏi mới chỉ "
                "được gửi trong khi kỳ họp đang diễn ra."
            )
            % {
                "deadline": timezone.localtime(session.deadline).strftime(
                    "%H:%M %d/%m/%Y"
                )
            },
            code="deadline_passed",
        )
    if official is not None and (
        official.agency_id != agency.pk or not official.active
    ):
        raise ActionError(
            _("Người được chất vấn không thuộc %(agency)s.") % {"agency": agency.name},
            code="bad_official",
        )
    with transaction.atomic():
        question = Question.objects.create(
            meeting=meeting,
            asker=actor,
            agency=agency,
            official=official,
            topic=topic,
            text=text,
            live=live,
        )
        docs = store_uploads(
            actor,
            body=meeting.body,
            uploads=uploads,
            users=[o.user for o in officials_of(agency)] + managers_of(meeting.body),
            groups=[meeting.participants_group],
        )
        if docs:
            question.documents.set(docs)
        if live:
            publish_floor(meeting.pk)
        record_audit(
            actor,
            "question.submit",
            question,
            meeting=meeting.pk,
            agency=agency.pk,
            live=live,
            documents=[d.pk for d in docs],
        )
    return question


def merge_questions(
    actor: User, keep: Question, others: Sequence[Question]
) -> Question:
    """Merge duplicate questions into ``keep`` (the Standing Committee).

    All must be of the same meeting and not yet answered; the merged ones are
    kept (who asked, when) with outcome "merged" and point to ``keep``; what
    was merged into them follows. Audited as ``question.merge``.
    """
    require_body_manager(actor, keep.meeting.body)
    others = [q for q in others if q.pk != keep.pk]
    if not others:
        raise ActionError(_("Hãy chọn ít nhất hai câu hỏi để gộp."), code="invalid")
    with transaction.atomic():
        ids = [keep.pk, *(q.pk for q in others)]
        rows = {
            q.pk: q for q in Question.objects.select_for_update().filter(pk__in=ids)
        }
        if len(rows) != len(ids) or any(
            q.meeting_id != keep.meeting_id for q in rows.values()
        ):
            raise ActionError(
                _("Chỉ gộp được các câu hỏi của cùng một kỳ họp."), code="invalid"
            )
        if any(q.outcome != Outcome.PENDING for q in rows.values()):
            raise ActionError(
                _("Chỉ gộp được các câu hỏi chưa được trả lời hoặc chưa gộp."),
                code="invalid",
            )
        other_ids = [q.pk for q in others]
        Question.objects.filter(merged_into_id__in=other_ids).update(merged_into=keep)
        Question.objects.filter(pk__in=other_ids).update(
            merged_into=keep, outcome=Outcome.MERGED, segment=None
        )
        record_audit(actor, "question.merge", keep, merged=other_ids)
    keep.refresh_from_db()
    return keep


def schedule_segment(
    actor: User,
    meeting: Meeting,
    *,
    title: str,
    officials: Sequence[AgencyOfficial] = (),
    questions: Sequence[Question] = (),
    duration_minutes: int | None = None,
) -> QuestionSegment:
    """Put a question segment on the agenda: an agenda item added through
    :func:`meetings.actions.add_item` (same rights, same events), linked to a
    :class:`QuestionSegment` with the officials to be questioned and the
    questions in order (all open questions of the meeting when none are
    given: grouped by topic and addressee). Audited as ``question.segment``.
    """
    require_body_manager(actor, meeting.body)
    officials = list(officials)
    names = "; ".join(str(o) for o in officials)
    with transaction.atomic():
        item = meeting_actions.add_item(
            actor,
            meeting,
            title=title,
            description=_("Phần chất vấn và trả lời chất vấn."),
            presenter_text=names[:300],
            duration_minutes=duration_minutes,
        )
        segment = QuestionSegment.objects.create(meeting=meeting, agenda_item=item)
        if officials:
            segment.officials.set(officials)
        chosen = list(questions) or [
            q
            for _label, group in queries.grouped(queries.meeting_questions(meeting))
            for q in group
            if q.outcome == Outcome.PENDING and q.segment_id is None
        ]
        for n, question in enumerate(chosen, start=1):
            if question.meeting_id != meeting.pk or question.merged_into_id:
                raise ActionError(
                    _("Câu hỏi không thuộc kỳ họp này hoặc đã được gộp."),
                    code="invalid",
                )
            Question.objects.filter(pk=question.pk).update(segment=segment, order=n)
        record_audit(
            actor,
            "question.segment",
            segment,
            item=item.pk,
            officials=[o.pk for o in officials],
            questions=[q.pk for q in chosen],
        )
    return segment


def set_public(actor: User, question: Question, *, public: bool) -> Question:
    """Mark an answered question's answer public (listed on the public page)."""
    require_body_manager(actor, question.meeting.body)
    if public and question.outcome not in (Outcome.HALL, Outcome.WRITTEN):
        raise ActionError(
            _("Câu hỏi chưa được trả lời nên chưa thể công khai."), code="invalid"
        )
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(public=public)
        record_audit(actor, "question.public", question, public=public)
    question.public = public
    return question
