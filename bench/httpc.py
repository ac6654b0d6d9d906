"""A small HTTP client: the real login form (CSRF, django-axes) and page GETs."""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN_PATH = "/accounts/login/"


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for key, morsel in cookie.items():
            jar[key] = morsel.value


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def login(port: int, username: str, password: str, *, host: str = "127.0.0.1") -> str:
    """Sign ``username`` in through the login form; return the Cookie header.

    GET the form (CSRF cookie and token), POST it; a redirect with a session
    cookie means success. Raise ``RuntimeError`` otherwise.
    """
    conn = http.client.HTTPConnection(host, port, timeout=60)
    jar: dict[str, str] = {}
    try:
        conn.request("GET", LOGIN_PATH)
        response = conn.getresponse()
        page = response.read().decode()
        _cookies(response, jar)
        match = _CSRF_INPUT.search(page)
        if response.status != 200 or match is None:
            raise RuntimeError(f"login form: HTTP {response.status}")
        body = urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": match.group(1),
            }
        )
        conn.request(
            "POST",
            LOGIN_PATH,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(jar),
                "Origin": f"http://{host}:{port}",
                "Referer": f"http://{host}:{port}{LOGIN_PATH}",
            },
        )
        response = conn.getresponse()
        response.read()
        _cookies(response, jar)
        if response.status != 302 or "sessionid" not in jar:
            raise RuntimeError(f"login of {username} refused: HTTP {response.status}")
        return cookie_header(jar)
    finally:
        conn.close()
