"""Pages of voters' petitions: registers, one petition, the import, forwarding,
answers; and the index of oversight with the public answers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.queries import get_body, managed_bodies
from meetings.models import Meeting
from meetings.queries import visible_meetings
from nghisu.errors import ActionError, NotFound
from oversight import actions, queries
from oversight.models import Agency, AgencyOfficial, Petition, PetitionStatus
from oversight.views._common import (
    date_field,
    done,
    ids,
    int_or_none,
    perform,
    refused,
)
from oversight.views._common import (
    in_unit as _in_unit,
)


@login_required
@require_GET
def index(request):
    """Where each person starts: a secretary's bodies and registers, a
    delegate's sessions and registers, an official's questions and petitions."""
    user = request.user
    meetings = list(
        visible_meetings(user)
        .filter(question_session__isnull=False)
        .select_related("body")
        .order_by("-starts_at")[:20]
    )
    agency_ids = queries.official_agency_ids(user)
    managed = managed_bodies(user)
    return render(
        request,
        "oversight/index.html",
        {
            "managed": managed,
            "administered": queries.managed_agencies(user, managed)
            if managed or user.is_superuser
            else [],
            "meetings": meetings,
            "periods": queries.periods_for(user),
            "official": bool(agency_ids),
            "agencies": Agency.objects.filter(pk__in=agency_ids),
            "my_questions": list(queries.official_questions(user)[:100])
            if agency_ids
            else [],
            "my_petitions": queries.official_petitions(user) if agency_ids else [],
        },
    )


@login_required
@require_GET
def public_answers(request):
    """Answers marked public: every signed-in user may read them."""
    query = request.GET.get("q", "")
    petitions, questions = queries.public_answers(query)
    return render(
        request,
        "oversight/public.html",
        {"petitions": petitions, "questions": questions, "q": query},
    )


def _period_url(period) -> str:
    return reverse("oversight:period_detail", args=[period.pk])


@login_required
@require_POST
def period_new(request, body_id: int):
    body = get_body(body_id)
    meeting = Meeting.objects.filter(
        pk=int_or_none(request.POST.get("meeting")), body=body
    ).first()
    try:
        period = actions.create_period(
            request.user, body, name=request.POST.get("name", ""), meeting=meeting
        )
    except ActionError as exc:
        if exc.code == "forbidden":
            raise NotFound() from None
        return refused(request, exc, reverse("oversight:index"))
    return done(request, _("Đã mở sổ kiến nghị cử tri."), _period_url(period))


def _period_page(request, period, *, status: int = 200, **extra):
    query = request.GET.get("q", "")
    wanted = request.GET.get("status", "")
    petitions = queries.period_petitions(period, query=query, status=wanted)
    return render(
        request,
        "oversight/period_detail.html",
        {
            "period": period,
            "petitions": petitions,
            "counts": queries.status_counts(
                queries.period_petitions(period) if (query or wanted) else petitions
            ),
            "statuses": PetitionStatus.choices,
            "q": query,
            "status": wanted,
            "agencies": Agency.objects.filter(_in_unit(period.body.unit)),
            "officials": AgencyOfficial.objects.filter(
                _in_unit(period.body.unit, "agency__"), active=True
            ).select_related("user", "agency"),
            **extra,
        },
        status=status,
    )


@login_required
@require_GET
def period_detail(request, period_id: int):
    """The register: petitions with their places, status counts, search."""
    period = queries.access_period(request.user, period_id)
    return _period_page(request, period)


@login_required
@require_POST
def petition_new(request, period_id: int):
    period = queries.access_period(request.user, period_id)
    agency = Agency.objects.filter(pk=int_or_none(request.POST.get("agency"))).first()
    row = {
        "text": request.POST.get("text", ""),
        "field": request.POST.get("field", ""),
        "agency": agency,
        "places": [
            actions.PlaceInput(
                request.POST.get("place", ""),
                date_field(request, "held_on"),
                request.POST.get("delegates", ""),
            )
        ],
    }
    return perform(
        request,
        _period_url(period),
        _("Đã thêm kiến nghị."),
        actions.create_petitions,
        request.user,
        period,
        [row],
    )


@login_required
@require_POST
def petition_import(request, period_id: int):
    """Import an Excel sheet; with bad rows, list them and import nothing
    unless "import the good rows" was ticked."""
    period = queries.access_period(request.user, period_id)
    upload = request.FILES.get("file")
    if upload is None:
        return refused(
            request, ActionError(_("Hãy chọn tệp Excel (.xlsx).")), _period_url(period)
        )
    try:
        result = actions.import_petitions(
            request.user,
            period,
            upload,
            import_good=request.POST.get("import_good") == "1",
        )
    except ActionError as exc:
        return refused(request, exc, _period_url(period))
    if result.created and result.errors:
        return done(
            request,
            _("Đã nhập %(n)s kiến nghị; bỏ qua %(m)s dòng lỗi.")
            % {"n": result.created, "m": len(result.errors)},
            _period_url(period),
        )
    if result.ok:
        return done(
            request,
            _("Đã nhập %(n)s kiến nghị.") % {"n": result.created},
            _period_url(period),
        )
    return _period_page(request, period, status=422, import_result=result)


def _period_petitions(request, period) -> list[Petition]:
    return list(
        Petition.objects.filter(period=period, pk__in=ids(request, "petitions"))
        .select_related("period__body", "agency")
        .order_by("number")
    )


@login_required
@require_POST
def petition_merge(request, period_id: int):
    period = queries.access_period(request.user, period_id)
    rows = _period_petitions(request, period)
    if not rows:
        return refused(
            request,
            ActionError(_("Hãy chọn ít nhất hai kiến nghị để gộp.")),
            _period_url(period),
        )
    return perform(
        request,
        _period_url(period),
        _("Đã gộp vào kiến nghị số %(n)s.") % {"n": rows[0].number},
        actions.merge_petitions,
        request.user,
        rows[0],
        rows[1:],
    )


@login_required
@require_POST
def petition_forward(request, period_id: int):
    period = queries.access_period(request.user, period_id)
    rows = _period_petitions(request, period)
    return perform(
        request,
        _period_url(period),
        _("Đã chuyển %(n)s kiến nghị đến cơ quan trả lời.") % {"n": len(rows)},
        actions.forward_petitions,
        request.user,
        rows,
        due=date_field(request, "due"),
    )


def _petition_url(petition) -> str:
    return reverse("oversight:petition_detail", args=[petition.pk])


@login_required
@require_GET
def petition_detail(request, petition_id: int):
    petition = queries.access_petition(request.user, petition_id)
    assignment = petition.assignment
    return render(
        request,
        "oversight/petition_detail.html",
        {
            "p": petition,
            "rights": petition.rights,
            "places": list(petition.places.all()),
            "merged": list(petition.merged.all()),
            "can_answer": assignment is not None
            and assignment.assignee_user_id == request.user.pk
            and petition.status in (PetitionStatus.FORWARDED, PetitionStatus.OVERDUE),
        },
    )


@login_required
@require_POST
def petition_answer(request, petition_id: int):
    petition = queries.access_petition(request.user, petition_id)
    return perform(
        request,
        _petition_url(petition),
        _("Đã gửi câu trả lời kiến nghị."),
        actions.answer_petition,
        request.user,
        petition,
        text=request.POST.get("text", ""),
        upload=request.FILES.get("file"),
    )


@login_required
@require_POST
def petition_resolve(request, petition_id: int):
    petition = queries.access_petition(request.user, petition_id)
    return perform(
        request,
        _petition_url(petition),
        _("Kiến nghị đã được giải quyết."),
        actions.resolve_petition,
        request.user,
        petition,
        text=request.POST.get("text", ""),
    )


@login_required
@require_POST
def petition_public(request, petition_id: int):
    petition = queries.access_petition(request.user, petition_id)
    return perform(
        request,
        _petition_url(petition),
        _("Đã cập nhật công khai câu trả lời."),
        actions.set_petition_public,
        request.user,
        petition,
        public=request.POST.get("public") == "1",
    )
