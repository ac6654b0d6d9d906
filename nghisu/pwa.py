"""The installable web app: its manifest, its service worker, the user's key.

The service worker (static/js/sw.js) is served from the site root so that its
scope is the whole site, with the list of static files it keeps as the app shell
and a version that changes whenever one of them does. What it keeps of a user's
data lives in caches named after :func:`offline_key`, a key of the signed-in
user and session that each page hands it (docs/offline.md).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

#: Static folders whose files make the app shell (user-neutral, kept offline).
SHELL_PREFIXES = ("css/", "js/", "vendor/", "img/")
SHELL_SKIP = ("js/sw.js",)

#: The service worker's own policy: it fetches from this site only.
SW_POLICY = "default-src 'none'; connect-src 'self'; script-src 'self'"


def offline_key(request) -> str:
    """A key for this user's and this session's offline caches ("" if signed out).

    Not a secret that protects anything by itself: it keeps one person's
    caches apart from another's on a shared tablet, and a new session starts
    from an empty briefcase.
    """
    user = getattr(request, "user", None)
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is None or not user.is_authenticated or not session_key:
        return ""
    value = f"{user.pk}:{session_key}"
    return salted_hmac("nghisu.offline", value).hexdigest()[:20]


def offline(request) -> dict:
    """Context processor: the offline key for the page to hand the worker."""
    return {
        "OFFLINE_KEY": offline_key(request),
        "OFFLINE_MAX_AGE_HOURS": settings.OFFLINE_MAX_AGE_HOURS,
    }


def _shell_files() -> list[tuple[str, bytes]]:
    files = []
    seen = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(["*.map", "*.txt", "*.md"]):
            name = path.replace("\\", "/")
            if name in seen or not name.startswith(SHELL_PREFIXES):
                continue
            if name in SHELL_SKIP:
                continue
            seen.add(name)
            with storage.open(path) as handle:
                files.append((name, handle.read()))
    return sorted(files)


def _build_worker() -> str:
    files = _shell_files()
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    sw_path = finders.find("js/sw.js")
    with open(sw_path, encoding="utf-8") as handle:
        source = handle.read()
    digest.update(source.encode())
    config = {
        "version": digest.hexdigest()[:16],
        "shell": [static(name) for name, _data in files],
        "staticPrefix": settings.STATIC_URL,
        "maxAgeHours": settings.OFFLINE_MAX_AGE_HOURS,
    }
    return f"const NGHISU = {json.dumps(config)};\n{source}"


_cached_worker = lru_cache(maxsize=1)(_build_worker)


@require_GET
def service_worker(request):
    """The service worker at /sw.js, scope "/", never cached by the browser."""
    body = _build_worker() if settings.DEBUG else _cached_worker()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = SW_POLICY
    return response


@require_GET
def web_manifest(request):
    """The web app manifest: name, icons, standalone display."""
    data = {
        "name": "Nghị Sự",
        "short_name": "Nghị Sự",
        "description": "Họp không giấy cho HĐND và UBND",
        "lang": "vi",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#a3231f",
        "icons": [
            {
                "src": static(f"img/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response
