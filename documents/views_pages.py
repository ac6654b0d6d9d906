"""Page images, word boxes, links and text of a version, and its download.

Every view resolves the document through :func:`documents.queries.access_document`
first, so anything the user may not see is a 404 that reveals nothing.

Page images and downloads are async views: the permission check runs in
Django's ORM thread, and the file work (reading a cached image, or waiting for
the sandboxed PDF pool to render one) runs in a thread outside Django's single
thread for sync code (``thread_sensitive=False``), so a slow render never holds
up other requests of the Daphne process. PyMuPDF itself only ever runs in the
pool's worker processes.
"""

from __future__ import annotations

from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.utils import timezone
from django.views.decorators.http import require_GET

from documents import actions, pdf, processing, queries
from documents import page_links as page_links_module
from documents.models import DocumentPage, VersionStatus
from documents.views_common import _ip, _widths, snap_width, watermark_lines
from nghisu.errors import NotFound
from nghisu.files import etag_matches, send_file

# --- page images, word boxes, download -------------------------------------------------


def _resolve_page(user, document_id, number, page, perm="view_document"):
    document = queries.access_document(user, document_id, perm=perm)
    version = queries.access_version(document, number)
    if version.status != VersionStatus.READY or not 1 <= page <= version.page_count:
        raise NotFound()
    return document, version


@login_required
@require_GET
async def page_image(request, document_id: int, number: int, page: int):
    """A page image at a snapped width; watermarked per viewer when confidential.

    Confidential page views are audited (also when answered 304).
    """
    user = await request.auser()
    document, version = await sync_to_async(_resolve_page)(
        user, document_id, number, page
    )
    width = snap_width(request.GET.get("w"), _widths())
    watermark = viewer_key = None
    if document.is_confidential:
        today = timezone.localdate()
        viewer_key = f"{user.pk}-{today:%Y%m%d}"
        watermark = watermark_lines(user, today)
        await sync_to_async(actions.record_page_view)(
            user, document, version, page=page, width=width, ip=_ip(request)
        )
    etag = f'"{version.sha256[:24]}-p{page}-w{width}' + (
        f'-{viewer_key}"' if viewer_key else '"'
    )
    cache = "private, no-cache" if viewer_key else "private, max-age=86400"
    path, ctype, content = "", "image/png", None
    if not etag_matches(request, etag):
        try:
            path, ctype, content = await sync_to_async(
                _load_image, thread_sensitive=False
            )(version, page, width, watermark, viewer_key)
        except pdf.PdfError as exc:
            return HttpResponse(exc.message, status=503, content_type="text/plain")
    return send_file(
        request, path, content_type=ctype, cache=cache, etag=etag, content=content
    )


def _load_image(version, page, width, watermark, viewer_key):
    """(path, content type, bytes) of the page image; the bytes only when Django
    sends it (a page image is small: one read beats a stream)."""
    path, ctype = processing.render_page(
        version, page, width, watermark=watermark, viewer_key=viewer_key
    )
    content = None if settings.FILE_SENDER == "nginx" else Path(path).read_bytes()
    return path, ctype, content


@login_required
@require_GET
def page_links(request, document_id: int, number: int):
    """Signed page-image URLs of a version for this session (served by nginx).

    ``{"template": null}`` when signing is off or the document is confidential
    (then the client keeps the page view's URLs). documents/page_links.py.
    """
    document = queries.access_document(request.user, document_id)
    version = queries.access_version(document, number)
    if version.status != VersionStatus.READY:
        raise NotFound()
    session_key = request.session.session_key
    if not page_links_module.enabled() or document.is_confidential or not session_key:
        response = JsonResponse({"template": None})
    else:
        response = JsonResponse(
            page_links_module.links(
                user_id=request.user.pk, version=version, session_key=session_key
            )
        )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def page_words(request, document_id: int, number: int, page: int):
    """Word boxes of a page (fractions of the page), for the selectable text layer.

    Confidential documents get no text layer: copied text would carry no
    watermark, so only the watermarked images leave the server.
    """
    document, version = _resolve_page(request.user, document_id, number, page)
    etag = f'"{version.sha256[:24]}-p{page}-words"'
    if etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        words = []
        if not document.is_confidential:
            words = (
                DocumentPage.objects.filter(version=version, number=page)
                .values_list("words", flat=True)
                .first()
            ) or []
        response = JsonResponse(
            {
                "page": page,
                "textLayer": not document.is_confidential,
                "words": words,
            }
        )
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_GET
def version_text(request, document_id: int, number: int):
    """The text of every page, for searching on the tablet (the briefcase).

    Like the word boxes, none for confidential documents: only their
    watermarked images leave the server.
    """
    document = queries.access_document(request.user, document_id)
    version = queries.access_version(document, number)
    if version.status != VersionStatus.READY:
        raise NotFound()
    pages = []
    if not document.is_confidential:
        pages = [
            {"page": n, "text": text}
            for n, text in DocumentPage.objects.filter(version=version)
            .order_by("number")
            .values_list("number", "text")
        ]
    response = JsonResponse({"pages": pages})
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_GET
async def download(request, document_id: int, number: int):
    """The cleaned original (watermarked per viewer when confidential); audited."""
    user = await request.auser()
    document = await sync_to_async(queries.access_document)(
        user, document_id, perm="download_document"
    )
    version = await sync_to_async(queries.access_version)(document, number)
    if version.status != VersionStatus.READY:
        raise NotFound()
    watermark = viewer_key = None
    if document.is_confidential:
        today = timezone.localdate()
        viewer_key = f"{user.pk}-{today:%Y%m%d}"
        watermark = watermark_lines(user, today)
    try:
        path = await sync_to_async(processing.clean_copy, thread_sensitive=False)(
            version, watermark=watermark, viewer_key=viewer_key
        )
    except pdf.PdfError as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain")
    await sync_to_async(actions.record_download)(
        user, document, version, ip=_ip(request), watermarked=bool(watermark)
    )
    name = Path(version.original_name).stem or "tai-lieu"
    return send_file(
        request,
        path,
        content_type="application/pdf",
        filename=f"{name}-v{version.number}.pdf",
    )
