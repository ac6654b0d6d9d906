"""Publishing to a user's own sockets (the bell): transport only, no rules.

Every signed-in page holds one socket to ``/ws/me/`` (:mod:`realtime.me`),
registered in its process's hub; events reach it through the user's group
(``publish(Bell(user), event)``, :mod:`nghisu.publish`). Actions call
:func:`publish_to_user` or :func:`publish_unread_counts` inside their
transaction; the event leaves after commit. Publishing never raises: a failure
is logged, and the page shows the right count on its next load anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count

from nghisu.publish import Bell, publish

logger = logging.getLogger(__name__)


def send_now(user_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` to the user's sockets at once (no transaction involved)."""
    try:
        publish(Bell(int(user_id)), event, on_commit=False)
    except Exception:
        logger.exception(
            "work.events: publishing %s to user %s failed", event.get("type"), user_id
        )


def publish_to_user(user_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` (a JSON-able dict with ``type``) to the user after commit."""
    transaction.on_commit(lambda: send_now(user_id, event))


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Unread notifications per user (one query; users with none get 0)."""
    from work.models import Notification

    ids = list(set(user_ids))
    counts = dict(
        Notification.objects.filter(recipient_id__in=ids, read_at__isnull=True)
        .values_list("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    return {pk: counts.get(pk, 0) for pk in ids}


def publish_unread_counts(user_ids: Iterable[int]) -> None:
    """After commit, count each user's unread notifications (one query) and send
    ``{"type": "notification.count", "unread": n}`` to their sockets."""
    ids = list(set(user_ids))
    if not ids:
        return

    def send() -> None:
        try:
            counts = unread_counts(ids)
        except Exception:
            logger.exception("work.events: counting unread notifications failed")
            return
        for pk, n in counts.items():
            send_now(pk, {"type": "notification.count", "unread": n})

    transaction.on_commit(send)
