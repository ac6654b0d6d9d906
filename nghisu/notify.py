"""Notifying people, below every app: the inversion point for notifications.

Notifications belong to ``work`` (its ``Notification`` model, e-mail choices,
the bell), but meetings notify too (invitations, minutes to approve). So that
``meetings`` never imports ``work`` (which reads meetings), meetings call
:func:`notify` here and the work app installs its implementation,
:func:`work.actions.notifications.notify`, when it is ready
(``work.apps.WorkConfig.ready``). It runs inside the caller's transaction, as
a direct call would: the rows roll back with the action, mail and the bell
leave after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_notifier: Callable[..., Any] | None = None


def install(notifier: Callable[..., Any] | None) -> None:
    """Set the function that creates notifications (the work app's ready())."""
    global _notifier
    _notifier = notifier


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> Any:
    """Notify ``users`` (in-app, and by e-mail unless they chose otherwise)."""
    if _notifier is None:
        raise ImproperlyConfigured(
            "no notifier installed: is 'work' in INSTALLED_APPS?"
        )
    return _notifier(users, kind=kind, title=title, body=body, url=url, email=email)
