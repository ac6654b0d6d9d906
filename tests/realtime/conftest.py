"""Fixtures of the realtime tests: rooms built through the real actions."""

from __future__ import annotations

import pytest

from tests.realtime.rooms import build_room


@pytest.fixture(autouse=True)
def _room_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOM_COALESCE_SECONDS = 0.05
    settings.ROOM_REORDER_HOLD = 0.2


@pytest.fixture(autouse=True)
def _close_room_pool():
    """The room's database threads keep connections: close them after a test."""
    yield
    from meetings import events, room
    from realtime import consumers, dbpool

    events.cancel_pending()
    room.forget_shared_states()

    for task in list(consumers._maintenance.values()):
        task.cancel()
    consumers._maintenance.clear()
    dbpool.shutdown()


@pytest.fixture
def room(cast):
    """A running HĐND meeting; a quorum checked in (the chair and cast.delegate2),
    cast.delegate not yet."""
    return build_room(cast)
