"""Database helpers every app may use."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import OperationalError, connections

T = TypeVar("T")


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
