"""The health check's Redis round trip (``/healthz``)."""

from __future__ import annotations

import asyncio
import uuid

from channels.layers import InMemoryChannelLayer, get_channel_layer

from realtime.hub import hub_of_running_loop, redis_url
from realtime.pubsub import Bus


async def check_layer(timeout: float = 2.0) -> None:
    """The health check: a round trip through Redis, raising on failure.

    Asks this loop's hub when there is one (a web process with sockets), so the
    check goes through the process's own subscriber; otherwise (no socket yet,
    or a WSGI process) a short-lived subscriber of its own publishes a token to
    itself. Nothing to check with the in-memory layer.
    """
    hub = hub_of_running_loop()
    if hub is not None:
        await hub.check(timeout)
        return
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return
    bus = Bus(redis_url(layer))
    token = uuid.uuid4().hex
    channel = f"nghisu.health.{token}"
    try:
        await asyncio.wait_for(bus.open(channel), timeout)

        async def round_trip() -> None:
            published = False
            while True:
                got = await bus.read(timeout=timeout)
                if got is None:
                    continue
                kind, _group, payload = got
                if kind == "subscribe" and not published:
                    published = True
                    bus.publish_soon([(channel, {"k": "ping", "t": token})])
                elif kind == "message" and payload.get("t") == token:
                    return

        await asyncio.wait_for(round_trip(), timeout)
    finally:
        await bus.close()
