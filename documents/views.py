"""Pages of documents: list and upload, viewer, page images, sharing, search.

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
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Body, User
from documents import actions, pdf, processing, queries, signatures
from documents import page_links as page_links_module
from documents.forms import DocumentEditForm, UploadForm
from documents.models import DocumentPage, VersionStatus
from documents.search import search as run_search
from nghisu.errors import ActionError, NotFound
from nghisu.files import etag_matches, send_file
from nghisu.text import fold
from submissions.once import OnceForm, create_once, replayed

PAGE_SIZE = 25


def _ip(request) -> str | None:
    """The client's address for the audit (behind trusted proxies only)."""
    from accounts.lockout import client_ip

    return client_ip(request)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def snap_width(raw: str | None, widths: tuple[int, ...]) -> int:
    """Return the allowed width nearest to ``raw`` (800 when absent or invalid)."""
    try:
        wanted = int(raw or 800)
    except (TypeError, ValueError):
        wanted = 800
    return min(widths, key=lambda w: (abs(w - wanted), w))


def watermark_lines(user, day) -> list[str]:
    """The watermark of a confidential page: who is looking, and when."""
    return [
        _("MẬT – %(name)s") % {"name": user.get_full_name()},
        f"{user.username} · {day:%d/%m/%Y}",
    ]


# --- list, upload, status ------------------------------------------------------------


@login_required
@require_GET
def document_list(request):
    """My documents (everything I may view), newest first, with the upload form."""
    docs = queries.viewable_documents(request.user).order_by("-created_at", "-id")
    page = Paginator(docs, PAGE_SIZE).get_page(request.GET.get("page"))
    bodies = queries.bodies_for_upload(request.user)
    return render(
        request,
        "documents/list.html",
        {
            "page_obj": page,
            "form": UploadForm(bodies=bodies) if bodies else None,
            "max_size": filesizeformat(settings.DOCUMENT_MAX_BYTES),
        },
    )


@login_required
@require_POST
def upload(request):
    """Create one document per uploaded file; answer with their progress rows."""
    form = UploadForm(request.POST, bodies=queries.bodies_for_upload(request.user))
    files = request.FILES.getlist("files")
    if not form.is_valid() or not files:
        if not files:
            form.add_error(None, _("Hãy chọn ít nhất một tệp."))
        return render(
            request,
            "documents/_upload_result.html",
            {"form_errors": form.errors},
            status=422,
        )
    title = form.cleaned_data["title"] if len(files) == 1 else ""
    results = []

    def create_all():
        first = None
        for uploaded in files:
            try:
                document = actions.create_document(
                    request.user,
                    body=form.cleaned_data["body"],
                    title=title,
                    uploaded_file=uploaded,
                    classification=form.cleaned_data["classification"],
                )
            except ActionError as exc:
                results.append({"name": uploaded.name, "error": exc.message})
            else:
                results.append({"name": uploaded.name, "document": document})
                first = first or document
        if first is None:
            raise _NothingMade
        return first

    # One form token for the whole upload: submitted again, nothing is made.
    try:
        _first, created = create_once(request.user, form.token, create_all)
    except _NothingMade:
        created = True
    except ActionError as exc:
        created, results = True, [{"name": "", "error": exc.message}]
    for r in results:
        if "document" in r:
            r["document"].latest_version.refresh_from_db()
    status = 200 if not created or any("document" in r for r in results) else 422
    if not _is_htmx(request):
        if not created:
            replayed(request)
        for r in results:
            if "error" in r:
                messages.error(request, r["error"])
        return redirect("documents:list")
    return render(
        request,
        "documents/_upload_result.html",
        {
            "results": results,
            "replayed": not created,
            # the next upload from the same page is a new one: a fresh token
            "next_token": OnceForm().initial["client_token"],
        },
        status=status,
    )


class _NothingMade(Exception):
    """Every file of an upload was refused: the form token stays unused."""


@login_required
@require_GET
def version_status(request, document_id: int, number: int):
    """The processing progress of a version (an htmx partial that polls itself)."""
    document = queries.access_document(request.user, document_id)
    version = queries.access_version(document, number)
    return render(
        request,
        "documents/_status.html",
        {"document": document, "version": version},
    )


# --- document page and viewer ---------------------------------------------------------


@login_required
@require_GET
def document_detail(request, document_id: int, number: int | None = None):
    """The viewer of the latest version (or of version ``number``), with its facts."""
    document = queries.access_document(request.user, document_id)
    versions = queries.versions_of(document)
    wanted = (
        number
        if number is not None
        else document.latest_version_id and (document.latest_version.number)
    )
    version = next((v for v in versions if v.number == wanted), None)
    if number is not None and version is None:
        raise NotFound()
    perms = queries.perms_for(request.user, document)
    viewer = None
    if version is not None and version.is_ready and version.page_count:
        base = reverse("documents:detail", args=[document.pk])
        viewer = {
            "pages": version.page_count,
            "sizes": version.page_sizes,
            "widths": list(_widths()),
            "imageUrl": f"{base}versions/{version.number}/pages/{{page}}/",
            "wordsUrl": f"{base}versions/{version.number}/pages/{{page}}/words/",
            "linksUrl": f"{base}versions/{version.number}/pages/links/"
            if page_links_module.enabled() and not document.is_confidential
            else None,
            "textLayer": not document.is_confidential,
            "textUrl": ""
            if document.is_confidential
            else f"{base}versions/{version.number}/text/",
            "thumbWidth": processing.THUMBNAIL_WIDTH,
            "labels": {
                "prev": _("Trang trước"),
                "next": _("Trang sau"),
                "goTo": _("Đến trang"),
                "go": _("Đi"),
                "zoomIn": _("Phóng to"),
                "zoomOut": _("Thu nhỏ"),
                "thumbs": _("Các trang"),
                "page": _("Trang"),
                "loadError": _("Không tải được trang này."),
                "retry": _("Thử lại"),
            },
        }
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "version": version,
            "versions": versions,
            "is_latest": version is not None
            and version.pk == document.latest_version_id,
            "perms": perms,
            "viewer": viewer,
            "signature_rows": signatures.describe(version.signatures)
            if version is not None
            else [],
            "start_page": _int(request.GET.get("page"), 1),
            "edit_form": DocumentEditForm(
                initial={
                    "title": document.title,
                    "classification": document.classification,
                }
            )
            if "change_document" in perms
            else None,
        },
    )


def _int(raw, default: int) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return default


def _widths() -> tuple[int, ...]:
    return tuple(settings.DOCUMENT_RENDER_WIDTHS)


@login_required
@require_POST
def add_version(request, document_id: int):
    document = queries.access_document(request.user, document_id)
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise ActionError(_("Hãy chọn tệp của phiên bản mới."), code="invalid")
        actions.add_version(request.user, document, uploaded_file=uploaded)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã tải lên phiên bản mới."))
    return redirect("documents:detail", document.pk)


@login_required
@require_POST
def edit(request, document_id: int):
    document = queries.access_document(request.user, document_id)
    form = DocumentEditForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(_("Thông tin chưa hợp lệ."), code="invalid")
        actions.update_document(
            request.user,
            document,
            title=form.cleaned_data["title"],
            classification=form.cleaned_data["classification"],
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã lưu thay đổi."))
    return redirect("documents:detail", document.pk)


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


# --- sharing -----------------------------------------------------------------------------


def _share_context(document) -> dict:
    user_rows, group_rows = queries.share_list(document)
    return {
        "document": document,
        "user_rows": user_rows,
        "group_rows": group_rows,
        "levels": queries.SHARE_LEVELS,
    }


@login_required
@require_GET
def share(request, document_id: int):
    """The share dialog: who has access (directly or through which group)."""
    document = queries.access_document(request.user, document_id, perm="share_document")
    template = "documents/_share.html" if _is_htmx(request) else "documents/share.html"
    return render(request, template, _share_context(document))


@login_required
@require_GET
def share_find(request, document_id: int):
    """Users and bodies whose names match the query, without diacritics."""
    document = queries.access_document(request.user, document_id, perm="share_document")
    q = fold(request.GET.get("q", ""))
    users, bodies = [], []
    if len(q) >= 2:
        users = list(
            User.objects.filter(is_active=True, search_text__contains=q).order_by(
                "sort_key", "username"
            )[:8]
        )
        bodies = list(
            Body.objects.filter(search_text__contains=q).select_related("unit")[:8]
        )
    return render(
        request,
        "documents/_share_find.html",
        {"document": document, "users": users, "bodies": bodies, "q": q},
    )


def _level_perms(raw: str | None) -> tuple[str, ...]:
    for level, perms in queries.SHARE_LEVELS:
        if level == raw:
            return perms
    raise ActionError(_("Mức quyền không hợp lệ."), code="invalid")


def _targets(request):
    users = list(User.objects.filter(pk__in=_ids(request, "user"), is_active=True))
    bodies = Body.objects.filter(pk__in=_ids(request, "body")).select_related("group")
    groups = [b.group for b in bodies]
    from django.contrib.auth.models import Group

    groups += list(Group.objects.filter(pk__in=_ids(request, "group")))
    return users, groups


def _ids(request, name: str) -> list[int]:
    out = []
    for raw in request.POST.getlist(name):
        try:
            out.append(int(raw))
        except ValueError:
            continue
    return out


@login_required
@require_http_methods(["POST"])
def share_grant(request, document_id: int):
    document = queries.access_document(request.user, document_id, perm="share_document")
    return _share_change(request, document, revoke=False)


@login_required
@require_http_methods(["POST"])
def share_revoke(request, document_id: int):
    document = queries.access_document(request.user, document_id, perm="share_document")
    return _share_change(request, document, revoke=True)


@login_required
@require_http_methods(["POST"])
def share_offline(request, document_id: int):
    """Allow or forbid offline copies (the briefcase) from the share dialog."""
    document = queries.access_document(request.user, document_id, perm="share_document")
    status, error = 200, None
    raw = request.POST.get("offline")
    try:
        if raw not in ("0", "1"):
            raise ActionError(_("Lựa chọn bản offline không hợp lệ."), code="invalid")
        actions.set_offline_copies(request.user, document, allowed=raw == "1")
    except ActionError as exc:
        status, error = 422, exc.message
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("documents:share", document.pk)
    context = _share_context(document) | {"error": error}
    return render(request, "documents/_share.html", context, status=status)


def _share_change(request, document, *, revoke: bool):
    status, error = 200, None
    try:
        users, groups = _targets(request)
        if revoke:
            actions.revoke(request.user, document, users=users, groups=groups)
        else:
            perms = _level_perms(request.POST.get("level", "view"))
            if users or groups:
                # Setting a level replaces what the holder had before.
                actions.revoke(request.user, document, users=users, groups=groups)
            actions.grant(
                request.user, document, users=users, groups=groups, perms=perms
            )
    except ActionError as exc:
        status, error = 422, exc.message
    context = _share_context(document) | {"error": error}
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("documents:share", document.pk)
    return render(request, "documents/_share.html", context, status=status)


# --- search and picker --------------------------------------------------------------


@login_required
@require_GET
def search(request):
    """One box over titles and page text of what I may view."""
    q = request.GET.get("q", "").strip()[:200]
    results = run_search(request.user, q, ip=_ip(request)) if q else None
    template = (
        "documents/_search_results.html"
        if _is_htmx(request)
        else "documents/search.html"
    )
    return render(request, template, {"q": q, "results": results})


@login_required
@require_GET
def picker(request):
    """An embeddable list of my viewable documents whose title matches ``q``.

    Query parameters: ``q`` (searched without diacritics), ``name`` (the form
    field the checkboxes submit, default ``documents``), ``body`` (limit to a
    body), ``selected`` (ids already chosen, repeated).
    """
    q = fold(request.GET.get("q") or request.GET.get("picker_q") or "")[:200]
    docs = queries.viewable_documents(request.user).order_by("-created_at", "-id")
    if q:
        docs = docs.filter(title_folded__contains=q)
    body = request.GET.get("body")
    if body and body.isdigit():
        docs = docs.filter(body_id=int(body))
    name = request.GET.get("name", "documents")
    if not name.replace("_", "").isalnum():
        name = "documents"
    selected = {s for s in request.GET.getlist("selected") if s.isdigit()}
    return render(
        request,
        "documents/_picker.html",
        {"documents": list(docs[:20]), "name": name, "selected": selected, "q": q},
    )
