"""The reports' downloads: the body's chairs and secretaries only (404 else)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nghisu.errors import NotFound
from oversight import queries, reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _meeting(request, meeting_id):
    meeting = queries.questions_meeting(request.user, meeting_id)
    if not meeting.viewer.manage:
        raise NotFound()
    return meeting


def _period(request, period_id):
    period = queries.access_period(request.user, period_id)
    if not period.manage:
        raise NotFound()
    return period


@login_required
@require_GET
def questions_pdf(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    spec = reports.questions_spec(
        meeting, queries.meeting_questions(meeting), signer=str(request.user)
    )
    return _file(reports.pdf(spec), "application/pdf", f"chat-van-{meeting.pk}.pdf")


@login_required
@require_GET
def questions_xlsx(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    rows = reports.question_rows(queries.meeting_questions(meeting))
    data = reports.xlsx(
        _("Chất vấn và trả lời chất vấn"), reports.QUESTION_HEADERS, rows
    )
    return _file(data, XLSX, f"chat-van-{meeting.pk}.xlsx")


@login_required
@require_GET
def petitions_pdf(request, period_id: int):
    period = _period(request, period_id)
    spec = reports.petitions_spec(
        period, queries.period_petitions(period), signer=str(request.user)
    )
    return _file(reports.pdf(spec), "application/pdf", f"kien-nghi-{period.pk}.pdf")


@login_required
@require_GET
def petitions_xlsx(request, period_id: int):
    period = _period(request, period_id)
    rows = reports.petition_rows(queries.period_petitions(period))
    data = reports.xlsx(_("Kiến nghị cử tri"), reports.PETITION_HEADERS, rows)
    return _file(data, XLSX, f"kien-nghi-{period.pk}.xlsx")
