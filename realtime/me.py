"""``/ws/me/``: a signed-in user's own socket, for the notification bell.

The consumer joins the channel-layer group ``user.<id>`` (``work.events``) and
forwards every ``me.event`` it receives as one JSON text frame. On connect it
sends the current unread count, so a tablet that reconnects is right at once.
Sent by the server: ``{"type": "notification.count", "unread": n}``. The
client may send ``{"type": "ping"}`` and gets ``{"type": "pong"}``; nothing
else is accepted. Low traffic, so the plain Channels group pattern is enough
(the room's process hub is for the hot path).
"""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async

from realtime.consumers import CLOSE_UNAUTHENTICATED, PingConsumer

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

    group: str | None = None

    async def connect(self) -> None:
        from work.events import user_group

        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except Exception:
            logger.warning("me socket: joining %s failed", self.group, exc_info=True)
            self.group = None
            await self.close(code=4503)
            return
        await self.accept()
        count = await _unread(user.pk)
        await self.send(
            text_data=json.dumps({"type": "notification.count", "unread": count})
        )

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception:
                logger.warning(
                    "me socket: leaving %s failed", self.group, exc_info=True
                )

    async def me_event(self, message: dict) -> None:
        await self.send(
            text_data=json.dumps(
                message["event"], ensure_ascii=False, separators=(",", ":")
            )
        )
