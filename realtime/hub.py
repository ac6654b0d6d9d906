"""The process-local hub: each process receives a room or user message once and
writes the ready frame to its own sockets.

Room sockets and bell sockets (``/ws/me/``) register here instead of having a
channel-layer channel each. With the in-memory layer (one process) messages are
handed to the hub directly; with Redis the hub holds **one** subscriber
connection (:mod:`realtime.pubsub`), subscribed to the channel of every room
(``nghisu.room.<id>``) and every user (``nghisu.user.<id>``) that has a socket
here, and reads it in one task that dispatches by message kind: room frames,
signals, private frames, bell frames, kicks and the health check's ping.

These messages once went through channels_redis groups. Besides costing eight
sequential round trips a message (:mod:`realtime.pubsub`), that layer receives
all of a process's own channels through one lock, and whoever holds it waits on
its own real channel (the part of the name up to ``!``) only: a second reader
with another prefix starved the hub. Publish/subscribe has no such lock; the
hub stays the one reader of its subscriptions all the same.

Room frames carry ``seq``; the hub delivers them in order, holding an early
frame up to ``ROOM_REORDER_HOLD`` seconds for the missing one (two processes
may publish in the opposite order of their commits); clients repair any gap
left with ``room.sync``. Signals (presence, vote progress) carry no seq.

When Redis fails (stopped, restarted), every socket of the hub is closed with
code 4503 so that tablets reconnect, and new sockets are refused until Redis
answers again: nothing lives only in Redis.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from collections import deque
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from nghisu import metrics
from realtime.groups import room_group, user_group
from realtime.hub_room import Bell, Room, Socket
from realtime.pubsub import Bus

__all__ = ["Hub", "get_hub", "room_group", "running_hubs", "user_group"]

logger = logging.getLogger(__name__)

CLOSE_LAYER_DOWN = 4503
#: From publishing (``t`` of the message, :func:`realtime.transport.send`) to
#: the frame written to the last of this process's sockets, per message kind.
DELIVERY = metrics.histogram(
    "nghisu_event_delivery_seconds",
    "Time from publishing an event to writing it to this process's last socket.",
)
#: Every process gets an id; presence rows of dead processes expire.
PROCESS_ID = uuid.uuid4().hex


class Hub:
    """Sockets of this process by room and user, fed once per event."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.rooms: dict[int, Room] = {}
        self.users: dict[int, int] = {}  # user id -> local sockets (room and bell)
        self.bells: dict[int, list[Bell]] = {}
        self._pings: dict[str, asyncio.Future] = {}
        layer = get_channel_layer()
        self.layer = None if isinstance(layer, InMemoryChannelLayer) else layer
        self.bus: Bus | None = None  # Redis publish/subscribe (realtime.pubsub)
        #: This hub's own channel (the health check's round trip).
        self.channel = f"nghisu.hub.{PROCESS_ID}"
        self.groups: set[str] = set()  # groups this process is subscribed to
        self._confirming: dict[str, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None
        self.healthy = True
        self.hold = float(getattr(settings, "ROOM_REORDER_HOLD", 0.3))
        self._start_lock = asyncio.Lock()
        self._outbox: deque[
            tuple[list[Socket], int | None, dict, float | None, str]
        ] = deque()
        self._draining = False

    # -- membership -----------------------------------------------------------
    async def _add_groups(self, *groups: str, timeout: float = 5.0) -> None:
        """Subscribe to ``groups`` and wait for Redis to confirm each one, so
        that every event published after this returns reaches this process."""
        if self.layer is None:
            return
        await self._ensure_reader()
        if not self.healthy or self.bus is None:
            raise ConnectionError("channel layer unavailable")
        waits, fresh = [], []
        for group in groups:
            if group in self.groups:
                continue
            waiting = self._confirming.get(group)
            if waiting is None:
                waiting = self._confirming[group] = self.loop.create_future()
                fresh.append(group)
            waits.append(waiting)
        if fresh:
            await self.bus.subscribe(fresh)
        if waits:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)

    async def _discard_groups(self, groups: list[str]) -> None:
        gone = [g for g in groups if g in self.groups]
        self.groups.difference_update(gone)
        if gone and self.bus is not None and self.healthy:
            try:
                await self.bus.unsubscribe(gone)
            except Exception:
                logger.warning("hub: unsubscribe failed", exc_info=True)

    def _user_gone(self, user_id: int) -> list[str]:
        """Count one socket of ``user_id`` less; the user's group if it was the last."""
        count = self.users.get(user_id, 1) - 1
        if count <= 0:
            self.users.pop(user_id, None)
            return [user_group(user_id)]
        self.users[user_id] = count
        return []

    async def join(self, socket: Socket) -> None:
        """Register ``socket``; raise ``ConnectionError`` if the layer is down."""
        await self._add_groups(
            room_group(socket.meeting_id), user_group(socket.user_id)
        )
        room = self.rooms.setdefault(socket.meeting_id, Room())
        room.sockets.append(socket)
        if socket.is_manager:
            room.managers.append(socket)
        room.by_user.setdefault(socket.user_id, []).append(socket)
        self.users[socket.user_id] = self.users.get(socket.user_id, 0) + 1

    async def leave(self, socket: Socket) -> None:
        room = self.rooms.get(socket.meeting_id)
        if room is None or socket not in room.sockets:
            return
        room.sockets.remove(socket)
        if socket in room.managers:
            room.managers.remove(socket)
        mine = room.by_user.get(socket.user_id, [])
        if socket in mine:
            mine.remove(socket)
        if not mine:
            room.by_user.pop(socket.user_id, None)
        gone = []
        if not room.sockets:
            if room.timer is not None:
                room.timer.cancel()
            del self.rooms[socket.meeting_id]
            gone.append(room_group(socket.meeting_id))
        gone += self._user_gone(socket.user_id)
        await self._discard_groups(gone)

    async def join_bell(self, bell: Bell) -> None:
        """Register a bell socket; raise ``ConnectionError`` if the layer is down."""
        await self._add_groups(user_group(bell.user_id))
        self.bells.setdefault(bell.user_id, []).append(bell)
        self.users[bell.user_id] = self.users.get(bell.user_id, 0) + 1

    async def leave_bell(self, bell: Bell) -> None:
        mine = self.bells.get(bell.user_id, [])
        if bell not in mine:
            return
        mine.remove(bell)
        if not mine:
            del self.bells[bell.user_id]
        await self._discard_groups(self._user_gone(bell.user_id))

    def note_seq(self, meeting_id: int, seq: int) -> None:
        """Start ordering a room's frames after the seq a socket was given."""
        room = self.rooms.get(meeting_id)
        if room is not None and room.last_seq is None:
            room.last_seq = seq

    # -- delivery -------------------------------------------------------------
    def dispatch(self, message: dict[str, Any]) -> None:
        """Handle one hub message (from the layer or from this process)."""
        kind = message.get("k")
        meeting_id = message.get("m")
        sent = message.get("at")
        if kind == "room":
            reseat = message.get("x")
            if reseat:  # the event's own kick: it arrives wherever the event does
                self._kick_participants(meeting_id, set(reseat["p"]), reseat["c"])
            self._room_frame(meeting_id, message["s"], message["f"], sent)
        elif kind == "signal":
            room = self.rooms.get(meeting_id)
            if room is None:
                pass
            elif message.get("c"):
                managers = message.get("a") == "managers"
                self._snapshot(meeting_id, room, message["c"], message["f"], managers)
            else:
                targets = (
                    room.managers if message.get("a") == "managers" else room.sockets
                )
                self._send(list(targets), None, message["f"], sent, "signal")
        elif kind == "private":
            users = message.get("u")
            users = users if isinstance(users, list) else [users]
            if meeting_id is None:
                rooms = list(self.rooms.values())
            else:
                rooms = [self.rooms[meeting_id]] if meeting_id in self.rooms else []
            targets = [
                s for room in rooms for u in users for s in room.by_user.get(u, ())
            ]
            self._send(targets, None, message["f"], sent, "private")
        elif kind == "bell":
            bells = list(self.bells.get(message.get("u"), ()))
            self._send(bells, None, message["f"], sent, "bell")
        elif kind == "kick":
            code = int(message.get("c", 4403))
            if message.get("p") is not None:
                self._kick_participants(meeting_id, set(message["p"]), code)
            else:
                self._kick(meeting_id, message.get("u"), code)
        elif kind == "ping":
            waiting = self._pings.pop(message.get("t"), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(True)
        else:
            logger.warning("hub: unknown message kind %r", kind)

    def _snapshot(
        self, meeting_id: int, room: Room, key: str, frame: str, managers: bool
    ) -> None:
        """Send a snapshot signal to the room, at most once per interval per key.

        A snapshot (``vote.progress``) replaces the one before it, so one
        arriving within the interval is held, and only the latest held is sent
        when the interval ends. The interval grows with the room's sockets in
        this process (``ROOM_SNAPSHOT_FRAMES_PER_SECOND`` frames a second at
        most, never more often than ``ROOM_COALESCE_SECONDS``): in a room of
        2,000 tablets, writing five snapshots a second was most of the cost of
        a vote.
        """
        rate = float(getattr(settings, "ROOM_SNAPSHOT_FRAMES_PER_SECOND", 2000))
        floor = float(getattr(settings, "ROOM_COALESCE_SECONDS", 0.2))
        interval = max(floor, len(room.sockets) / rate)
        state = room.snapshots.setdefault(key, [None, None, managers])
        now = self.loop.time()
        if state[1] is not None:  # a flush is already planned: replace its frame
            state[1] = frame
            return
        if state[0] is None or now - state[0] >= interval:
            state[0] = now
            self._send(list(room.managers if managers else room.sockets), None, frame)
            return
        state[1] = frame
        self.loop.call_later(
            state[0] + interval - now, self._flush_snapshot, meeting_id, key
        )

    def _flush_snapshot(self, meeting_id: int, key: str) -> None:
        room = self.rooms.get(meeting_id)
        state = room.snapshots.get(key) if room is not None else None
        if state is None or state[1] is None:
            return
        frame, state[1] = state[1], None
        state[0] = self.loop.time()
        self._send(list(room.managers if state[2] else room.sockets), None, frame)

    def _room_frame(
        self, meeting_id: int, seq: int, frame: str, sent: float | None = None
    ) -> None:
        room = self.rooms.get(meeting_id)
        if room is None:
            return
        last = room.last_seq
        if last is None or seq <= last + 1:
            self._send(list(room.sockets), seq, frame, sent, "room")
            if last is None or seq > last:
                room.last_seq = seq
            self._release(room)
            return
        room.held[seq] = frame
        if room.timer is None:
            room.timer = self.loop.call_later(self.hold, self._give_up, meeting_id)

    def _release(self, room: Room) -> None:
        while room.held and room.last_seq is not None:
            frame = room.held.pop(room.last_seq + 1, None)
            if frame is None:
                break
            room.last_seq += 1
            self._send(list(room.sockets), room.last_seq, frame)
        if not room.held and room.timer is not None:
            room.timer.cancel()
            room.timer = None

    def _give_up(self, meeting_id: int) -> None:
        """Deliver held frames after a gap that did not fill (clients resync)."""
        room = self.rooms.get(meeting_id)
        if room is None:
            return
        room.timer = None
        for seq in sorted(room.held):
            self._send(list(room.sockets), seq, room.held[seq])
            room.last_seq = max(room.last_seq or 0, seq)
        room.held.clear()

    def _send(
        self,
        targets: list[Socket],
        seq: int | None,
        frame: str,
        sent: float | None = None,
        kind: str = "",
    ) -> None:
        """Queue one frame for ``targets``; one task writes the queue in order.

        With ``sent`` (the publisher's ``time.time()``) the time until the
        last target is written goes to :data:`DELIVERY` under ``kind``.
        """
        if not targets:
            return
        message = {"type": "websocket.send", "text": frame}
        self._outbox.append((targets, seq, message, sent, kind))
        if not self._draining:
            self._draining = True
            self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._outbox:
                targets, seq, message, sent, kind = self._outbox.popleft()
                for socket in targets:  # the hot path: one call per socket
                    held = socket.backlog
                    if held is not None:
                        held.append((seq, message))
                        continue
                    if socket.closing:
                        continue
                    try:
                        await socket.base_send(message)
                    except Exception:
                        logger.warning("hub: skipping a dead socket", exc_info=True)
                if sent is not None:
                    DELIVERY.observe(max(0.0, time.time() - sent), kind=kind)
        finally:
            self._draining = False

    def _kick(self, meeting_id: int | None, user_id: int | None, code: int) -> None:
        rooms = (
            list(self.rooms.values())
            if meeting_id is None
            else [r for r in [self.rooms.get(meeting_id)] if r is not None]
        )
        for room in rooms:
            for socket in list(room.by_user.get(user_id, ())):
                socket.kick(code)
        if meeting_id is None:  # signed out: the bell's session is gone too
            for bell in list(self.bells.get(user_id, ())):
                bell.kick(code)

    def seat_version(self, meeting_id: int) -> int:
        """How many re-seats of the room this process has seen."""
        room = self.rooms.get(meeting_id)
        return room.reseats if room is not None else 0

    def _kick_participants(self, meeting_id: int, ids: set[int], code: int) -> None:
        room = self.rooms.get(meeting_id)
        if room is None:
            return
        room.reseats += 1
        for socket in list(room.sockets):
            if getattr(socket, "participant_id", None) in ids:
                socket.kick(code)

    # -- the layer ------------------------------------------------------------
    async def _ensure_reader(self) -> None:
        if self.reader is not None and not self.reader.done():
            return
        async with self._start_lock:
            if self.reader is not None and not self.reader.done():
                return
            if self.bus is None:
                self.bus = Bus(redis_url(self.layer))
            try:
                await self.bus.open(self.channel)
            except Exception as exc:
                logger.error("hub %s: Redis unavailable: %s", PROCESS_ID, exc)
                self.healthy = False
            self.reader = self.loop.create_task(self._read())

    async def _read(self) -> None:
        """Read this process's subscriptions until cancelled; on a failure,
        close every socket (4503) and wait for Redis to answer again."""
        delay = 0.5
        while True:
            try:
                if not self.healthy:
                    raise ConnectionError("Redis unavailable")
                got = await self.bus.read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.healthy:
                    logger.error(
                        "hub %s: Redis failed (%s); closing %d sockets",
                        PROCESS_ID,
                        exc,
                        sum(len(r.sockets) for r in self.rooms.values()),
                    )
                    self._lost()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                if await self.probe():
                    logger.info("hub %s: Redis is back", PROCESS_ID)
                    self.healthy = True
                    delay = 0.5
                continue
            if got is None:
                continue
            kind, group, payload = got
            if kind == "subscribe":
                self.groups.add(group)
                waiting = self._confirming.pop(group, None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
            elif kind == "message":
                try:
                    self.dispatch(payload)
                except Exception:
                    logger.exception("hub: dispatch failed")

    def _lost(self) -> None:
        """Redis failed: forget the subscriptions and close every socket."""
        self.healthy = False
        self.groups.clear()
        for waiting in self._confirming.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError("channel layer unavailable"))
        self._confirming.clear()
        self._close_all(CLOSE_LAYER_DOWN)

    async def probe(self) -> bool:
        """Check that Redis answers again, and open a fresh subscriber."""
        try:
            await self.bus.ping()
            await self.bus.open(self.channel)
        except Exception:
            return False
        return True

    async def check(self, timeout: float = 2.0) -> None:
        """A round trip through Redis and this hub's reader (the health check);
        raise if it does not come back within ``timeout`` seconds."""
        if self.layer is None:
            return
        await asyncio.wait_for(self._ensure_reader(), timeout)
        if not self.healthy:
            raise ConnectionError("channel layer unavailable")
        token = uuid.uuid4().hex
        waiting = self._pings[token] = self.loop.create_future()
        try:
            self.bus.publish_soon([(self.channel, {"k": "ping", "t": token})])
            await asyncio.wait_for(waiting, timeout)
        finally:
            self._pings.pop(token, None)

    def publish(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish ``(group, message)`` pairs through Redis (call on this loop)."""
        if self.bus is None:
            self.bus = Bus(redis_url(self.layer))
        self.bus.publish_soon(items)

    def _close_all(self, code: int) -> None:
        for room in list(self.rooms.values()):
            for socket in list(room.sockets):
                socket.kick(code)
        for bells in list(self.bells.values()):
            for bell in list(bells):
                bell.kick(code)

    async def refresh_groups(self) -> None:
        """Nothing to refresh: subscriptions, unlike the channel layer's
        groups, do not expire (kept for the maintenance task's call)."""

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            self.reader = None
        if self.bus is not None:
            await self.bus.close()
            self.bus = None


def redis_url(layer: Any) -> str:
    """The Redis of the hubs: the channel layer's first host (``REDIS_URL``)."""
    hosts = getattr(layer, "hosts", None)
    if hosts:
        host = hosts[0]
        return host["address"] if isinstance(host, dict) else host
    return settings.REDIS_URL


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = (
    weakref.WeakKeyDictionary()
)


def get_hub() -> Hub:
    """The hub of the running event loop (one per process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(loop)
    return hub


def hub_of_running_loop() -> Hub | None:
    """The running loop's hub if it has one (none is made)."""
    return _hubs.get(asyncio.get_running_loop())


def running_hubs() -> list[Hub]:
    """Hubs whose loop still runs (one in a server process)."""
    return [h for loop, h in list(_hubs.items()) if not loop.is_closed()]
