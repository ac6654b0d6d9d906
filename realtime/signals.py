"""Close a user's room sockets when they sign out (within a second)."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

logger = logging.getLogger(__name__)


@receiver(user_logged_out, dispatch_uid="realtime.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    """Transport, not domain: the session the sockets were opened with is gone."""
    if user is None:
        return
    from nghisu import publish

    publish.kick(user.pk, code=4401)
