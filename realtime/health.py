"""The health check's channel-layer round trip (``/healthz``)."""

from __future__ import annotations

import asyncio
import uuid

from channels.layers import get_channel_layer

from realtime.hub import CHANNEL_PREFIX, hub_of_running_loop


async def check_layer(timeout: float = 2.0) -> None:
    """The health check: a round trip through the channel layer, raising on failure.

    Asks this loop's hub when there is one (a web process with sockets), so the
    check goes through the process's one reader; otherwise (no socket yet, or a
    WSGI process) a round trip on a channel with the hub's prefix, which shares
    the hub's real channel and so can starve nothing.
    """
    hub = hub_of_running_loop()
    if hub is not None:
        await hub.check(timeout)
        return
    layer = get_channel_layer()
    channel = await asyncio.wait_for(layer.new_channel(prefix=CHANNEL_PREFIX), timeout)
    token = uuid.uuid4().hex
    await asyncio.wait_for(
        layer.send(channel, {"type": "healthz", "t": token}), timeout
    )
    message = await asyncio.wait_for(layer.receive(channel), timeout)
    if message.get("t") != token:
        raise RuntimeError("channel layer returned another message")
