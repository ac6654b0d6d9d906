"""A small thread pool that runs the room's database work off the event loop.

Channels' ``database_sync_to_async`` runs every call on one shared thread and
closes the connection after each call when ``CONN_MAX_AGE`` is 0, so a vote
storm would queue behind one thread and reconnect to the database for every
ballot. The room uses this pool instead: ``ROOM_DB_THREADS`` threads, each
keeping its own connection open between calls (closed when unusable, and all
closed by :func:`shutdown`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, connections
from django.utils import translation

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


def retry_locked(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``func``; on SQLite, retry it when a table lock refused it at once.

    SQLite's busy timeout covers "database is locked", not "database table is
    locked" (shared-cache databases, as the test suite uses). The room's
    functions are whole transactions, so running one again is safe.
    """
    for attempt in range(50):
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            if (
                connections["default"].vendor != "sqlite"
                or "locked" not in str(exc)
                or connections["default"].in_atomic_block
                or attempt == 49
            ):
                raise
            time.sleep(0.005 + random.random() * 0.02)
    raise AssertionError("unreachable")


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
