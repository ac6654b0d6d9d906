"""The WebSocket origin check compares scheme, host and port (realtime.origin)."""

from __future__ import annotations

import pytest

from realtime.origin import origin_allowed


def scope(origin: str | None, host: str, scheme: str = "ws", **headers: str) -> dict:
    pairs = [(b"host", host.encode())]
    if origin is not None:
        pairs.append((b"origin", origin.encode()))
    pairs += [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": pairs}


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["hop.sonla.gov.vn", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.SECURE_PROXY_SSL_HEADER = None


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "allowed"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws", True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", "ws", False),  # another port
        ("https://127.0.0.1:8000", "127.0.0.1:8000", "ws", False),  # another scheme
        ("http://127.0.0.1", "127.0.0.1:8000", "ws", False),
        ("https://hop.sonla.gov.vn", "hop.sonla.gov.vn", "wss", True),
        ("https://hop.sonla.gov.vn:443", "hop.sonla.gov.vn", "wss", True),
        ("http://hop.sonla.gov.vn", "hop.sonla.gov.vn", "wss", False),
        ("https://evil.example", "evil.example", "wss", False),  # host not allowed
        ("null", "127.0.0.1:8000", "ws", False),
        (None, "127.0.0.1:8000", "ws", False),
    ],
)
def test_only_the_socket_s_own_origin_is_accepted(origin, host, scheme, allowed):
    assert origin_allowed(scope(origin, host, scheme)) is allowed


def test_behind_a_proxy_the_forwarded_scheme_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = {"x_forwarded_proto": "https"}
    assert origin_allowed(
        scope("https://hop.sonla.gov.vn", "hop.sonla.gov.vn", **forwarded)
    )
    assert not origin_allowed(
        scope("http://hop.sonla.gov.vn", "hop.sonla.gov.vn", **forwarded)
    )
    assert not origin_allowed(scope("https://hop.sonla.gov.vn", "hop.sonla.gov.vn"))


def test_trusted_origins_cover_a_proxy_that_rewrites_host(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://hop.sonla.gov.vn", "https://*.sonla.vn"]
    assert origin_allowed(scope("https://hop.sonla.gov.vn", "127.0.0.1:8000"))
    assert origin_allowed(scope("https://hdnd.sonla.vn", "127.0.0.1:8000"))
    assert not origin_allowed(scope("https://hop.sonla.gov.vn:8443", "127.0.0.1:8000"))
    assert not origin_allowed(scope("http://hdnd.sonla.vn", "127.0.0.1:8000"))
