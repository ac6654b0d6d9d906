"""An agency's page for its administrators: the officials registered,
registering another (found by name), and ending one's term (the action hands
over what they owe)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from nghisu.errors import ActionError, NotFound
from nghisu.text import fold
from oversight import actions, queries
from oversight.views._common import date_field, done, perform, refused

#: How many people a name search lists.
FOUND_LIMIT = 10


@login_required
@require_GET
def agency_detail(request, agency_id: int):
    """The agency's officials; with ``?q=``, the people whose names match
    (without diacritics), to register one. Four queries with a search."""
    agency = queries.access_agency(request.user, agency_id)
    q = request.GET.get("q", "").strip()[:100]
    found = []
    if len(fold(q)) >= 2:
        current = [o.user_id for o in agency.seats if o.active]
        found = list(
            User.objects.filter(is_active=True, search_text__contains=fold(q))
            .exclude(pk__in=current)
            .order_by("sort_key", "username")[:FOUND_LIMIT]
        )
    return render(
        request,
        "oversight/agency_detail.html",
        {"agency": agency, "q": q, "found": found},
    )


@login_required
@require_POST
def official_register(request, agency_id: int):
    """Register the person chosen as answering for the agency."""
    agency = queries.access_agency(request.user, agency_id)
    to = reverse("oversight:agency_detail", args=[agency.pk])
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        user_id = None
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return refused(
            request,
            ActionError(_("Vui lòng chọn người cần đăng ký."), code="required"),
            to,
        )
    return perform(
        request,
        to,
        _("Đã đăng ký %(who)s trả lời cho %(agency)s.")
        % {"who": user, "agency": agency.name},
        actions.register_official,
        request.user,
        agency,
        user,
        title=request.POST.get("title", ""),
    )


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
