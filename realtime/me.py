"""``/ws/me/``: a signed-in user's own socket, for the notification bell.

The socket registers in the process hub (:mod:`realtime.hub`), like room
sockets: it has no channel-layer channel of its own. The hub's one channel joins
the user's group (``nghisu.user.<id>``) while the user has a socket in the
process, and ``bell`` messages (``publish(Bell(user), ...)``,
:mod:`nghisu.publish`, used by ``work.events``) are written to the user's bell sockets as ready frames. On
connect the socket gets the current unread count, so a tablet that reconnects
is right at once. Sent by the server: ``{"type": "notification.count",
"unread": n}``. The client may send ``{"type": "ping"}`` and gets
``{"type": "pong"}``; nothing else is accepted. Closed with 4401 when the user
signs out, 4503 when the channel layer is down.
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.db import database_sync_to_async

from realtime.consumers import CLOSE_UNAUTHENTICATED, PingConsumer, keep_hub
from realtime.hub import CLOSE_LAYER_DOWN, get_hub

logger = logging.getLogger(__name__)


@database_sync_to_async
def _unread(user_id: int) -> int:
    from work.events import unread_counts

    return unread_counts([user_id])[user_id]


class MeConsumer(PingConsumer):
    """One user's socket: notification counts pushed after commit.

    Client messages are handled as on ``/ws/ping/`` (``ping`` answered, anything
    else refused with an ``error``).
    """

    #: No channel-layer channel per socket: bell events come through the hub.
    channel_layer_alias = "__no_layer_per_socket__"
    user_id: int = 0
    backlog = None
    closing = False
    registered = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.hub = get_hub()
        try:
            await self.hub.join_bell(self)
        except Exception as exc:
            logger.warning("bell socket of user %s refused: %s", user.pk, exc)
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        self.registered = True
        keep_hub(self.hub)
        await self.accept()
        count = await _unread(user.pk)
        await self.send(
            text_data=json.dumps({"type": "notification.count", "unread": count})
        )

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.registered:
            self.registered = False
            await self.hub.leave_bell(self)

    def kick(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        asyncio.get_running_loop().create_task(self.close(code=code))
