"""Helpers shared by the work actions."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Body, User
from nghisu.errors import ActionError
from work import queries


def require_manager(actor: User | None, body: Body, message: str | None = None) -> None:
    """Refuse anyone but the body's current chairs and secretaries."""
    if actor is None or not queries.is_manager(actor, body):
        raise ActionError(
            message
            or _("Chỉ chủ tịch hoặc thư ký của %(body)s mới làm được việc này.")
            % {"body": body.name},
            code="forbidden",
        )


def clean_text(value: str | None, *, limit: int, label: str, required: bool) -> str:
    """Return ``value`` stripped; refuse it empty (when required) or too long."""
    from nghisu.text import nfc

    text = nfc(value or "").strip()
    if required and not text:
        raise ActionError(
            _("Vui lòng nhập %(label)s.") % {"label": label}, code="required"
        )
    if len(text) > limit:
        raise ActionError(
            _("%(label)s dài quá %(n)s ký tự.")
            % {"label": label.capitalize(), "n": limit},
            code="too_long",
        )
    return text
