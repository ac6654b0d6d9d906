"""An agency's page for its administrators: the officials registered, and
ending one's term (the action hands over what they owe)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nghisu.errors import ActionError, NotFound
from oversight import actions, queries
from oversight.views._common import date_field, done, refused


@login_required
@require_GET
def agency_detail(request, agency_id: int):
    agency = queries.access_agency(request.user, agency_id)
    return render(request, "oversight/agency_detail.html", {"agency": agency})


@login_required
@require_POST
def official_end(request, agency_id: int, official_id: int):
    """End the term of one of the agency's officials on the date given."""
    agency = queries.access_agency(request.user, agency_id)
    official = next((o for o in agency.seats if o.pk == official_id), None)
    if official is None:
        raise NotFound()
    to = reverse("oversight:agency_detail", args=[agency.pk])
    ended_on = date_field(request, "ended_on")
    if request.POST.get("ended_on") and ended_on is None:
        return refused(
            request,
            ActionError(_("Vui lòng chọn ngày thôi đảm nhiệm."), code="required"),
            to,
        )
    try:
        result = actions.end_official(request.user, official, ended_on=ended_on)
    except ActionError as exc:
        return refused(request, exc, to)
    owed = len(result["questions"]) + len(result["petitions"])
    if result["reassigned_to"] is not None:
        text = _(
            "Đã kết thúc đảm nhiệm của %(who)s; %(n)s câu hỏi, kiến nghị đã "
            "chuyển cho người trả lời khác của cơ quan."
        )
    else:
        text = _(
            "Đã kết thúc đảm nhiệm của %(who)s; cơ quan không còn người trả lời "
            "nào khác: Thường trực đã được báo (%(n)s câu hỏi, kiến nghị đang chờ)."
        )
    return done(request, text % {"who": official.user, "n": owed}, to)
