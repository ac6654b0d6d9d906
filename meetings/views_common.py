"""What the meeting pages share: refusals, redirects, status codes."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from meetings import queries
from nghisu.errors import ActionError, NotFound

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


def status_for(exc: ActionError) -> int:
    return STATUS_BY_CODE.get(exc.code, 422)


def back(request, default: str):
    """Redirect to the page the form came from (same site) or ``default``."""
    target = request.POST.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return redirect(target)


def refuse(request, exc: ActionError, default: str):
    """Show a refusal: JSON/htmx get the status and message; forms a message."""
    if request.headers.get("HX-Request") or request.headers.get(
        "Accept", ""
    ).startswith("application/json"):
        return JsonResponse(exc.as_dict(), status=status_for(exc))
    messages.error(request, exc.message)
    return back(request, default)


def url_of(meeting, name: str = "detail", *args) -> str:
    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


def require_manage(meeting) -> None:
    """Pages only managers use: others (participants) may not learn they exist."""
    if not meeting.viewer.manage:
        raise NotFound()


def item_of(request, meeting_id: int, item_id: int):
    """``(meeting, item)`` for an item the user may see, else 404."""
    item = queries.access_item(request.user, meeting_id, item_id)
    return item.meeting, item
