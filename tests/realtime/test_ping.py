"""The /ws/ping/ socket: signed-in users only, same origin only."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from nghisu.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def communicator(cookie: bytes | None = None, origin: bytes = b"http://localhost"):
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/ping/", headers=headers)


@database_sync_to_async
def make_user(username="daibieu01"):
    from accounts.actions import create_user

    return create_user(username, full_name="Cầm Văn Đông", password=None)


async def test_a_signed_in_user_gets_pong():
    cookie = await session_cookie_for(await make_user())
    ws = communicator(cookie)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_bad_messages_get_vietnamese_errors_and_the_socket_stays():
    cookie = await session_cookie_for(await make_user())
    ws = communicator(cookie)
    await ws.connect()
    await ws.send_to(text_data="{not json")
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["code"] == "bad_json"
    await ws.send_to(text_data="x" * (65 * 1024))
    assert (await ws.receive_json_from())["code"] == "too_large"
    await ws.send_json_to({"type": "nonsense", "id": 7})
    error = await ws.receive_json_from()
    assert error == {
        "type": "error",
        "code": "unknown_type",
        "message": "Loại thông điệp không được hỗ trợ.",
        "id": 7,
    }
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_an_anonymous_socket_is_closed_with_4401():
    ws = communicator()
    connected, code = await ws.connect()
    assert not connected and code == 4401


async def test_a_foreign_origin_is_refused():
    cookie = await session_cookie_for(await make_user())
    ws = communicator(cookie, origin=b"https://evil.example")
    connected, _ = await ws.connect()
    assert not connected
