"""Group names are built and checked in one place (realtime.groups)."""

from __future__ import annotations

import pytest

from realtime import transport
from realtime.groups import checked, room_group, user_group


def test_groups_are_named_by_one_integer_id():
    assert room_group(12) == "nghisu.room.12"
    assert user_group(5) == "nghisu.user.5"
    for wrong in ([5, 6], "5", None, True, 5.0):
        with pytest.raises(TypeError):
            user_group(wrong)


@pytest.mark.parametrize("name", ["", "a" * 100, "nghisu.user.[5, 6]", "phòng.1"])
def test_names_a_channel_layer_refuses_raise_where_they_are_built(name):
    with pytest.raises(ValueError):
        checked(name)
    assert checked("a" * 99)


def test_a_private_frame_to_several_users_goes_once_to_each_user_group():
    message = {"k": "private", "m": 3, "u": [5, 6, 5], "f": "{}"}
    parts = transport._per_user(message)
    assert [transport._group_for(p) for p in parts] == [
        "nghisu.user.5",
        "nghisu.user.6",
    ]
    assert all(p["f"] is message["f"] for p in parts)
    bell = {"k": "bell", "u": 7, "f": "{}"}
    assert transport._per_user(bell) == [bell]
    assert transport._group_for(bell) == "nghisu.user.7"


def test_no_socket_consumer_has_a_channel_layer_channel_of_its_own(settings):
    """The process hub is the only channel-layer reader (realtime.hub): a
    consumer with a channel of its own would starve it on Redis."""
    from realtime.routing import websocket_urlpatterns

    for route in websocket_urlpatterns:
        consumer = route.callback.consumer_class
        assert consumer.channel_layer_alias not in settings.CHANNEL_LAYERS, consumer
