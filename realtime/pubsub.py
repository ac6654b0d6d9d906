"""Redis publish/subscribe between the web processes' hubs.

With Redis (``REDIS_URL``), a hub message (:mod:`realtime.transport`) is one
``PUBLISH`` to the channel of its room or user (:mod:`realtime.groups`), and
each process's hub holds **one** subscriber connection, subscribed to the
channels of the rooms and users it has sockets for. Redis pushes each message
to every subscribed process at once.

Why not the channel layer's groups, which carried these messages before:
channels_redis sends a group message in four sequential round trips
(``ZREMRANGEBYSCORE``, ``ZRANGE``, a pipeline, ``EVAL``) and receives each in
four more (``EVAL``, ``BZPOPMIN``, ``ZADD``, ``ZPOPMIN``), one message at a
time per process. On the 2-core benchmark machine, under load, 50 messages a
second through one hub reader waited 38 ms at the median and 1.06 s at the
99th percentile; the same through publish/subscribe 0.6 ms and 15 ms
(docs/performance.md, "Many rooms"). With 100 rooms of events that queue was
most of the many-rooms latency.

What stays the same: delivery is at most once, as it was (a process whose
connection is down misses what is published meanwhile, and closes its sockets
so tablets reconnect and resync; ``seq`` and ``room.sync`` repair any gap), and
no state lives only in Redis. Redis publish/subscribe ignores the database
number, so every channel name carries it (``nghisu:5:nghisu.room.12``): two
deployments (or test runs) on one Redis server with different databases do not
hear each other.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import Any
from urllib.parse import urlparse

import redis
import redis.asyncio as aredis

logger = logging.getLogger(__name__)

#: Publish/subscribe traffic of the hubs is named ``<PREFIX>:<db>:<group>``.
PREFIX = "nghisu"


def channel_prefix(url: str) -> str:
    """The channel-name prefix for the Redis database of ``url``."""
    path = urlparse(url).path.strip("/")
    db = int(path) if path.isdigit() else 0
    return f"{PREFIX}:{db}:"


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


class Bus:
    """One process's (one event loop's) connections: a subscriber, a publisher.

    Used from its loop only. :meth:`publish_soon` queues messages that one task
    sends in order, as one pipeline per batch (one round trip for the messages
    queued meanwhile), so a process's events leave in the order they were
    committed and published.
    """

    def __init__(self, url: str) -> None:
        self.prefix = channel_prefix(url)
        self.client = aredis.Redis.from_url(
            url,
            socket_connect_timeout=2,
            socket_timeout=5,
            # An idle subscriber pings every 15 s: a dead connection is noticed.
            health_check_interval=15,
        )
        self.pubsub: aredis.client.PubSub | None = None
        self._queue: deque[tuple[str, bytes]] = deque()
        self._publishing = False

    def name(self, group: str) -> str:
        return self.prefix + group

    def group_of(self, channel: bytes | str) -> str:
        name = channel.decode() if isinstance(channel, bytes) else channel
        return name[len(self.prefix) :] if name.startswith(self.prefix) else name

    # -- subscribing ------------------------------------------------------------
    async def open(self, *groups: str) -> None:
        """Open the subscriber connection, subscribed to ``groups``."""
        await self.close_subscriber()
        self.pubsub = self.client.pubsub()
        await self.pubsub.subscribe(*(self.name(g) for g in groups))

    async def subscribe(self, groups: list[str]) -> None:
        """Send SUBSCRIBE; the reader sees each group's confirmation."""
        if self.pubsub is None:
            raise ConnectionError("the subscriber connection is closed")
        await self.pubsub.subscribe(*(self.name(g) for g in groups))

    async def unsubscribe(self, groups: list[str]) -> None:
        if self.pubsub is not None and groups:
            await self.pubsub.unsubscribe(*(self.name(g) for g in groups))

    async def read(self, timeout: float = 15.0) -> tuple[str, str, Any] | None:
        """The next (kind, group, payload): kind ``message`` (payload the hub
        message), ``subscribe`` or ``unsubscribe``; None after ``timeout``."""
        if self.pubsub is None:
            raise ConnectionError("the subscriber connection is closed")
        raw = await self.pubsub.get_message(timeout=timeout)
        if raw is None:
            return None
        kind = raw["type"]
        kind = kind.decode() if isinstance(kind, bytes) else kind
        group = self.group_of(raw["channel"])
        if kind == "message":
            return kind, group, json.loads(raw["data"])
        return kind, group, None

    async def close_subscriber(self) -> None:
        pubsub, self.pubsub = self.pubsub, None
        if pubsub is not None:
            try:
                await pubsub.aclose()
            except Exception:
                logger.debug("closing the subscriber failed", exc_info=True)

    async def ping(self) -> None:
        await self.client.ping()

    # -- publishing ---------------------------------------------------------------
    def publish_soon(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """Queue ``(group, message)`` pairs; call on the bus's loop."""
        self._queue.extend((self.name(g), encode(m)) for g, m in items)
        if not self._publishing:
            self._publishing = True
            asyncio.get_running_loop().create_task(self._publish())

    async def _publish(self) -> None:
        try:
            while self._queue:
                batch = list(self._queue)
                self._queue.clear()
                try:
                    pipe = self.client.pipeline(transaction=False)
                    for channel, data in batch:
                        pipe.publish(channel, data)
                    await pipe.execute()
                except Exception as exc:
                    logger.error(
                        "realtime: publishing %d messages to Redis failed: %s",
                        len(batch),
                        exc,
                    )
        finally:
            self._publishing = False

    async def close(self) -> None:
        await self.close_subscriber()
        try:
            await self.client.aclose()
        except Exception:
            logger.debug("closing the publisher failed", exc_info=True)


_sync_clients: dict[str, redis.Redis] = {}


def publish_now(url: str, items: list[tuple[str, dict[str, Any]]]) -> None:
    """Publish from a process without a running hub (a task worker, a command)."""
    client = _sync_clients.get(url)
    if client is None:
        client = _sync_clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2
        )
    prefix = channel_prefix(url)
    pipe = client.pipeline(transaction=False)
    for group, message in items:
        pipe.publish(prefix + group, encode(message))
    pipe.execute()
