"""Read settings from the environment, failing loudly on values that make no sense."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean in ``name``; refuse anything but the usual spellings."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1 or 0.")


def env_int(name: str, default: int) -> int:
    """Return the integer in ``name``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated list in ``name``."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str | None, var_dir: Path) -> dict:
    """Turn ``DATABASE_URL`` into a Django database dict.

    Absent: SQLite in WAL mode under ``var/``. Supported: ``postgres://``,
    ``postgresql://`` and ``sqlite:///path``; any other scheme is refused by name.
    """
    if not url:
        return _sqlite(var_dir / "nghisu.sqlite3")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "nghisu",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {},
            "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
        }
    if scheme == "sqlite":
        path = unquote(parts.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif path.startswith("/"):
            path = path[1:]
        if not path or path == ":memory:":
            raise ImproperlyConfigured(
                "DATABASE_URL=sqlite:// needs a file path, e.g. sqlite:///var/db.sqlite3"
            )
        return _sqlite(Path(path))
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {scheme!r} is not supported. Use postgres://user@host/db "
        "(production) or sqlite:///path/to/file.sqlite3 (try-out)."
    )


def _sqlite(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # WAL lets Daphne and the task worker read while the other writes;
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait
            # (busy timeout) instead of failing with "database is locked".
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


def redis_url_from_env() -> str | None:
    """Return ``REDIS_URL`` if set, after checking its scheme."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return None
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL={url!r} is not a Redis URL; use redis://host:6379/0."
        )
    return url
