"""The unread count of the notification bell on every page (one COUNT query)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def bell(request):
    """``unread_notifications``: counted only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from work.queries import unread_count

        return unread_count(user)

    return {"unread_notifications": SimpleLazyObject(count)}
