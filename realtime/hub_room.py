"""What the hub holds per room and what it needs of a socket (realtime.hub)."""

from __future__ import annotations

import asyncio
from typing import Protocol


class Socket(Protocol):
    """What the hub needs of a room consumer."""

    meeting_id: int
    user_id: int
    is_manager: bool

    #: Frames held while the socket's room.state is being read (None after).
    backlog: list[tuple[int | None, dict[str, str]]] | None
    closing: bool

    async def base_send(self, message: dict[str, str]) -> None: ...

    def kick(self, code: int) -> None: ...


class Bell(Protocol):
    """What the hub needs of a bell socket (``/ws/me/``)."""

    user_id: int
    backlog: None
    closing: bool

    async def base_send(self, message: dict[str, str]) -> None: ...

    def kick(self, code: int) -> None: ...


class Room:
    """The sockets of one meeting in this process, and its delivery order."""

    __slots__ = (
        "sockets",
        "managers",
        "by_user",
        "last_seq",
        "held",
        "timer",
        "snapshots",
        "reseats",
    )

    def __init__(self) -> None:
        self.sockets: list[Socket] = []
        self.managers: list[Socket] = []
        self.by_user: dict[int, list[Socket]] = {}
        self.last_seq: int | None = None
        self.held: dict[int, str] = {}
        self.timer: asyncio.TimerHandle | None = None
        # Snapshot signals by key: [time last sent, latest frame not sent yet].
        self.snapshots: dict[str, list] = {}
        # Re-seats (participants removed or changed) seen here: sockets whose
        # seat is older re-check it before their next command (realtime.seats).
        self.reseats = 0
