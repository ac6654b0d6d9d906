"""A real Redis round trip through the channel layer, and /healthz."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels_redis.core import RedisChannelLayer

from tests import services


@pytest.mark.redis
async def test_a_group_message_round_trips_through_real_redis():
    layer = RedisChannelLayer(hosts=[services.redis_url()], prefix="nghisu-test")
    channel = await layer.new_channel()
    await layer.group_add("meeting.test", channel)
    await layer.group_send("meeting.test", {"type": "room.event", "text": "Nghị quyết"})
    assert await layer.receive(channel) == {"type": "room.event", "text": "Nghị quyết"}
    await layer.group_discard("meeting.test", channel)
    await layer.flush()


@pytest.fixture
def fresh_layers():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_healthz_reports_database_and_channel_layer(client, db, fresh_layers):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok"}


@pytest.mark.redis
def test_healthz_is_ok_on_real_redis(client, db, settings, fresh_layers):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [services.redis_url()]},
        }
    }
    assert client.get("/healthz").json()["channel_layer"] == "ok"


def test_healthz_is_503_when_redis_is_down(client, db, settings, fresh_layers):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "error"}
    async_to_sync(channel_layers["default"].close_pools)()
