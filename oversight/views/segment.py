"""HTTP side of the live question segment: the snapshot (GET, with ETag) a
tablet fetches on connect and resync, and the chair's controls (POST, JSON),
each one action that publishes ``question.segment`` to the room."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meetings.queries import access_meeting
from nghisu.errors import ActionError, NotFound
from oversight import actions
from oversight.models import AgencyOfficial, Question, QuestionSegment
from oversight.snapshot import segment_snapshot
from oversight.views._common import date_field, int_or_none


def _segment(request, segment_id) -> QuestionSegment:
    segment = (
        QuestionSegment.objects.select_related("meeting").filter(pk=segment_id).first()
    )
    if segment is None:
        raise NotFound()
    access_meeting(request.user, segment.meeting_id)  # participants only, or 404
    return segment


@login_required
@require_GET
def segment_state(request, segment_id: int):
    """The segment's snapshot; ``304`` when the tablet's ETag is current."""
    segment = _segment(request, segment_id)
    etag = f'"qs-{segment.pk}-{segment.version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse(segment_snapshot(segment))
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _call(request, segment):
    question = None
    pk = int_or_none(request.POST.get("question"))
    if pk is not None:
        question = Question.objects.filter(pk=pk, meeting_id=segment.meeting_id).first()
        if question is None:
            raise ActionError(_("Câu hỏi không thuộc kỳ họp này."), code="invalid")
    return actions.call_question(request.user, segment, question=question)


def _call_floor(request, segment):
    official = AgencyOfficial.objects.filter(
        pk=int_or_none(request.POST.get("official")), active=True
    ).first()
    if official is None:
        raise ActionError(_("Hãy chọn người được chất vấn."), code="invalid")
    request_id = int_or_none(request.POST.get("request"))
    if request_id is None:
        raise ActionError(
            _("Không còn đăng ký phát biểu này trong danh sách."), code="not_found"
        )
    return actions.call_from_floor(
        request.user,
        segment,
        request_id=request_id,
        official=official,
        text=request.POST.get("text", ""),
    )


OPS = {
    "call": _call,
    "floor": _call_floor,
    "answer": lambda request, s: actions.start_answer(request.user, s),
    "followup": lambda request, s: actions.start_followup(request.user, s),
    "extend": lambda request, s: actions.extend_time(
        request.user, s, seconds=int_or_none(request.POST.get("seconds")) or 0
    ),
    "finish": lambda request, s: actions.finish_question(request.user, s),
    "skip": lambda request, s: actions.skip_question(request.user, s),
    "written": lambda request, s: actions.answer_in_writing(
        request.user, s, due=date_field(request, "due")
    ),
}


@login_required
@require_POST
def segment_control(request, segment_id: int, op: str):
    """One of the chair's controls; answers the new snapshot or the refusal."""
    segment = _segment(request, segment_id)
    handler = OPS.get(op)
    if handler is None:
        raise NotFound()
    try:
        segment = handler(request, segment)
    except ActionError as exc:
        status = 403 if exc.code == "forbidden" else 422
        return JsonResponse(exc.as_dict(), status=status)
    return JsonResponse(segment_snapshot(segment))
