"""The question segment in the live room: call, ask, answer, follow up,
extend, finish, skip, or send to a written answer.

Each change locks the segment row, bumps its ``version`` (the snapshot's ETag)
and publishes ``question.segment`` with the whole snapshot through
:func:`meetings.events.publish` (after commit, with the room's ``seq``), so a
tablet that missed one is repaired by the next, by ``room.sync`` or by
fetching the snapshot. Timers travel as server timestamps (the phase's start
and end); tablets count down locally. The meeting's presiding chair and the
body's chairs and secretaries run it, while the meeting is in progress.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import User
from meetings import events
from meetings.actions import floor
from meetings.models import MeetingStatus
from meetings.queries import viewer_for
from nghisu.errors import ActionError
from oversight.actions._common import clean, officials_of
from oversight.actions.written import request_written_answer
from oversight.models import (
    AgencyOfficial,
    Outcome,
    Phase,
    Question,
    QuestionSegment,
    QuestionSession,
)
from oversight.snapshot import segment_snapshot

EVENT = "question.segment"


def _lock(segment: QuestionSegment | int) -> QuestionSegment:
    pk = segment if isinstance(segment, int) else segment.pk
    return (
        QuestionSegment.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__body")
        .get(pk=pk)
    )


def _require_chair(actor: User, segment: QuestionSegment) -> None:
    viewer = viewer_for(actor, segment.meeting)
    if not (viewer.manage or viewer.preside):
        raise ActionError(
            _("Chỉ chủ tọa hoặc thư ký kỳ họp mới điều hành phần chất vấn."),
            code="forbidden",
        )
    if segment.meeting.status != MeetingStatus.IN_PROGRESS:
        raise ActionError(_("Kỳ họp chưa khai mạc hoặc đã bế mạc."), code="bad_status")


def _session(segment: QuestionSegment) -> QuestionSession:
    return QuestionSession.objects.filter(meeting_id=segment.meeting_id).first() or (
        QuestionSession(meeting_id=segment.meeting_id, deadline=timezone.now())
    )


def _current(segment: QuestionSegment) -> Question:
    if segment.current_id is None or segment.phase == Phase.IDLE:
        raise ActionError(_("Chưa gọi câu hỏi nào."), code="idle")
    return (
        Question.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__body", "agency", "official", "asker")
        .get(pk=segment.current_id)
    )


def _answerer(segment: QuestionSegment, question: Question):
    named = segment.officials.filter(agency_id=question.agency_id, active=True)
    return named.first() or next(iter(officials_of(question.agency_id)), None)


def _phase(segment: QuestionSegment, phase: str, seconds: int) -> None:
    segment.phase = phase
    segment.phase_started_at = timezone.now()
    segment.phase_seconds = seconds


def _publish(actor: User, segment: QuestionSegment, op: str, **detail) -> None:
    segment.version += 1
    segment.save(
        update_fields=[
            "current",
            "phase",
            "phase_started_at",
            "phase_seconds",
            "version",
        ]
    )
    record_audit(actor, f"question.segment.{op}", segment, **detail)
    events.publish(
        segment.meeting_id,
        {"type": EVENT, "op": op, "segment": segment_snapshot(segment)},
    )


def publish_floor(meeting_id: int) -> None:
    """A live question was sent: every segment of the meeting publishes its
    snapshot (the chair's floor list). Call inside the sender's transaction."""
    for segment in QuestionSegment.objects.select_for_update().filter(
        meeting_id=meeting_id
    ):
        segment.version += 1
        segment.save(update_fields=["version"])
        events.publish(
            meeting_id,
            {"type": EVENT, "op": "floor", "segment": segment_snapshot(segment)},
        )


def call_question(
    actor: User, segment: QuestionSegment, *, question: Question | None = None
) -> QuestionSegment:
    """Call the next delegate: ``question`` (a live one from the floor joins
    the segment) or the next pending one in order. The question time starts."""
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        if segment.phase != Phase.IDLE:
            raise ActionError(
                _("Hãy kết thúc câu hỏi đang chất vấn trước khi gọi câu hỏi khác."),
                code="busy",
            )
        pending = Question.objects.filter(
            meeting_id=segment.meeting_id,
            outcome=Outcome.PENDING,
            merged_into__isnull=True,
        )
        if question is not None:
            chosen = pending.filter(pk=question.pk).first()
            if chosen is None:
                raise ActionError(
                    _("Câu hỏi không thuộc kỳ họp hoặc đã được xử lý."),
                    code="invalid",
                )
            if chosen.segment_id != segment.pk:
                chosen.segment = segment
                chosen.order = _next_order(segment)
        else:
            chosen = pending.filter(segment=segment).order_by("order", "id").first()
            if chosen is None:
                raise ActionError(
                    _("Không còn câu hỏi nào trong danh sách."), code="empty"
                )
        _start(actor, segment, chosen)
    return segment


def _start(actor: User, segment: QuestionSegment, chosen: Question, **detail) -> None:
    chosen.asked_at = timezone.now()
    if chosen.official_id is None:  # who answers: the segment's official of
        chosen.official = _answerer(segment, chosen)  # the agency, or its first
    chosen.save(update_fields=["segment", "order", "asked_at", "official"])
    segment.current = chosen
    _phase(segment, Phase.ASKING, _session(segment).ask_seconds)
    _publish(actor, segment, "call", question=chosen.pk, **detail)


def _next_order(segment: QuestionSegment) -> int:
    last = segment.questions.order_by("-order").first()
    return (last.order if last else 0) + 1


FLOOR_TEXT_LIMIT = 4000


def call_from_floor(
    actor: User,
    segment: QuestionSegment,
    *,
    request_id: int,
    official: AgencyOfficial,
    text: str = "",
) -> QuestionSegment:
    """Call a delegate who asked to speak in the room (the floor queue) to
    question ``official``: the request leaves the room's queue through
    :func:`meetings.actions.floor.do_speaker_take` (event ``speakers``), a
    live question is created in the segment (``text`` typed by the secretary,
    or "Câu hỏi tại hội trường") and its question time starts (event
    ``question.segment``, op ``call``). Locks the segment, then the meeting.
    """
    text = clean(text, limit=FLOOR_TEXT_LIMIT, label=_("Câu hỏi"), required=False)
    with transaction.atomic():
        # The segment first, then the meeting and the room's seq (inside
        # do_speaker_take): segment before seq as in every segment action,
        # and no path locks a segment after the meeting.
        segment = _lock(segment)
        _require_chair(actor, segment)
        if segment.phase != Phase.IDLE:
            raise ActionError(
                _("Hãy kết thúc câu hỏi đang chất vấn trước khi gọi câu hỏi khác."),
                code="busy",
            )
        official = (
            AgencyOfficial.objects.select_related("agency", "user")
            .filter(
                pk=official.pk,
                active=True,
                agency__unit_id=segment.meeting.body.unit_id,
            )
            .first()
        )
        if official is None:
            raise ActionError(
                _("Người được chất vấn không còn đảm nhiệm chức vụ."),
                code="bad_official",
            )
        taken = floor.do_speaker_take(
            actor, segment.meeting_id, request_id=request_id, purpose="question"
        )
        question = Question.objects.create(
            meeting_id=segment.meeting_id,
            asker_id=taken["user"],
            agency=official.agency,
            official=official,
            topic=_("Câu hỏi tại hội trường"),
            text=text or _("Câu hỏi tại hội trường"),
            live=True,
            segment=segment,
            order=_next_order(segment),
        )
        _start(actor, segment, question, request=taken["request"])
    return segment


def start_answer(actor: User, segment: QuestionSegment) -> QuestionSegment:
    """The official answers: the answer time starts (after the question or
    after a follow-up)."""
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        question = _current(segment)
        if segment.phase not in (Phase.ASKING, Phase.FOLLOWUP):
            raise ActionError(_("Người được chất vấn đang trả lời."), code="invalid")
        if question.answer_started_at is None:
            question.answer_started_at = timezone.now()
            question.save(update_fields=["answer_started_at"])
        _phase(segment, Phase.ANSWERING, _session(segment).answer_seconds)
        _publish(actor, segment, "answer", question=question.pk)
    return segment


def start_followup(actor: User, segment: QuestionSegment) -> QuestionSegment:
    """The delegate follows up (hỏi lại, tranh luận) after the answer."""
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        question = _current(segment)
        if segment.phase != Phase.ANSWERING:
            raise ActionError(
                _("Chỉ hỏi lại sau khi người được chất vấn đã trả lời."),
                code="invalid",
            )
        if question.followup_started_at is None:
            question.followup_started_at = timezone.now()
            question.save(update_fields=["followup_started_at"])
        _phase(segment, Phase.FOLLOWUP, _session(segment).followup_seconds)
        _publish(actor, segment, "followup", question=question.pk)
    return segment


def extend_time(
    actor: User, segment: QuestionSegment, *, seconds: int
) -> QuestionSegment:
    """Give the current speaker more time (10 to 600 seconds at once)."""
    if not isinstance(seconds, int) or not 10 <= seconds <= 600:
        raise ActionError(
            _("Thời gian gia hạn phải từ 10 đến 600 giây."), code="invalid"
        )
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        question = _current(segment)
        segment.phase_seconds += seconds
        question.extended_seconds += seconds
        question.save(update_fields=["extended_seconds"])
        _publish(actor, segment, "extend", question=question.pk, seconds=seconds)
    return segment


def _close(actor: User, segment: QuestionSegment, op: str, outcome: str, **kw):
    question = _current(segment)
    now = timezone.now()
    question.finished_at = now
    fields = ["finished_at"]
    if outcome == Outcome.HALL:
        question.outcome = Outcome.HALL
        question.answered_at = now
        question.answered_by = question.official.user if question.official_id else None
        fields += ["outcome", "answered_at", "answered_by"]
    elif outcome == Outcome.SKIPPED:
        question.outcome = Outcome.SKIPPED
        fields.append("outcome")
    question.save(update_fields=fields)
    if outcome == Outcome.WRITTEN_DUE:
        request_written_answer(actor, question, due=kw["due"])
    segment.current = None
    _phase(segment, Phase.IDLE, 0)
    segment.phase_started_at = None
    _publish(actor, segment, op, question=question.pk)


def finish_question(actor: User, segment: QuestionSegment) -> QuestionSegment:
    """The question is answered in the hall; the times are kept."""
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        _close(actor, segment, "finish", Outcome.HALL)
    return segment


def skip_question(actor: User, segment: QuestionSegment) -> QuestionSegment:
    """Skip the current question (not answered in the hall)."""
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        _close(actor, segment, "skip", Outcome.SKIPPED)
    return segment


def answer_in_writing(
    actor: User, segment: QuestionSegment, *, due: datetime.date
) -> QuestionSegment:
    """The chair sends the current question to a written answer due ``due``."""
    with transaction.atomic():
        segment = _lock(segment)
        _require_chair(actor, segment)
        _close(actor, segment, "written", Outcome.WRITTEN_DUE, due=due)
    return segment
