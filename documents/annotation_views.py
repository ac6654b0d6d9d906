"""JSON endpoints of annotations and the "Tải bản có ghi chú" download.

Every view resolves the version through
:func:`documents.annotation_queries.access_annotatable_version` first, so a
document the user may not view is a 404 that reveals nothing. Refusals answer
``{"code", "message"}`` (Vietnamese) with status 400 (bad input), 403 (no
right) or 404, and change nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from documents import annotation_queries as aq
from documents import annotations as ann
from documents import pdf
from documents.annotation_export import (
    build_export,
    export_payload_for,
    record_export,
)
from documents.queries import access_version, perms_for
from documents.views_common import _ip, watermark_lines
from nghisu.errors import ActionError
from nghisu.files import send_file

#: Largest JSON body of one save (a 5,000-point stroke is about 100 KB).
MAX_BODY = 1_000_000


def _error(exc: ActionError) -> JsonResponse:
    status = 403 if exc.code == "forbidden" else 400
    return JsonResponse(exc.as_dict(), status=status)


def _page(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@login_required
@require_GET
def annotation_list(request, document_id: int, number: int):
    """Annotations the user may read on the version (``?page=`` for one page).

    ``?others=0`` keeps the user's own. Three queries whatever the count.
    """
    _document, version = aq.access_annotatable_version(
        request.user, document_id, number
    )
    rows = aq.visible_annotations(
        request.user,
        version,
        page=_page(request.GET.get("page")),
        others=request.GET.get("others") != "0",
    )
    return JsonResponse({"annotations": [aq.serialize(a, request.user) for a in rows]})


@login_required
@require_GET
def annotation_audience(request, document_id: int, number: int):
    """Meetings an annotation on this document may be shared with (JSON)."""
    document, version = aq.access_annotatable_version(request.user, document_id, number)
    return JsonResponse(
        {
            "meetings": aq.sharing_meetings(request.user, document),
            "carry": aq.carry_offers(request.user, version),
        }
    )


@login_required
@require_POST
def annotation_carry(request, document_id: int, number: int):
    """Carry my annotations from an older version (``from`` in the JSON body)."""
    document, version = aq.access_annotatable_version(request.user, document_id, number)
    try:
        data = json.loads(request.body or b"{}")
        source = access_version(document, data.get("from"))
    except (ValueError, UnicodeDecodeError, AttributeError):
        return JsonResponse(
            {"code": "bad_json", "message": _("Dữ liệu gửi lên không hợp lệ.")},
            status=400,
        )
    try:
        carried = ann.carry_annotations(request.user, source, version)
    except ActionError as exc:
        return _error(exc)
    return JsonResponse({"carried": len(carried)})


@login_required
@require_GET
def annotation_config(request, document_id: int, number: int):
    """What the annotation layer needs to attach to a page image (JSON).

    The live room asks for it when it shows a page of the document, so that
    its follow-the-presenter viewer carries the same layer as the viewer.
    """
    document, version = aq.access_annotatable_version(request.user, document_id, number)
    perms = perms_for(request.user, document)
    words = reverse("documents:words", args=[document.pk, number, 0])
    return JsonResponse(
        {
            "listUrl": reverse("documents:annotations", args=[document.pk, number]),
            "audienceUrl": reverse(
                "documents:annotation_audience", args=[document.pk, number]
            ),
            "carryUrl": reverse(
                "documents:annotation_carry", args=[document.pk, number]
            ),
            "mineUrl": reverse("documents:my_annotations"),
            "exportUrl": reverse(
                "documents:annotated_download", args=[document.pk, number]
            ),
            "viewerUrl": reverse("documents:version", args=[document.pk, number]),
            "wordsUrl": words.replace("/pages/0/", "/pages/{page}/"),
            "documentId": document.pk,
            "versionNumber": version.number,
            "versionKey": f"{document.pk}-{version.number}",
            "canAnnotate": "annotate_document" in perms,
            "canExport": bool(perms & {"annotate_document", "download_document"}),
            "textLayer": not document.is_confidential,
            "pages": version.page_count,
            "sizes": version.page_sizes,
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def annotation_save(request, document_id: int, number: int, annotation_id):
    """Create or edit one annotation from a JSON body; replays change nothing.

    GET reads one annotation the user may see (404 otherwise): clients fetch
    it when the room hints that a shared annotation changed.
    """
    _document, version = aq.access_annotatable_version(
        request.user, document_id, number
    )
    if request.method == "GET":
        row = aq.access_visible_annotation(request.user, version, annotation_id)
        return JsonResponse({"annotation": aq.serialize(row, request.user)})
    if len(request.body) > MAX_BODY:
        return JsonResponse(
            {"code": "too_large", "message": _("Ghi chú quá lớn.")}, status=400
        )
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return JsonResponse(
            {"code": "bad_json", "message": _("Dữ liệu gửi lên không hợp lệ.")},
            status=400,
        )
    try:
        row, changed = ann.save_annotation(request.user, version, annotation_id, data)
    except ActionError as exc:
        return _error(exc)
    return JsonResponse(
        {"annotation": aq.serialize(row, request.user), "changed": changed}
    )


def _set_deleted(request, document_id, number, annotation_id, *, deleted: bool):
    _document, version = aq.access_annotatable_version(
        request.user, document_id, number
    )
    action = ann.delete_annotation if deleted else ann.restore_annotation
    try:
        row = action(request.user, annotation_id, version=version)
    except ActionError as exc:
        return _error(exc)
    return JsonResponse({"annotation": aq.serialize(row, request.user)})


@login_required
@require_POST
def annotation_delete(request, document_id: int, number: int, annotation_id):
    """Soft-delete one of the user's annotations (undo with restore)."""
    return _set_deleted(request, document_id, number, annotation_id, deleted=True)


@login_required
@require_POST
def annotation_restore(request, document_id: int, number: int, annotation_id):
    """Undo the delete of one of the user's annotations."""
    return _set_deleted(request, document_id, number, annotation_id, deleted=False)


@login_required
@require_GET
async def annotated_download(request, document_id: int, number: int):
    """ "Tải bản có ghi chú": the clean PDF with the user's visible annotations.

    Needs the download or annotate right; confidential documents carry the
    viewer's watermark on every page. Built in the PDF pool off Django's
    thread; audited as ``document.export_annotated``.
    """
    user = await request.auser()
    document, version = await sync_to_async(aq.access_annotatable_version)(
        user, document_id, number
    )
    try:
        payload = await sync_to_async(export_payload_for)(user, document, version)
    except ActionError as exc:
        return _error(exc)
    watermark = None
    if document.is_confidential:
        watermark = watermark_lines(user, timezone.localdate())
    try:
        path = await sync_to_async(build_export, thread_sensitive=False)(
            user.pk, version, payload, watermark=watermark
        )
    except pdf.PdfError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=422)
    await sync_to_async(record_export)(
        user,
        document,
        version,
        ip=_ip(request),
        annotations=len(payload),
        watermarked=bool(watermark),
    )
    name = Path(version.original_name).stem or "tai-lieu"
    return send_file(
        request,
        path,
        content_type="application/pdf",
        filename=f"{name}-v{version.number}-ghi-chu.pdf",
    )


@login_required
@require_GET
def my_annotations(request):
    """ "Ghi chú của tôi": my annotations by document, each linking to its page."""
    return render(
        request,
        "documents/annotations_mine.html",
        {"groups": aq.my_annotations(request.user)},
    )
