"""Pages of work between meetings: notifications, consultations, assignments,
the dashboard. Thin views: parse → access → action → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.queries import get_body
from nghisu.errors import ActionError, NotFound
from nghisu.files import send_file
from submissions.once import create_once, replayed
from work import actions, dashboard, queries, reports
from work.forms import (
    AnswerForm,
    AssignmentForm,
    ConsultationForm,
    ReportForm,
    ReviewForm,
)
from work.models import AssignmentStatus, Notification

PAGE_SIZE = 30


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _status(exc: ActionError) -> int:
    return {"forbidden": 403, "already_closed": 409, "closed": 409}.get(exc.code, 422)


# --- notifications ------------------------------------------------------------------
@login_required
def notification_list(request):
    """The user's notifications, newest first, unread highlighted."""
    qs = Notification.objects.filter(recipient=request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = queries.unread_count(request.user)
    return render(
        request, "work/notification_list.html", {"page": page, "unread": unread}
    )


@login_required
@require_POST
def notification_open(request, notification_id: int):
    """Mark one notification read and go to what it is about."""
    notification = actions.mark_read(request.user, notification_id)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(url)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request):
    actions.mark_all_read(request.user)
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """Which kinds of notification also arrive by e-mail."""
    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        actions.set_email_preferences(
            request.user, {kind: kind in wanted for kind in actions.EMAIL_KINDS}
        )
        messages.success(request, _("Đã lưu lựa chọn nhận thư điện tử."))
        return redirect("notification_preferences")
    choices = actions.email_choices(request.user)
    kinds = [
        (kind, label, choices[kind])
        for kind, (label, _d) in actions.EMAIL_KINDS.items()
    ]
    return render(
        request,
        "work/notification_preferences.html",
        {"kinds": kinds, "has_email": bool(request.user.email)},
    )


# --- the work index -----------------------------------------------------------------
@login_required
def index(request):
    """Consultations I see, my tasks, and the dashboards of my bodies."""
    from accounts.queries import my_memberships

    return render(
        request,
        "work/index.html",
        {
            "consultations": queries.consultation_list(request.user),
            "tasks": queries.assignments_list(request.user),
            "managed": queries.managed_bodies(request.user),
            "memberships": my_memberships(request.user),
        },
    )


# --- consultations ------------------------------------------------------------------
def _managed_body(request, body_id) -> object:
    body = get_body(body_id)
    if not queries.is_manager(request.user, body):
        raise NotFound()
    return body


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request, body_id: int):
    """The chair or secretary writes and sends a consultation."""
    from documents.queries import viewable_documents

    body = _managed_body(request, body_id)
    form = ConsultationForm(request.POST or None, body=body)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ids = [int(x) for x in request.POST.getlist("documents") if x.isdigit()]
        docs = list(viewable_documents(request.user).filter(pk__in=ids))
        try:
            consultation, created = create_once(
                request.user,
                form.token,
                lambda: actions.send_consultation(
                    request.user,
                    body=body,
                    title=data["title"],
                    question=data["question"],
                    deadline=data["deadline"],
                    recipients=[m.user for m in data["recipients"]],
                    documents=docs,
                ),
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if not created:
                replayed(request)
                if consultation is None:
                    return redirect("work:index")
            else:
                messages.success(request, _("Đã gửi phiếu xin ý kiến."))
            return redirect("work:consultation_detail", consultation.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "work/consultation_form.html",
        {"form": form, "body": body},
        status=status,
    )


def _consultation_context(request, consultation, *, answer_form=None) -> dict:
    rows = queries.recipient_rows(consultation)
    seat = consultation.viewer.seat
    if answer_form is None and seat is not None:
        answer_form = AnswerForm(
            initial={"opinion": seat.opinion or None, "comment": seat.comment}
        )
    meetings = []
    if (
        consultation.viewer.manage
        and not consultation.is_open
        and consultation.agenda_item_id is None
    ):
        from django.utils import timezone

        from meetings.models import Meeting, MeetingStatus

        meetings = list(
            Meeting.objects.filter(
                body=consultation.body,
                status__in=[MeetingStatus.DRAFT, MeetingStatus.PUBLISHED],
                ends_at__gte=timezone.now(),
            ).order_by("starts_at")[:20]
        )
    return {
        "c": consultation,
        "viewer": consultation.viewer,
        "rows": rows,
        "counts": queries.tally(rows),
        "show_answers": queries.can_see_answers(consultation),
        "answer_form": answer_form,
        "documents": list(consultation.documents.select_related("latest_version")),
        "meetings": meetings,
        "verdict": reports.verdict_text(consultation.result),
    }


@login_required
def consultation_detail(request, consultation_id: int):
    consultation = queries.access_consultation(request.user, consultation_id)
    return render(
        request,
        "work/consultation_detail.html",
        _consultation_context(request, consultation),
    )


@login_required
@require_POST
def consultation_answer(request, consultation_id: int):
    """Record my answer; htmx gets the answer card back."""
    consultation = queries.access_consultation(request.user, consultation_id)
    form = AnswerForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            actions.answer_consultation(
                request.user,
                consultation,
                opinion=form.cleaned_data["opinion"],
                comment=form.cleaned_data["comment"],
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
            status = _status(exc)
        else:
            if not _htmx(request):
                messages.success(request, _("Đã ghi nhận ý kiến của đồng chí."))
                return redirect("work:consultation_detail", consultation.pk)
            consultation = queries.access_consultation(request.user, consultation_id)
            form = None
    else:
        status = 422
    if not _htmx(request):
        if status != 200:
            for error in form.non_field_errors() or [_("Vui lòng chọn một ý kiến.")]:
                messages.error(request, error)
        return redirect("work:consultation_detail", consultation.pk)
    context = _consultation_context(request, consultation, answer_form=form)
    context["saved"] = status == 200
    return render(request, "work/_answer.html", context, status=status)


@login_required
@require_POST
def consultation_close(request, consultation_id: int):
    consultation = queries.access_consultation(request.user, consultation_id)
    try:
        actions.close_consultation(request.user, consultation)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã kết thúc việc xin ý kiến."))
    return redirect("work:consultation_detail", consultation.pk)


@login_required
def consultation_report(request, consultation_id: int):
    """Download the summary report PDF (whoever may see the answers)."""
    consultation = queries.access_consultation(request.user, consultation_id)
    if not queries.can_see_answers(consultation) or consultation.is_open:
        raise NotFound()
    if not consultation.report_sha256:
        messages.warning(
            request, _("Phiếu tổng hợp ý kiến đang được tạo; vui lòng thử lại sau.")
        )
        return redirect("work:consultation_detail", consultation.pk)
    return send_file(
        request,
        consultation.report_pdf.path,
        content_type="application/pdf",
        filename=f"phieu-tong-hop-y-kien-{consultation.pk}.pdf",
    )


@login_required
@require_POST
def consultation_agenda(request, consultation_id: int):
    """Put the closed consultation on a meeting's agenda as a report item."""
    from meetings.queries import access_meeting

    consultation = queries.access_consultation(request.user, consultation_id)
    try:
        meeting = access_meeting(request.user, request.POST.get("meeting"))
        item = actions.add_to_agenda(request.user, consultation, meeting)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("work:consultation_detail", consultation.pk)
    messages.success(request, _("Đã đưa kết quả xin ý kiến vào chương trình họp."))
    return redirect("meetings:agenda", item.meeting_id)


# --- assignments --------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request, body_id: int):
    """The chair or secretary gives a task, optionally from a conclusion."""
    from meetings.models import Conclusion

    body = _managed_body(request, body_id)
    conclusions = queries.open_conclusions(body)
    initial = {}
    chosen = request.GET.get("conclusion", "")
    for conclusion in conclusions:
        if str(conclusion.pk) == chosen:
            initial = AssignmentForm.initial_from(conclusion)
    form = AssignmentForm(
        request.POST or None, body=body, conclusions=conclusions, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conclusion = None
        if data["conclusion"]:
            conclusion = (
                Conclusion.objects.select_related("meeting")
                .filter(pk=data["conclusion"], meeting__body=body)
                .first()
            )
        try:
            assignment, created = create_once(
                request.user,
                form.token,
                lambda: actions.create_assignment(
                    request.user,
                    body=body,
                    title=data["title"],
                    description=data["description"],
                    deadline=data["deadline"],
                    conclusion=conclusion,
                    **form.assignee(),
                ),
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if not created:
                replayed(request)
                if assignment is None:
                    return redirect("work:index")
                return redirect("work:assignment_detail", assignment.pk)
            messages.success(request, _("Đã giao nhiệm vụ."))
            if "again" in request.POST:
                url = request.path
                if conclusion is not None:
                    url += f"?conclusion={conclusion.pk}"
                return redirect(url)
            return redirect("work:assignment_detail", assignment.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "work/assignment_form.html",
        {"form": form, "body": body},
        status=status,
    )


@login_required
def assignment_detail(request, assignment_id: int):
    assignment = queries.access_assignment(request.user, assignment_id)
    return render(
        request,
        "work/assignment_detail.html",
        {
            "a": assignment,
            "viewer": assignment.viewer,
            "history": queries.history(assignment),
            "report_form": ReportForm(),
            "review_form": ReviewForm(),
            "awaiting": assignment.status == AssignmentStatus.AWAITING,
            "completed": assignment.status == AssignmentStatus.COMPLETED,
        },
    )


@login_required
@require_POST
def assignment_report(request, assignment_id: int):
    from documents.queries import viewable_documents

    assignment = queries.access_assignment(request.user, assignment_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vui lòng nhập nội dung báo cáo."))
        return redirect("work:assignment_detail", assignment.pk)
    ids = [int(x) for x in request.POST.getlist("documents") if x.isdigit()]
    docs = list(viewable_documents(request.user).filter(pk__in=ids))
    post = (
        actions.submit_done
        if form.cleaned_data["kind"] == "done"
        else actions.report_progress
    )
    try:
        post(
            request.user,
            assignment,
            text=form.cleaned_data["text"],
            documents=docs,
            uploads=request.FILES.getlist("files"),
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã gửi báo cáo."))
    return redirect("work:assignment_detail", assignment.pk)


@login_required
@require_POST
def assignment_review(request, assignment_id: int):
    assignment = queries.access_assignment(request.user, assignment_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return redirect("work:assignment_detail", assignment.pk)
    text = form.cleaned_data["text"]
    try:
        if form.cleaned_data["decision"] == "accept":
            actions.accept_assignment(request.user, assignment, text=text)
            messages.success(request, _("Đã nghiệm thu nhiệm vụ."))
        else:
            actions.return_assignment(request.user, assignment, reason=text)
            messages.success(request, _("Đã trả lại nhiệm vụ."))
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("work:assignment_detail", assignment.pk)


# --- dashboard ----------------------------------------------------------------------
def _board_body(request, body_id):
    """A body whose members (or an administrator) see its dashboard."""
    from accounts.models import Membership

    body = get_body(body_id)
    member = Membership.objects.current().filter(user=request.user, body=body).exists()
    if not member:
        raise NotFound()
    return body


@login_required
def board(request, body_id: int):
    """Counts by status, the overdue list, on-time completion by month, filters."""
    from urllib.parse import urlencode

    body = _board_body(request, body_id)
    filters = queries.BoardFilters.from_query(request.GET)
    rows = queries.board_rows(body, filters, user=request.user)
    counts = queries.board_counts(body)
    context = {
        "body": body,
        "filters": filters,
        "rows": rows,
        "counts": counts,
        "overdue": [a for a in rows if a.shown_status == "overdue"][:50]
        if filters.status in ("", "overdue")
        else [],
        "chart": dashboard.completion_chart(queries.monthly_completion(body)),
        "meetings": queries.board_meetings(body, request.user),
        "statuses": [*AssignmentStatus.choices, ("overdue", _("Quá hạn"))],
        "query": urlencode(filters.as_query()),
        "can_assign": queries.is_manager(request.user, body),
    }
    if _htmx(request):
        return render(request, "work/_board_rows.html", context)
    return render(request, "work/board.html", context)


@login_required
def board_export(request, body_id: int):
    """The dashboard's list, as filtered, as an Excel file."""
    body = _board_body(request, body_id)
    rows = queries.board_rows(
        body,
        queries.BoardFilters.from_query(request.GET),
        user=request.user,
        limit=20000,
    )
    response = HttpResponse(
        dashboard.export_xlsx(body, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="nhiem-vu-{body.pk}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
