"""The agenda builder's pages: parse → access → action → render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from meetings import actions, forms, queries
from meetings.models import (
    AgendaItem,
    MeetingStatus,
)
from meetings.views_common import item_of, refuse, require_manage, status_for, url_of
from nghisu.errors import ActionError, NotFound
from submissions.once import OnceForm, create_once, replayed

# --- the agenda builder ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request, meeting_id: int):
    """The builder: the ordered items with move/edit/delete, and an add form."""
    meeting = queries.access_meeting(request.user, meeting_id)
    require_manage(meeting)
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
                return redirect(url_of(meeting, "agenda"))
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
        return JsonResponse(exc.as_dict(), status=status_for(exc))
    return JsonResponse({"ok": True, "version": meeting.agenda_version})


@login_required
@require_POST
def item_move(request, meeting_id: int, item_id: int):
    meeting, item = item_of(request, meeting_id, item_id)
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
        return refuse(request, exc, url_of(meeting, "agenda"))
    return redirect(url_of(meeting, "agenda") + f"#item-{item.pk}")


@login_required
@require_POST
def item_delete(request, meeting_id: int, item_id: int):
    meeting, item = item_of(request, meeting_id, item_id)
    try:
        actions.delete_item(request.user, item)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "agenda"))
    messages.success(request, _("Đã xóa nội dung “%(t)s”.") % {"t": item.title})
    return redirect(url_of(meeting, "agenda"))


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, meeting_id: int, item_id: int):
    """An item: read by participants; edited (fields, documents) by managers."""
    meeting, item = item_of(request, meeting_id, item_id)
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
                return redirect(url_of(meeting, "item", item.pk))
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
    meeting, item = item_of(request, meeting_id, item_id)
    from documents.queries import viewable_documents

    ids = [int(x) for x in request.POST.getlist("documents") if x.isdigit()]
    documents = list(viewable_documents(request.user).filter(pk__in=ids))
    if len(documents) != len(set(ids)) or not ids:
        exc = ActionError(_("Hãy chọn tài liệu để đính kèm."), code="invalid")
        return refuse(request, exc, url_of(meeting, "item", item.pk))
    try:
        actions.attach_documents(request.user, item, documents)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "item", item.pk))
    messages.success(request, _("Đã đính kèm tài liệu."))
    return redirect(url_of(meeting, "item", item.pk))


@login_required
@require_POST
def item_upload(request, meeting_id: int, item_id: int):
    meeting, item = item_of(request, meeting_id, item_id)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        exc = ActionError(_("Hãy chọn tệp để tải lên."), code="invalid")
        return refuse(request, exc, url_of(meeting, "item", item.pk))
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
        return refuse(request, exc, url_of(meeting, "item", item.pk))
    if created:
        messages.success(request, _("Đã tải lên và đính kèm tài liệu."))
    else:
        replayed(request)
    if request.headers.get("Accept", "").startswith("application/json"):
        # The page's upload script (progress bar) goes there itself: the
        # message is shown by that page, not consumed by a followed redirect.
        return JsonResponse({"location": url_of(meeting, "item", item.pk)})
    return redirect(url_of(meeting, "item", item.pk))


@login_required
@require_POST
def item_detach(request, meeting_id: int, item_id: int, document_id: int):
    meeting, item = item_of(request, meeting_id, item_id)
    try:
        actions.detach_document(request.user, item, document_id)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "item", item.pk))
    messages.success(request, _("Đã bỏ tài liệu khỏi nội dung."))
    return redirect(url_of(meeting, "item", item.pk))
