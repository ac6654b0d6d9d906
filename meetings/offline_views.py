"""The offline briefcase's endpoints: a meeting's pack, and the check at contact.

Both are JSON; a meeting the user may not see is a 404 for the pack and an
empty ``allowed: false`` for the check (meetings.offline explains why).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meetings import offline

#: Largest JSON body of a check (a pack holds at most a few hundred documents).
MAX_CHECK_BODY = 200_000


def pack_width(raw: str | None) -> int:
    """The page width the tablet's viewer will ask for (static/js/viewer.js):
    the smallest allowed width at least ``raw`` pixels, else the largest."""
    try:
        wanted = int(raw or 800)
    except (TypeError, ValueError):
        wanted = 800
    widths = sorted(w for w in settings.DOCUMENT_RENDER_WIDTHS if w > 160)
    return next((w for w in widths if w >= wanted), widths[-1])


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def pack(request, meeting_id: int):
    """Everything the user may take offline of a published meeting, with sizes."""
    result = offline.pack(
        request.user, meeting_id, width=pack_width(request.GET.get("w"))
    )
    return _no_store(JsonResponse(result.as_json()))


@login_required
@require_POST
def check(request, meeting_id: int):
    """Which held documents a tablet may keep, and whether they are current.

    Body: ``{"documents": [[id, version], ...], "w": width}``.
    """
    try:
        if len(request.body) > MAX_CHECK_BODY:
            raise ValueError
        data = json.loads(request.body or b"{}")
        held = data.get("documents", [])
        if not isinstance(held, list):
            raise ValueError
    except (ValueError, AttributeError):
        return JsonResponse(
            {"code": "invalid", "message": _("Yêu cầu kiểm tra không hợp lệ.")},
            status=400,
        )
    answer = offline.check(
        request.user, meeting_id, held, width=pack_width(str(data.get("w", "")))
    )
    answer["maxAgeHours"] = settings.OFFLINE_MAX_AGE_HOURS
    return _no_store(JsonResponse(answer))


@login_required
@require_GET
def upcoming(request):
    """The meetings this tablet downloads by itself if its user chose so
    (``enabled`` says whether they did; the list is the same either way)."""
    return _no_store(
        JsonResponse(
            {
                "enabled": request.user.offline_auto_download,
                "meetings": offline.upcoming(request.user),
            }
        )
    )


@login_required
@require_GET
def briefcase(request):
    """The list of meetings kept on this tablet (drawn by static/js/briefcase.js
    from the tablet's own storage: the server does not know what it holds)."""
    return render(request, "meetings/briefcase.html")
