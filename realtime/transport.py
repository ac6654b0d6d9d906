"""The sending side of the hub: hand a ready frame to every process once.

Installed as the domain's sender by :class:`realtime.apps.RealtimeConfig`
(:func:`nghisu.publish.install`): the domain publishes through
:func:`nghisu.publish.publish` and never imports this module. Called after
commit, from any thread. With the in-memory layer the message goes straight to this
process's hub; otherwise it is sent once to the channel-layer group of the
room or the user (:mod:`realtime.groups`), whose members are one channel per
server process. A private message to several users is sent once per user, each
copy naming its one user, so that a process holding sockets of two of them
delivers each frame once. Failures are logged, never raised: the action has
committed and clients repair gaps with ``room.sync``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from realtime.hub import room_group, running_hubs, user_group

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


def _log_failure(future) -> None:
    exc = future.exception()
    if exc is not None:
        logger.error("realtime: sending to the channel layer failed: %s", exc)


def send(message: dict[str, Any]) -> None:
    """Deliver a hub message (``k``: room, signal, private, bell or kick) everywhere."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        hubs = running_hubs()
        if isinstance(layer, InMemoryChannelLayer):
            for hub in hubs:
                _on_loop(hub.loop, hub.dispatch, message)
            return
        sends = [
            (_group_for(part), {"type": "hub.message", **part})
            for part in _per_user(message)
        ]

        async def coro_factory() -> None:
            for group, payload in sends:
                await layer.group_send(group, payload)

        if hubs:
            loop = hubs[-1].loop
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.create_task(coro_factory()).add_done_callback(_log_failure)
            else:
                asyncio.run_coroutine_threadsafe(
                    coro_factory(), loop
                ).add_done_callback(_log_failure)
            return
        async_to_sync(coro_factory)()
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
