"""Pages of documents: list and upload, the document page (viewer), search, picker.

Every view resolves the document through :func:`documents.queries.access_document`
first, so anything the user may not see is a 404 that reveals nothing. Page
images, text and downloads are in :mod:`documents.views_pages`, sharing in
:mod:`documents.views_share`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from documents import actions, processing, queries, signatures
from documents import page_links as page_links_module
from documents.forms import DocumentEditForm, UploadForm
from documents.search import search as run_search
from documents.views_common import _ip, _is_htmx, _widths
from nghisu.errors import ActionError, NotFound
from nghisu.text import fold
from submissions.once import OnceForm, create_once, replayed

PAGE_SIZE = 25


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
