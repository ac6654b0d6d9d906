"""The user's own socket (/ws/me/): signed-in only, the unread count on connect,
and a new count pushed after a notification commits."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_reader_left_on_sqlite():
    """The in-memory SQLite test database is shared between threads by a shared
    cache, where a reader still open on another thread's connection (the
    socket's, after it closed) makes a write fail at once with "database table
    is locked" instead of waiting: the test's own flush, or the next test's
    first write, failed so now and then. Wait until a write can start (a
    file database, as the product uses, waits by itself)."""
    yield
    import gc
    import time

    from django.db import connection
    from django.db.utils import OperationalError

    if connection.vendor != "sqlite":
        return
    for _ in range(100):
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
            return
        except OperationalError:
            gc.collect()  # a forgotten cursor of another thread's
            time.sleep(0.05)


async def test_an_anonymous_socket_is_closed_4401():
    from django.contrib.auth.models import AnonymousUser

    from realtime.me import MeConsumer

    communicator = WebsocketCommunicator(MeConsumer.as_asgi(), "/ws/me/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected or code == 4401
    if connected:
        message = await communicator.receive_output()
        assert message["code"] == 4401


async def test_the_bell_gets_its_count_and_then_every_change(cast):
    from realtime.me import MeConsumer
    from work import actions

    communicator = WebsocketCommunicator(MeConsumer.as_asgi(), "/ws/me/")
    communicator.scope["user"] = cast.delegate
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {
        "type": "notification.count",
        "unread": 0,
    }

    @database_sync_to_async
    def notify():
        actions.notify(
            [cast.delegate, cast.delegate2], kind="x", title="Tin", email=False
        )

    await notify()
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "notification.count",
        "unread": 1,
    }

    @database_sync_to_async
    def read_all():
        actions.mark_all_read(cast.delegate)

    await read_all()
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "notification.count",
        "unread": 0,
    }
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


def test_publishing_never_raises_without_a_layer(settings):
    from work import events

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "no.such.Layer"}}
    events.send_now(1, {"type": "notification.count", "unread": 3})  # logged only
