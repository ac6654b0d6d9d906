"""Meeting pages: lists, the meeting itself. parse → access → action → render;
no rules live here. The agenda builder is :mod:`meetings.views_agenda`,
participants and attendance :mod:`meetings.views_people`, conclusions and
minutes :mod:`meetings.views_records`; shared helpers :mod:`meetings.views_common`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Body
from meetings import actions, forms, queries
from meetings.models import (
    Answer,
    MeetingStatus,
    Participant,
)
from meetings.views_common import refuse, require_manage, url_of
from nghisu.errors import ActionError, NotFound
from submissions.once import create_once, replayed

# --- lists ----------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request):
    return render(
        request,
        "meetings/list.html",
        {
            **queries.meeting_list(request.user),
            "bodies": queries.managed_bodies(request.user),
        },
    )


@login_required
@require_GET
def archive(request):
    body_id = request.GET.get("body")
    year = request.GET.get("year")
    q = request.GET.get("q", "").strip()[:200]
    body_id = int(body_id) if body_id and body_id.isdigit() else None
    year = int(year) if year and year.isdigit() else None
    return render(
        request,
        "meetings/archive.html",
        {
            "meetings": queries.archive(request.user, body_id=body_id, year=year, q=q),
            "years": queries.archive_years(request.user),
            "bodies": Body.objects.filter(
                pk__in=queries.visible_meetings(request.user).values("body_id")
            ),
            "body_id": body_id,
            "year": year,
            "q": q,
        },
    )


# --- the meeting ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    bodies = queries.managed_bodies(request.user)
    if not bodies:
        raise NotFound()
    body_id = request.POST.get("body") or request.GET.get("body")
    body = next((b for b in bodies if str(b.pk) == str(body_id)), bodies[0])
    form = forms.MeetingForm(request.POST or None, body=body)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "client_token"}
        try:
            meeting, created = create_once(
                request.user,
                form.token,
                lambda: actions.create_meeting(request.user, body=body, **data),
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if not created:
                replayed(request)
                return redirect(
                    url_of(meeting, "agenda") if meeting else "meetings:list"
                )
            messages.success(request, _("Đã tạo cuộc họp. Hãy xây dựng chương trình."))
            return redirect(url_of(meeting, "agenda"))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "body": body, "bodies": bodies, "meeting": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    require_manage(meeting)
    initial = {
        k: getattr(meeting, k)
        for k in ("title", "kind", "number", "starts_at", "ends_at", "place")
    }
    form = forms.MeetingForm(request.POST or None, initial=initial, body=meeting.body)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "client_token"}
        try:
            actions.update_meeting(request.user, meeting, **data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lưu thông tin cuộc họp."))
            return redirect(url_of(meeting))
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "body": meeting.body, "meeting": meeting},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def meeting_detail(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    viewer = meeting.viewer
    items = queries.agenda(meeting)
    counts = Participant.objects.filter(meeting=meeting).aggregate(
        total=Count("id"),
        accepted=Count("id", filter=Q(answer=Answer.ACCEPTED)),
        declined=Count("id", filter=Q(answer__in=[Answer.DECLINED, Answer.DELEGATED])),
        pending=Count("id", filter=Q(answer=Answer.PENDING)),
    )
    changes = []
    unseen = False
    if meeting.status != MeetingStatus.DRAFT:
        changes = queries.agenda_changes(meeting, limit=20)
        seen = viewer.participant.seen_change_id if viewer.participant else 0
        unseen = bool(changes) and changes[0].pk > seen
    answer_form = None
    if viewer.participant and meeting.status in (
        MeetingStatus.PUBLISHED,
        MeetingStatus.IN_PROGRESS,
    ):
        answer_form = forms.AnswerForm(meeting=meeting)
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "viewer": viewer,
            "items": items,
            "counts": counts,
            "changes": changes,
            "unseen": unseen,
            "answer_form": answer_form,
            "quorum": queries.quorum(meeting)
            if meeting.status in (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS)
            else None,
        },
    )


TRANSITIONS = {
    "publish": (actions.publish_meeting, _("Đã công bố cuộc họp và gửi giấy mời.")),
    "start": (actions.start_meeting, _("Đã khai mạc cuộc họp.")),
    "close": (actions.close_meeting, _("Đã bế mạc cuộc họp.")),
    "archive": (actions.archive_meeting, _("Đã lưu trữ cuộc họp.")),
}


@login_required
@require_POST
def meeting_transition(request, meeting_id: int, step: str):
    meeting = queries.access_meeting(request.user, meeting_id)
    if step not in TRANSITIONS:
        raise NotFound()
    action, done = TRANSITIONS[step]
    try:
        action(request.user, meeting)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting))
    messages.success(request, done)
    return redirect(url_of(meeting))


@login_required
@require_POST
def meeting_delete(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    try:
        actions.delete_meeting(request.user, meeting)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting))
    messages.success(request, _("Đã xóa cuộc họp dự thảo."))
    return redirect("meetings:list")


@login_required
@require_POST
def respond(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    form = forms.AnswerForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Câu trả lời không hợp lệ."))
        return redirect(url_of(meeting))
    try:
        actions.respond_invitation(
            request.user,
            meeting,
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
            substitute=form.cleaned_data["substitute"],
        )
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting))
    messages.success(request, _("Đã ghi nhận câu trả lời của bạn."))
    return redirect(url_of(meeting))


@login_required
@require_POST
def changes_seen(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    actions.mark_changes_seen(request.user, meeting)
    return redirect(url_of(meeting))
