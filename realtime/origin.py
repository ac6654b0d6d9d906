"""The WebSocket origin check: scheme, host and port, as Django's CSRF check.

Channels' ``AllowedHostsOriginValidator`` compares the Origin's host name with
``ALLOWED_HOSTS`` only, so a page on another port or scheme of an allowed host
(another service on the same machine, a plain-HTTP port) could open sockets with
the user's cookies. A socket is accepted here when its ``Origin`` is

- the origin the request was made to: ``https`` when the socket is secure (a
  ``wss`` scope, or ``SECURE_PROXY_SSL_HEADER`` from the proxy), else ``http``,
  with the ``Host`` header, which must be in ``ALLOWED_HOSTS``; or
- one of ``CSRF_TRUSTED_ORIGINS`` (exact, or ``https://*.example.vn`` for its
  subdomains), for a proxy that rewrites ``Host``.

Default ports are normalised (``https://h`` is ``https://h:443``). A socket
without ``Origin`` is refused (browsers always send it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parts(origin: str) -> tuple[str, str, int] | None:
    try:
        url = urlsplit(origin.strip().lower())
        port = url.port
    except ValueError:
        return None
    if url.scheme not in _DEFAULT_PORTS or not url.hostname:
        return None
    return url.scheme, url.hostname, port or _DEFAULT_PORTS[url.scheme]


def _secure(scope: dict, headers: dict[str, str]) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, value = proxy
        header = name.removeprefix("HTTP_").replace("_", "-").lower()
        return headers.get(header, "").split(",")[0].strip() == value
    return False


def _trusted(parts: tuple[str, str, int]) -> bool:
    for trusted in getattr(settings, "CSRF_TRUSTED_ORIGINS", []):
        scheme, _, rest = trusted.lower().partition("://")
        if rest.startswith("*."):
            wild = _parts(f"{scheme}://{rest[2:]}")
            if (
                wild is not None
                and (wild[0], wild[2]) == (parts[0], parts[2])
                and parts[1].endswith("." + wild[1])
            ):
                return True
        elif _parts(trusted) == parts:
            return True
    return False


def origin_allowed(scope: dict) -> bool:
    """Whether the socket's ``Origin`` is its own origin or a trusted one."""
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1")
        for k, v in scope.get("headers", [])
    }
    parts = _parts(headers.get("origin", ""))
    if parts is None:
        return False
    host = headers.get("host", "")
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        scheme = "https" if _secure(scope, headers) else "http"
        if _parts(f"{scheme}://{host}") == parts:
            return True
    return _trusted(parts)


class SameOriginValidator:
    """ASGI middleware: refuse (HTTP 403) sockets from any other origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
