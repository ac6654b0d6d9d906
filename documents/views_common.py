"""What the document views share: the client's address, htmx, page widths, watermark."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


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


def _widths() -> tuple[int, ...]:
    return tuple(settings.DOCUMENT_RENDER_WIDTHS)
