"""Presence writes of this event loop's room sockets, batched."""

from __future__ import annotations

import asyncio
import logging
import weakref

from realtime import dbpool
from realtime.hub import PROCESS_ID

logger = logging.getLogger(__name__)


class PresenceBatch:
    """This event loop's presence writes, batched like a group commit.

    Sockets opened and closed while the previous batch is being written are
    recorded together in one transaction (:func:`meetings.actions.presence.do_presence_batch`),
    one batch at a time and in order; a lone socket is written at once. A storm
    of 500 reconnects is then a few transactions, not 1,000, and the chairs'
    ``presence`` view is refreshed once per meeting and batch (coalesced).
    Failures are logged: presence is advisory and the next heartbeat repairs it.
    """

    def __init__(self) -> None:
        self.joins: list[tuple[int, int, str]] = []
        self.leaves: list[tuple[int, str]] = []
        self.waiting: list[asyncio.Future] = []
        self.task: asyncio.Task | None = None
        self.batches = 0  # transactions written (tests read it)

    async def join(self, meeting_id: int, user_id: int, connection: str) -> None:
        self.joins.append((meeting_id, user_id, connection))
        await self._queued()

    async def leave(self, meeting_id: int, connection: str) -> None:
        self.leaves.append((meeting_id, connection))
        await self._queued()

    async def _queued(self) -> None:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.waiting.append(done)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._write())
        await asyncio.shield(done)

    async def _write(self) -> None:
        from meetings.actions.presence import do_presence_batch

        await asyncio.sleep(0)  # take the sockets of this loop iteration too
        while self.waiting:
            joins, leaves, waiting = self.joins, self.leaves, self.waiting
            self.joins, self.leaves, self.waiting = [], [], []
            self.batches += 1
            try:
                await dbpool.run(
                    do_presence_batch,
                    joins=joins,
                    leaves=leaves,
                    process_id=PROCESS_ID,
                )
            except Exception:
                logger.warning(
                    "presence batch of %d joins, %d leaves failed",
                    len(joins),
                    len(leaves),
                    exc_info=True,
                )
            for done in waiting:
                if not done.done():
                    done.set_result(None)


_presence_batches: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, PresenceBatch
] = weakref.WeakKeyDictionary()


def presence() -> PresenceBatch:
    loop = asyncio.get_running_loop()
    batch = _presence_batches.get(loop)
    if batch is None:
        batch = _presence_batches[loop] = PresenceBatch()
    return batch
