"""The sending side of the hub: hand a ready frame to every process once.

Called after commit (from :mod:`meetings.events`), from any thread. With the
in-memory layer the message goes straight to this process's hub; otherwise it
is sent once to the channel-layer group of the room or the user, whose members
are one channel per server process. Failures are logged, never raised: the
action has committed and clients repair gaps with ``room.sync``.
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
    if message["k"] == "private" or (message["k"] == "kick" and "p" not in message):
        return user_group(message["u"])
    return room_group(message["m"])


def _log_failure(future) -> None:
    exc = future.exception()
    if exc is not None:
        logger.error("realtime: sending to the channel layer failed: %s", exc)


def send(message: dict[str, Any]) -> None:
    """Deliver a hub message (``k``: room, signal, private or kick) everywhere."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        hubs = running_hubs()
        if isinstance(layer, InMemoryChannelLayer):
            for hub in hubs:
                _on_loop(hub.loop, hub.dispatch, message)
            return
        payload = {"type": "hub.message", **message}
        group = _group_for(message)
        if hubs:
            loop = hubs[-1].loop
            coro_factory = lambda: layer.group_send(group, payload)  # noqa: E731
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
        async_to_sync(layer.group_send)(group, payload)
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
