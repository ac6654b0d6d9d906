"""The share dialog of a document: who has access, grant, revoke, offline copies.

Every view resolves the document through :func:`documents.queries.access_document`
with the share right first, so anything else is a 404 that reveals nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Body, User
from documents import actions, queries
from documents.views_common import _is_htmx
from nghisu.errors import ActionError
from nghisu.text import fold

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
