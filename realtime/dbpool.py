"""A small thread pool that runs the room's database work off the event loop.

Channels' ``database_sync_to_async`` runs every call on one shared thread and
closes the connection after each call when ``CONN_MAX_AGE`` is 0, so a vote
storm would queue behind one thread and reconnect to the database for every
ballot. The room uses this pool instead: ``ROOM_DB_THREADS`` threads, each
keeping its own connection open between calls (closed when unusable, and all
closed by :func:`shutdown`).

:func:`batched` gathers calls that arrive together (a vote storm: hundreds of
ballots a second) and runs them as one call of a function that takes the whole
batch, so that one transaction serves many sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.utils import translation

from nghisu.db import retry_locked

logger = logging.getLogger(__name__)
T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_size = 0


def _workers() -> int:
    return int(getattr(settings, "ROOM_DB_THREADS", 8))


def _get_executor() -> ThreadPoolExecutor:
    global _executor, _size
    with _lock:
        if _executor is None:
            _size = _workers()
            _executor = ThreadPoolExecutor(_size, thread_name_prefix="room-db")
        return _executor


def _call(func: Callable[..., T], language: str | None, *args: Any, **kwargs: Any) -> T:
    conn = connections["default"]
    if conn.connection is not None and conn.errors_occurred:
        if not conn.is_usable():
            conn.close()
        conn.errors_occurred = False
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            return retry_locked(func, *args, **kwargs)
    except Exception:
        # A failed statement may have left the connection broken.
        if (
            conn.connection is not None
            and not conn.in_atomic_block
            and conn.errors_occurred
            and not conn.is_usable()
        ):
            conn.close()
        raise


async def run(
    func: Callable[..., T], *args: Any, language: str | None = None, **kwargs: Any
) -> T:
    """Run ``func(*args, **kwargs)`` in the pool with ``language`` active."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _get_executor(), functools.partial(_call, func, language, *args, **kwargs)
    )


class _Queue:
    """Calls waiting for one key, and whether a batch of them is running."""

    __slots__ = ("items", "running")

    def __init__(self) -> None:
        self.items: list[tuple[Any, asyncio.Future]] = []
        self.running = 0  # tasks draining this queue


_queues: dict[tuple[int, Hashable], _Queue] = {}


def _batch_wait() -> float:
    return float(getattr(settings, "ROOM_BATCH_SECONDS", 0.015))


def _batch_max() -> int:
    return int(getattr(settings, "ROOM_BATCH_MAX", 500))


def _batch_parallel() -> int:
    return max(1, int(getattr(settings, "ROOM_BATCH_PARALLEL", 2)))


async def batched(
    key: Hashable,
    func: Callable[[list[Any]], Sequence[Any]],
    item: Any,
    *,
    language: str | None = None,
) -> Any:
    """Run ``func`` on ``item`` together with the other items queued for ``key``.

    The first item of a key waits ``ROOM_BATCH_SECONDS`` for others; then the
    queued items (at most ``ROOM_BATCH_MAX``) go to ``func(items)`` in the pool.
    Items arriving while a batch runs start another batch the same way, up to
    ``ROOM_BATCH_PARALLEL`` batches of a key at a time in this process (so one
    slow transaction does not hold up every caller); beyond that they wait for
    a running batch to end and go with the next, so the batches grow with the
    load. ``func`` returns one outcome per item, in
    order: a value, or an exception instance, which is raised to that item's
    caller only. If ``func`` itself raises, every caller of the batch gets the
    exception. Items of one batch share ``language``: put it in ``key``.
    """
    loop = asyncio.get_running_loop()
    qkey = (id(loop), key)
    queue = _queues.get(qkey)
    if queue is None:
        queue = _queues[qkey] = _Queue()
    future = loop.create_future()
    queue.items.append((item, future))
    if queue.running < _batch_parallel() and len(queue.items) == 1:
        # (more than one item waiting: a task is already gathering them)
        queue.running += 1
        loop.create_task(_drain(qkey, queue, func, language))
    return await asyncio.shield(future)


async def _drain(
    qkey: tuple[int, Hashable],
    queue: _Queue,
    func: Callable[[list[Any]], Sequence[Any]],
    language: str | None,
) -> None:
    batch: list[tuple[Any, asyncio.Future]] = []
    try:
        await asyncio.sleep(_batch_wait())
        while queue.items:
            size = _batch_max()
            batch, queue.items = queue.items[:size], queue.items[size:]
            items = [item for item, _future in batch]
            try:
                outcomes = await run(func, items, language=language)
                if len(outcomes) != len(batch):
                    raise RuntimeError(
                        f"batch of {len(batch)} answered {len(outcomes)} times"
                    )
            except Exception as exc:
                outcomes = [exc] * len(batch)
            for (_item, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
    finally:
        # After a cancellation, fail what is left rather than hang its callers.
        queue.running -= 1
        left = batch if queue.running else [*batch, *queue.items]
        for _item, future in left:
            if not future.done():
                future.set_exception(RuntimeError("batch cancelled"))
        if not queue.running:
            del _queues[qkey]


def shutdown() -> None:
    """Close every pool thread's database connection and stop the threads."""
    global _executor
    with _lock:
        executor, size, _executor = _executor, _size, None
    if executor is None:
        return
    barrier = threading.Barrier(size, timeout=10)

    def close() -> None:
        connections.close_all()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    for _ in range(size):
        executor.submit(close)
    executor.shutdown(wait=True)
