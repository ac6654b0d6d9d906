"""This process's live figures for ``/metrics`` (:mod:`nghisu.metrics`)."""

from __future__ import annotations

from collections.abc import Iterator

from nghisu.metrics import Sample
from realtime.hub import running_hubs


def collect() -> Iterator[Sample]:
    """Sockets, rooms and users held by this process's hub(s)."""
    hubs = running_hubs()
    rooms = [room for hub in hubs for room in hub.rooms.values()]
    yield Sample(
        "nghisu_sockets",
        "Open WebSockets in this process, by kind.",
        sum(len(room.sockets) for room in rooms),
        {"kind": "room"},
    )
    yield Sample(
        "nghisu_sockets",
        "Open WebSockets in this process, by kind.",
        sum(len(b) for hub in hubs for b in hub.bells.values()),
        {"kind": "bell"},
    )
    yield Sample(
        "nghisu_rooms",
        "Meetings with at least one socket in this process.",
        len(rooms),
    )
    yield Sample(
        "nghisu_room_users",
        "Users with a socket (room or bell) in this process.",
        sum(len(hub.users) for hub in hubs),
    )
    yield Sample(
        "nghisu_channel_layer_up",
        "1 while this process's channel layer answers (always 1 in memory).",
        float(all(hub.healthy for hub in hubs)),
    )
