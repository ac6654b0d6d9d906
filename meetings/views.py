"""Meeting pages: parse → access → action → render. No rules live here."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Body
from meetings import actions, forms, queries
from meetings.models import (
    AgendaItem,
    Answer,
    Attendance,
    MeetingStatus,
    MinutesStatus,
    Participant,
)
from nghisu.errors import ActionError, NotFound
from nghisu.files import send_file
from submissions.once import OnceForm, create_once, replayed

STATUS_BY_CODE = {
    "forbidden": 403,
    "stale": 409,
    "bad_status": 409,
    "already_invited": 409,
    "already_approved": 409,
    "locked": 409,
    "gone": 409,
    "in_use": 409,
    "chair_taken": 409,
}


def _status(exc: ActionError) -> int:
    return STATUS_BY_CODE.get(exc.code, 422)


def _back(request, default: str):
    """Redirect to the page the form came from (same site) or ``default``."""
    target = request.POST.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return redirect(target)


def _refuse(request, exc: ActionError, default: str):
    """Show a refusal: JSON/htmx get the status and message; forms a message."""
    if request.headers.get("HX-Request") or request.headers.get(
        "Accept", ""
    ).startswith("application/json"):
        return JsonResponse(exc.as_dict(), status=_status(exc))
    messages.error(request, exc.message)
    return _back(request, default)


def _url(meeting, name: str = "detail", *args) -> str:
    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


def _require_manage(meeting) -> None:
    """Pages only managers use: others (participants) may not learn they exist."""
    if not meeting.viewer.manage:
        raise NotFound()


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
                return redirect(_url(meeting, "agenda") if meeting else "meetings:list")
            messages.success(request, _("Đã tạo cuộc họp. Hãy xây dựng chương trình."))
            return redirect(_url(meeting, "agenda"))
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
    _require_manage(meeting)
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
            return redirect(_url(meeting))
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
        return _refuse(request, exc, _url(meeting))
    messages.success(request, done)
    return redirect(_url(meeting))


@login_required
@require_POST
def meeting_delete(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    try:
        actions.delete_meeting(request.user, meeting)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting))
    messages.success(request, _("Đã xóa cuộc họp dự thảo."))
    return redirect("meetings:list")


@login_required
@require_POST
def respond(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    form = forms.AnswerForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Câu trả lời không hợp lệ."))
        return redirect(_url(meeting))
    try:
        actions.respond_invitation(
            request.user,
            meeting,
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
            substitute=form.cleaned_data["substitute"],
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting))
    messages.success(request, _("Đã ghi nhận câu trả lời của bạn."))
    return redirect(_url(meeting))


@login_required
@require_POST
def changes_seen(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    actions.mark_changes_seen(request.user, meeting)
    return redirect(_url(meeting))


# --- the agenda builder ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request, meeting_id: int):
    """The builder: the ordered items with move/edit/delete, and an add form."""
    meeting = queries.access_meeting(request.user, meeting_id)
    _require_manage(meeting)
    form = forms.ItemForm(request.POST or None, meeting=meeting)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            parent = None
            if data["parent"]:
                parent = AgendaItem.objects.filter(
                    pk=data["parent"], meeting=meeting
                ).first()
            try:
                _item_made, created = create_once(
                    request.user,
                    form.token,
                    lambda: actions.add_item(
                        request.user,
                        meeting,
                        title=data["title"],
                        description=data["description"],
                        presenter=data["presenter"],
                        presenter_text=data["presenter_text"],
                        duration_minutes=data["duration_minutes"],
                        parent=parent,
                    ),
                )
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                if created:
                    messages.success(request, _("Đã thêm nội dung vào chương trình."))
                else:
                    replayed(request)
                return redirect(_url(meeting, "agenda"))
        status = 422
    meeting.refresh_from_db(fields=["agenda_version"])
    items = queries.agenda(meeting)
    return render(
        request,
        "meetings/agenda.html",
        {
            "meeting": meeting,
            "items": items,
            "form": form,
            "total_minutes": sum(
                i.duration_minutes or 0 for i in queries.flatten(items)
            ),
        },
        status=status,
    )


@login_required
@require_POST
def agenda_reorder(request, meeting_id: int):
    """JSON: ``{"order": [ids], "version": n, "parent": id|null}`` → new version."""
    meeting = queries.access_meeting(request.user, meeting_id)
    try:
        payload = json.loads(request.body or b"{}")
        order = [int(pk) for pk in payload["order"]]
        version = int(payload["version"])
        parent = payload.get("parent")
        parent = int(parent) if parent not in (None, "") else None
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"code": "invalid", "message": _("Yêu cầu sắp xếp không hợp lệ.")},
            status=400,
        )
    try:
        meeting = actions.reorder_items(
            request.user, meeting, order=order, version=version, parent_id=parent
        )
    except ActionError as exc:
        return JsonResponse(exc.as_dict(), status=_status(exc))
    return JsonResponse({"ok": True, "version": meeting.agenda_version})


def _item(request, meeting_id: int, item_id: int):
    item = queries.access_item(request.user, meeting_id, item_id)
    return item.meeting, item


@login_required
@require_POST
def item_move(request, meeting_id: int, item_id: int):
    meeting, item = _item(request, meeting_id, item_id)
    try:
        actions.move_item(
            request.user,
            item,
            step=1 if request.POST.get("step") == "down" else -1,
            version=int(request.POST.get("version", "-1")),
        )
    except (ActionError, ValueError) as exc:
        if isinstance(exc, ValueError):
            exc = ActionError(_("Yêu cầu không hợp lệ."))
        return _refuse(request, exc, _url(meeting, "agenda"))
    return redirect(_url(meeting, "agenda") + f"#item-{item.pk}")


@login_required
@require_POST
def item_delete(request, meeting_id: int, item_id: int):
    meeting, item = _item(request, meeting_id, item_id)
    try:
        actions.delete_item(request.user, item)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "agenda"))
    messages.success(request, _("Đã xóa nội dung “%(t)s”.") % {"t": item.title})
    return redirect(_url(meeting, "agenda"))


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, meeting_id: int, item_id: int):
    """An item: read by participants; edited (fields, documents) by managers."""
    meeting, item = _item(request, meeting_id, item_id)
    manage = meeting.viewer.manage
    if request.method == "POST" and not manage:
        raise NotFound()
    initial = {
        "title": item.title,
        "presenter": item.presenter_id,
        "presenter_text": item.presenter_text,
        "duration_minutes": item.duration_minutes,
        "description": item.description,
    }
    form = forms.ItemForm(request.POST or None, initial=initial, meeting=meeting)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_item(
                    request.user,
                    item,
                    title=data["title"],
                    description=data["description"],
                    presenter=data["presenter"],
                    presenter_text=data["presenter_text"],
                    duration_minutes=data["duration_minutes"],
                )
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã lưu nội dung."))
                return redirect(_url(meeting, "item", item.pk))
        status = 422
    attached = list(
        item.attachments.select_related("document", "document__latest_version")
    )
    number = next(
        (i.number for i in queries.flatten(queries.agenda(meeting)) if i.pk == item.pk),
        "",
    )
    return render(
        request,
        "meetings/item.html",
        {
            "meeting": meeting,
            "item": item,
            "number": number,
            "attached": attached,
            "upload_form": OnceForm() if manage else None,
            "form": form if manage else None,
            "can_edit": manage
            and meeting.status
            not in (
                MeetingStatus.CLOSED,
                MeetingStatus.ARCHIVED,
            ),
        },
        status=status,
    )


@login_required
@require_POST
def item_attach(request, meeting_id: int, item_id: int):
    meeting, item = _item(request, meeting_id, item_id)
    from documents.queries import viewable_documents

    ids = [int(x) for x in request.POST.getlist("documents") if x.isdigit()]
    documents = list(viewable_documents(request.user).filter(pk__in=ids))
    if len(documents) != len(set(ids)) or not ids:
        exc = ActionError(_("Hãy chọn tài liệu để đính kèm."), code="invalid")
        return _refuse(request, exc, _url(meeting, "item", item.pk))
    try:
        actions.attach_documents(request.user, item, documents)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "item", item.pk))
    messages.success(request, _("Đã đính kèm tài liệu."))
    return redirect(_url(meeting, "item", item.pk))


@login_required
@require_POST
def item_upload(request, meeting_id: int, item_id: int):
    meeting, item = _item(request, meeting_id, item_id)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        exc = ActionError(_("Hãy chọn tệp để tải lên."), code="invalid")
        return _refuse(request, exc, _url(meeting, "item", item.pk))
    once = OnceForm(request.POST)
    once.is_valid()  # a malformed token counts as none
    try:
        _document, created = create_once(
            request.user,
            once.token,
            lambda: actions.upload_document(
                request.user,
                item,
                uploaded_file=uploaded,
                title=request.POST.get("title", ""),
                classification=request.POST.get("classification", "internal"),
            ),
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "item", item.pk))
    if created:
        messages.success(request, _("Đã tải lên và đính kèm tài liệu."))
    else:
        replayed(request)
    if request.headers.get("Accept", "").startswith("application/json"):
        # The page's upload script (progress bar) goes there itself: the
        # message is shown by that page, not consumed by a followed redirect.
        return JsonResponse({"location": _url(meeting, "item", item.pk)})
    return redirect(_url(meeting, "item", item.pk))


@login_required
@require_POST
def item_detach(request, meeting_id: int, item_id: int, document_id: int):
    meeting, item = _item(request, meeting_id, item_id)
    try:
        actions.detach_document(request.user, item, document_id)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "item", item.pk))
    messages.success(request, _("Đã bỏ tài liệu khỏi nội dung."))
    return redirect(_url(meeting, "item", item.pk))


# --- participants and attendance -----------------------------------------------------------


@login_required
@require_GET
def participants(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    rows = queries.participants(meeting)
    manage = meeting.viewer.manage and meeting.status not in (
        MeetingStatus.CLOSED,
        MeetingStatus.ARCHIVED,
    )
    return render(
        request,
        "meetings/participants.html",
        {
            "meeting": meeting,
            "rows": rows,
            "manage": manage,
            "invite_form": forms.InviteForm(meeting=meeting) if manage else None,
            "roles": forms.Role.choices,
        },
    )


@login_required
@require_POST
def invite_members(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    try:
        rows = actions.invite_members(request.user, meeting)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "participants"))
    messages.success(request, _("Đã mời %(n)s thành viên.") % {"n": len(rows)})
    return redirect(_url(meeting, "participants"))


@login_required
@require_POST
def invite(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    _require_manage(meeting)
    form = forms.InviteForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn người được mời và vai trò."))
        return redirect(_url(meeting, "participants"))
    try:
        actions.invite_participant(
            request.user,
            meeting,
            form.cleaned_data["user"],
            role=form.cleaned_data["role"],
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "participants"))
    messages.success(
        request, _("Đã mời %(name)s.") % {"name": form.cleaned_data["user"]}
    )
    return redirect(_url(meeting, "participants"))


def _participant(meeting, participant_id: int) -> Participant:
    participant = Participant.objects.filter(pk=participant_id, meeting=meeting).first()
    if participant is None:
        raise NotFound()
    return participant


@login_required
@require_POST
def participant_update(request, meeting_id: int, participant_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    participant = _participant(meeting, participant_id)
    form = forms.ParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vai trò không hợp lệ."))
        return redirect(_url(meeting, "participants"))
    try:
        actions.update_participant(request.user, participant, **form.cleaned_data)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "participants"))
    messages.success(request, _("Đã cập nhật %(name)s.") % {"name": participant.user})
    return redirect(_url(meeting, "participants"))


@login_required
@require_POST
def participant_remove(request, meeting_id: int, participant_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    participant = _participant(meeting, participant_id)
    try:
        actions.remove_participant(request.user, participant)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "participants"))
    messages.success(
        request, _("Đã bỏ %(name)s khỏi danh sách.") % {"name": participant.user}
    )
    return redirect(_url(meeting, "participants"))


@login_required
@require_GET
def attendance(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    rows = queries.participants(meeting)
    viewer = meeting.viewer
    return render(
        request,
        "meetings/attendance.html",
        {
            "meeting": meeting,
            "rows": rows,
            "quorum": queries.quorum(meeting, rows),
            "counts": queries.attendance_counts(rows),
            "can_mark": viewer.manage or viewer.preside,
            "Attendance": Attendance,
        },
    )


@login_required
@require_POST
def check_in(request, meeting_id: int, participant_id: int | None = None):
    """Check a participant in (secretary), or oneself (no participant id)."""
    meeting = queries.access_meeting(request.user, meeting_id)
    if participant_id is None:
        participant = meeting.viewer.participant
        if participant is None:
            raise NotFound()
    else:
        participant = _participant(meeting, participant_id)
    default = _url(meeting, "attendance") if participant_id else _url(meeting)
    try:
        actions.check_in(request.user, participant)
    except ActionError as exc:
        return _refuse(request, exc, default)
    messages.success(
        request, _("Đã điểm danh: %(name)s có mặt.") % {"name": participant.user}
    )
    return _back(request, default)


@login_required
@require_POST
def check_in_many(request, meeting_id: int):
    """Check in every participant ticked on the attendance page (one action)."""
    meeting = queries.access_meeting(request.user, meeting_id)
    default = _url(meeting, "attendance")
    try:
        ids = [int(pk) for pk in request.POST.getlist("participant")]
        count = actions.check_in_many(request.user, meeting, ids)
    except ValueError:
        exc = ActionError(_("Hãy chọn người cần điểm danh."), code="invalid")
        return _refuse(request, exc, default)
    except ActionError as exc:
        return _refuse(request, exc, default)
    messages.success(request, _("Đã điểm danh %(n)s người.") % {"n": count})
    return redirect(default)


@login_required
@require_POST
def mark_absent(request, meeting_id: int, participant_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    participant = _participant(meeting, participant_id)
    try:
        actions.mark_absent(
            request.user, participant, reason=request.POST.get("reason", "")
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "attendance"))
    messages.success(
        request, _("Đã ghi nhận %(name)s vắng mặt.") % {"name": participant.user}
    )
    return redirect(_url(meeting, "attendance"))


# --- conclusions ------------------------------------------------------------------------


@login_required
@require_GET
def conclusions(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    viewer = meeting.viewer
    can_record = (viewer.manage or viewer.preside) and meeting.status in (
        MeetingStatus.IN_PROGRESS,
        MeetingStatus.CLOSED,
    )
    return render(
        request,
        "meetings/conclusions.html",
        {
            "meeting": meeting,
            "items": queries.flatten(queries.agenda(meeting)),
            "can_record": can_record,
        },
    )


@login_required
@require_POST
def conclusion_record(request, meeting_id: int, item_id: int):
    # An item of another meeting answers 404 like a missing one (no oracle).
    meeting, item = _item(request, meeting_id, item_id)
    form = forms.ConclusionForm(request.POST)
    default = _url(meeting, "conclusions") + f"#item-{item_id}"
    if not form.is_valid():
        exc = ActionError(_("Hãy nhập nội dung kết luận."), code="invalid")
        return _refuse(request, exc, default)
    try:
        actions.record_conclusion(
            request.user, meeting, item, text=form.cleaned_data["text"]
        )
    except ActionError as exc:
        return _refuse(request, exc, default)
    messages.success(request, _("Đã ghi kết luận."))
    return redirect(default)


# --- minutes ------------------------------------------------------------------------------


@login_required
@require_GET
def minutes(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    viewer = meeting.viewer
    versions = queries.minutes_versions(meeting)
    if not (viewer.manage or viewer.preside):
        versions = [m for m in versions if m.is_locked]
    open_version = next(
        (
            m
            for m in versions
            if m.status in (MinutesStatus.DRAFT, MinutesStatus.SUBMITTED)
        ),
        None,
    )
    approved = next((m for m in versions if m.status == MinutesStatus.APPROVED), None)
    items = queries.flatten(queries.agenda(meeting)) if open_version else []
    notes = (open_version.texts or {}).get("items", {}) if open_version else {}
    for item in items:
        item.note = notes.get(str(item.pk), "")
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "viewer": viewer,
            "versions": versions,
            "open_version": open_version,
            "approved": approved,
            "items": items,
            "can_start": viewer.manage
            and meeting.status
            in (
                MeetingStatus.IN_PROGRESS,
                MeetingStatus.CLOSED,
                MeetingStatus.ARCHIVED,
            ),
        },
    )


@login_required
@require_POST
def minutes_start(request, meeting_id: int):
    meeting = queries.access_meeting(request.user, meeting_id)
    try:
        actions.start_minutes(
            request.user, meeting, change_reason=request.POST.get("change_reason", "")
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "minutes"))
    return redirect(_url(meeting, "minutes"))


@login_required
@require_POST
def minutes_save(request, meeting_id: int, version: int):
    minutes_row = queries.access_minutes(request.user, meeting_id, version)
    meeting = minutes_row.meeting
    texts = {
        "opening": request.POST.get("opening", ""),
        "closing": request.POST.get("closing", ""),
        "items": {
            key[len("item-") :]: value
            for key, value in request.POST.items()
            if key.startswith("item-")
        },
    }
    try:
        actions.update_minutes(
            request.user,
            minutes_row,
            number=request.POST.get("number", ""),
            texts=texts,
        )
        if request.POST.get("then") == "submit":
            actions.submit_minutes(request.user, minutes_row)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "minutes"))
    if request.POST.get("then") == "submit":
        messages.success(request, _("Đã trình chủ tọa phê duyệt biên bản."))
    else:
        messages.success(request, _("Đã lưu biên bản."))
    return redirect(_url(meeting, "minutes"))


@login_required
@require_POST
def minutes_approve(request, meeting_id: int, version: int):
    minutes_row = queries.access_minutes(request.user, meeting_id, version)
    meeting = minutes_row.meeting
    try:
        actions.approve_minutes(request.user, minutes_row)
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "minutes"))
    messages.success(request, _("Đã phê duyệt và khóa biên bản."))
    return redirect(_url(meeting, "minutes"))


MAX_SIGNED_BYTES = 64 * 1024 * 1024
MAX_PKCS12_BYTES = 64 * 1024


@login_required
@require_POST
def minutes_sign(request, meeting_id: int, version: int):
    """The chair uploads the minutes signed with their token (or a PKCS#12)."""
    from meetings.actions.minutes_signing import sign_minutes_personally

    minutes_row = queries.access_minutes(request.user, meeting_id, version)
    meeting = minutes_row.meeting
    signed, p12 = request.FILES.get("signed"), request.FILES.get("pkcs12")
    if (signed and signed.size > MAX_SIGNED_BYTES) or (
        p12 and p12.size > MAX_PKCS12_BYTES
    ):
        messages.error(request, _("Tệp tải lên quá lớn."))
        return redirect(_url(meeting, "minutes"))
    try:
        sign_minutes_personally(
            request.user,
            minutes_row,
            signed=signed.read() if signed else None,
            pkcs12=p12.read() if p12 else None,
            passphrase=request.POST.get("passphrase", ""),
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "minutes"))
    messages.success(request, _("Đã ký số và khóa biên bản với chữ ký của bạn."))
    return redirect(_url(meeting, "minutes"))


@login_required
@require_POST
def minutes_return(request, meeting_id: int, version: int):
    minutes_row = queries.access_minutes(request.user, meeting_id, version)
    meeting = minutes_row.meeting
    try:
        actions.return_minutes(
            request.user, minutes_row, reason=request.POST.get("reason", "")
        )
    except ActionError as exc:
        return _refuse(request, exc, _url(meeting, "minutes"))
    messages.success(request, _("Đã trả lại biên bản cho thư ký để chỉnh sửa."))
    return redirect(_url(meeting, "minutes"))


@login_required
@require_GET
def minutes_pdf(request, meeting_id: int, version: int):
    """The approved PDF as stored, or a fresh preview of a draft."""
    from documents.pdf import PdfError
    from meetings import minutes as builder

    minutes_row = queries.access_minutes(request.user, meeting_id, version)
    meeting = minutes_row.meeting
    filename = f"bien-ban-{meeting.pk}-v{minutes_row.version}.pdf"
    if minutes_row.is_locked and minutes_row.pdf:
        return send_file(
            request,
            minutes_row.pdf.path,
            content_type="application/pdf",
            attachment=request.GET.get("download") == "1",
            filename=filename,
            cache="private, no-cache",
            etag=f'"{minutes_row.sha256[:32]}"' if minutes_row.sha256 else None,
        )
    try:
        data = builder.render_pdf(builder.build_spec(meeting, minutes_row))
    except PdfError as exc:
        messages.error(request, exc.message)
        return redirect(_url(meeting, "minutes"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
