"""The sending side of the hub: hand a ready frame to every process once.

Installed as the domain's sender by :class:`realtime.apps.RealtimeConfig`
(:func:`nghisu.publish.install`): the domain publishes through
:func:`nghisu.publish.publish` and never imports this module. Called after
commit, from any thread. With the in-memory layer the message goes straight to this
process's hub; with Redis it is published once to the channel of the room or
the user (:mod:`realtime.groups`, :mod:`realtime.pubsub`), to which every
process with a socket there is subscribed. A private message to several users is sent once per user, each
copy naming its one user, so that a process holding sockets of two of them
delivers each frame once. Failures are logged, never raised: the action has
committed and clients repair gaps with ``room.sync``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from realtime import pubsub
from realtime.hub import redis_url, room_group, running_hubs, user_group

logger = logging.getLogger(__name__)


def _group_for(message: dict[str, Any]) -> str:
    kind = message["k"]
    if kind in ("private", "bell") or (kind == "kick" and "p" not in message):
        return user_group(message["u"])
    return room_group(message["m"])


def _per_user(message: dict[str, Any]) -> list[dict[str, Any]]:
    """One message per user group (the frame itself is shared, not copied)."""
    users = message.get("u")
    if message["k"] != "private" or not isinstance(users, list | tuple | set):
        return [message]
    return [{**message, "u": user} for user in dict.fromkeys(users)]


def deliver(message: dict[str, Any]) -> None:
    """The sender installed in :mod:`nghisu.publish` (looks :func:`send` up at
    each call, so tests may replace it)."""
    send(message)


def send(message: dict[str, Any]) -> None:
    """Deliver a hub message (``k``: room, signal, private, bell or kick) everywhere.

    The message gets ``at``, the time it was published, for the hubs' delivery
    latency (:data:`realtime.hub.DELIVERY`). With Redis it is published on the
    process's hub (one pipeline per batch, in order) or, in a process without
    one (a task worker, a command), at once from this thread.
    """
    message = {**message, "at": time.time()}
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        hubs = running_hubs()
        if isinstance(layer, InMemoryChannelLayer):
            for hub in hubs:
                _on_loop(hub.loop, hub.dispatch, message)
            return
        items = [(_group_for(part), part) for part in _per_user(message)]
        if hubs:
            hub = hubs[-1]
            _on_loop(hub.loop, hub.publish, items)
            return
        pubsub.publish_now(redis_url(layer), items)
    except Exception:
        logger.exception(
            "realtime: publishing %s to meeting %s failed",
            message.get("k"),
            message.get("m"),
        )


def _on_loop(loop: asyncio.AbstractEventLoop, func, *args) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        func(*args)
    else:
        loop.call_soon_threadsafe(func, *args)
