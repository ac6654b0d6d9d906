"""Project-wide endpoints: health for the operators, source for the users."""

from __future__ import annotations

import io
import logging
import tarfile
from functools import lru_cache

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """Report the database and channel layer; 503 when either is down."""
    state = {"database": _check_database(), "channel_layer": _check_channel_layer()}
    healthy = all(value == "ok" for value in state.values())
    return JsonResponse(state, status=200 if healthy else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        return "error"
    return "ok"


_layer_check = None


def install_layer_check(check) -> None:
    """Set the coroutine function ``/healthz`` awaits for the channel layer."""
    global _layer_check
    _layer_check = check


def _check_channel_layer() -> str:
    """A round trip through the process's hub (its one channel-layer reader).

    Under an ASGI server this runs on the server's event loop, so the message
    goes through the same reader as the sockets' events: a health check with a
    channel of its own would take turns with the hub for channels_redis's
    receive lock, and both would starve (``realtime.hub``). The check is
    installed by the realtime app (:func:`install_layer_check`), so this
    module imports nothing of ``realtime``; without it the layer is "absent".
    """
    if _layer_check is None:
        return "absent"
    try:
        async_to_sync(_layer_check)()
    except Exception as exc:
        logger.warning("healthz: channel layer check failed: %r", exc)
        return "error"
    return "ok"


_SOURCE_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "var",
    "media",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "results",
    "test-artifacts",
    "staticfiles",
}
_SOURCE_SUFFIXES = {
    ".py",
    ".html",
    ".js",
    ".css",
    ".md",
    ".toml",
    ".txt",
    ".po",
    ".svg",
    ".woff2",
    ".ttf",
    ".otf",
    ".json",
    ".cfg",
    ".ini",
    "",
}


@lru_cache(maxsize=1)
def _source_archive() -> bytes:
    buffer = io.BytesIO()
    root = settings.BASE_DIR
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part in _SOURCE_SKIP_DIRS for part in rel.parts[:-1]):
                continue
            if not path.is_file() or path.is_symlink():
                continue
            if rel.name.startswith(".") and rel.name not in {".gitignore"}:
                continue
            if rel.parts[0].startswith(".") and rel.parts[0] != ".ci":
                continue
            if path.suffix not in _SOURCE_SUFFIXES:
                continue
            archive.add(path, arcname=f"nghisu/{rel}")
    return buffer.getvalue()


@require_GET
def source(request):
    """Offer the running program's source (AGPL-3.0-or-later, section 13)."""
    response = HttpResponse(_source_archive(), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="nghisu-source.tar.gz"'
    return response


def not_found(request, exception=None):
    return _error_page(request, 404)


def forbidden(request, exception=None):
    return _error_page(request, 403)


def server_error(request):
    return _error_page(request, 500)


def _error_page(request, status: int):
    if status == 500:
        # Stands alone, without context processors: it must render when the
        # database or the session store is down.
        body = loader.get_template("errors/500.html").render({})
        return HttpResponse(body, status=500)
    return render(request, f"errors/{status}.html", status=status)


def csrf_failure(request, reason: str = ""):
    """A stale or foreign form: say so in Vietnamese, change nothing."""
    return render(request, "errors/csrf.html", status=403)
