"""Send a stored file after the view's permission check: by Django, or by nginx.

Every download view (originals, annotated copies, counting records, minutes,
consultation reports, page images that are not signed) checks the permission
first and then calls :func:`send_file`. With ``FILE_SENDER=django`` (the
default, what ``make run`` uses) Django streams the file. With
``FILE_SENDER=nginx`` the response is empty and carries ``X-Accel-Redirect``
to nginx's ``internal`` location ``FILE_ACCEL_PREFIX`` (``/_files/``, an alias
of ``MEDIA_ROOT``): nginx sends the bytes, Django's headers (type,
disposition, ``Cache-Control``, ``ETag``) stay. The check still runs on every
request, so a revoked grant takes effect on the next one. docs/security.md.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

CHUNK = 1 << 20


def etag_matches(request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (or ``*``)."""
    header = request.headers.get("If-None-Match", "")
    return etag in [t.strip() for t in header.split(",")] or header.strip() == "*"


def accel_path(path: Path) -> str | None:
    """The internal nginx URI of ``path``, or None when it is not under media."""
    try:
        relative = Path(path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve())
    except ValueError:
        return None
    return settings.FILE_ACCEL_PREFIX + quote(relative.as_posix())


def send_file(
    request,
    path: Path | str,
    *,
    content_type: str,
    filename: str | None = None,
    attachment: bool = True,
    cache: str = "private, no-store",
    etag: str | None = None,
    content: bytes | None = None,
) -> HttpResponseBase:
    """Answer with the file at ``path``; call only after the permission check.

    ``etag`` (quoted) answers a matching ``If-None-Match`` with 304. In an
    async view Django streams through an async iterator (reads run outside the
    event loop); in a sync view through ``FileResponse``; ``content``, the
    file's bytes already read, is answered as is.
    """
    path = Path(path)
    if etag and etag_matches(request, etag):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        accel = accel_path(path) if settings.FILE_SENDER == "nginx" else None
        if accel:
            response = HttpResponse(content_type=content_type)
            response["X-Accel-Redirect"] = accel
        elif content is not None:
            response = HttpResponse(content, content_type=content_type)
        elif _in_event_loop():
            response = StreamingHttpResponse(_stream(path), content_type=content_type)
            response["Content-Length"] = str(path.stat().st_size)
        else:
            response = FileResponse(path.open("rb"), content_type=content_type)
        if filename:
            response["Content-Disposition"] = content_disposition_header(
                attachment, filename
            )
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = cache
    return response


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _stream(path: Path, chunk: int = CHUNK):
    """Yield a file in chunks, reading outside the event loop and Django's thread."""
    read = partial(sync_to_async, thread_sensitive=False)
    handle = await read(open)(path, "rb")
    try:
        while data := await read(handle.read)(chunk):
            yield data
    finally:
        handle.close()
