"""Conclusions and minutes pages: parse → access → action → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meetings import actions, forms, minutes_sections, queries
from meetings.models import (
    MeetingStatus,
    MinutesStatus,
)
from meetings.views_common import item_of, refuse, url_of
from nghisu.errors import ActionError
from nghisu.files import send_file

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
    meeting, item = item_of(request, meeting_id, item_id)
    form = forms.ConclusionForm(request.POST)
    default = url_of(meeting, "conclusions") + f"#item-{item_id}"
    if not form.is_valid():
        exc = ActionError(_("Hãy nhập nội dung kết luận."), code="invalid")
        return refuse(request, exc, default)
    try:
        actions.record_conclusion(
            request.user, meeting, item, text=form.cleaned_data["text"]
        )
    except ActionError as exc:
        return refuse(request, exc, default)
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
    reading = bool(
        open_version
        and viewer.preside
        and open_version.status == MinutesStatus.SUBMITTED
    )
    # What other apps print under an item (the question segment): the chair
    # reads it before approving, as the PDF will have it.
    sections = minutes_sections.collect(meeting) if reading else {}
    for item in items:
        item.note = notes.get(str(item.pk), "")
        item.sections = [
            b["text"] for b in sections.get(item.pk, ()) if b.get("kind") == "paragraph"
        ]
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
        return refuse(request, exc, url_of(meeting, "minutes"))
    return redirect(url_of(meeting, "minutes"))


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
        return refuse(request, exc, url_of(meeting, "minutes"))
    if request.POST.get("then") == "submit":
        messages.success(request, _("Đã trình chủ tọa phê duyệt biên bản."))
    else:
        messages.success(request, _("Đã lưu biên bản."))
    return redirect(url_of(meeting, "minutes"))


@login_required
@require_POST
def minutes_approve(request, meeting_id: int, version: int):
    minutes_row = queries.access_minutes(request.user, meeting_id, version)
    meeting = minutes_row.meeting
    try:
        actions.approve_minutes(request.user, minutes_row)
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "minutes"))
    messages.success(request, _("Đã phê duyệt và khóa biên bản."))
    return redirect(url_of(meeting, "minutes"))


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
        return redirect(url_of(meeting, "minutes"))
    try:
        sign_minutes_personally(
            request.user,
            minutes_row,
            signed=signed.read() if signed else None,
            pkcs12=p12.read() if p12 else None,
            passphrase=request.POST.get("passphrase", ""),
        )
    except ActionError as exc:
        return refuse(request, exc, url_of(meeting, "minutes"))
    messages.success(request, _("Đã ký số và khóa biên bản với chữ ký của bạn."))
    return redirect(url_of(meeting, "minutes"))


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
        return refuse(request, exc, url_of(meeting, "minutes"))
    messages.success(request, _("Đã trả lại biên bản cho thư ký để chỉnh sửa."))
    return redirect(url_of(meeting, "minutes"))


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
        return redirect(url_of(meeting, "minutes"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
