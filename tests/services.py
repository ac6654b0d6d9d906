"""Find the real services tests need; skip without them locally, fail under CI.

CI=true makes a missing Redis a failure. PostgreSQL is required when
NGHISU_REQUIRE_POSTGRES=1 (the PostgreSQL pass of .ci/run); on the SQLite pass the
PostgreSQL-only tests are skipped with that reason.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest
from django.db import connection


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


def missing(reason: str, *, required: bool) -> None:
    """Skip with ``reason``, or fail when the service is required here."""
    if required:
        pytest.fail(f"required service unavailable: {reason}", pytrace=False)
    print(f"\nSKIP (service): {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    """The Redis URL to test against, after checking that it answers."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            pass
    except OSError as exc:
        missing(f"Redis is not reachable at {url} ({exc})", required=_truthy("CI"))
    return url


def require_postgres() -> None:
    """Skip unless the test database is PostgreSQL."""
    if connection.vendor != "postgresql":
        missing(
            "needs PostgreSQL: set DATABASE_URL=postgres://... (this run uses "
            f"{connection.vendor})",
            required=_truthy("NGHISU_REQUIRE_POSTGRES"),
        )
