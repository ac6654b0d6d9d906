"""WebSocket consumers: thin translators between the wire and actions."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import uuid
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime import commands, dbpool, seats
from realtime.frames import command_id_error, error_frame, parse_frame, usable_id
from realtime.hub import CLOSE_LAYER_DOWN, PROCESS_ID, Hub, get_hub
from realtime.presence import presence

logger = logging.getLogger(__name__)

# Close codes in the 4000 range are ours; docs/protocol.md lists them.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_RECONNECT = 4000  # rights changed: reconnect at once for a fresh seat
CLOSE_FLOOD = 4429
CLOSE_NOT_FOUND = 4404  # no such socket address (e.g. /ws/meetings/abc/)


class PingConsumer(AsyncWebsocketConsumer):
    """``/ws/ping/``: answers ``ping`` with ``pong``, for signed-in users only.

    Lets a tablet (and the operators) check that sockets reach the server
    through proxies and that the session authenticates them.
    """

    #: No channel-layer channel: a consumer's own channel would be a second
    #: reader of the layer in the process and starve the hub (realtime.hub).
    channel_layer_alias = "__no_layer_per_socket__"

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        message, error = parse_frame(text_data)
        if error is not None:
            await self.send(text_data=error)
            return
        if message["type"] == "ping":
            await self.send(text_data='{"type": "pong"}')
            return
        await self.send(
            text_data=error_frame(
                "unknown_type",
                "Loại thông điệp không được hỗ trợ.",
                command_id=message.get("id"),
            )
        )


# ---------------------------------------------------------------------------
# the meeting room
# ---------------------------------------------------------------------------
_maintenance: dict[int, asyncio.Task] = {}


def _answer(command_id: object, result: dict[str, Any]) -> str:
    return json.dumps(
        {"type": "ack", "id": command_id, "result": result},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _heartbeat() -> None:
    from meetings.actions.presence import heartbeat

    heartbeat(PROCESS_ID)


async def _maintain(hub: Hub) -> None:
    """Keep this process's presence alive and its layer groups fresh."""
    beats = 0
    while True:
        try:
            await dbpool.run(_heartbeat)
            await seats.sweep(hub)
            beats += 1
            if beats % 40 == 0:  # every ten minutes
                await hub.refresh_groups()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("room maintenance failed", exc_info=True)
        await asyncio.sleep(float(getattr(settings, "ROOM_HEARTBEAT_SECONDS", 15)))


def keep_hub(hub: Hub) -> None:
    """Start this loop's maintenance task (heartbeat, group refresh) once."""
    task = _maintenance.get(id(hub.loop))
    if task is None or task.done():
        _maintenance[id(hub.loop)] = hub.loop.create_task(_maintain(hub))


class RoomConsumer(AsyncWebsocketConsumer):
    """``/ws/meetings/<id>/``: one meeting's live room.

    ``connect`` authorises once (participants, and the body's chairs and
    secretaries) and keeps the seat; anonymous sockets are accepted and
    closed with 4401, others with 4403, so a browser sees the code and does
    not retry. Room events arrive through the process hub as ready frames;
    nothing per socket reads the database. Commands are looked up in the
    command registry (:mod:`realtime.commands`: schema, action, ack), run in
    :mod:`realtime.dbpool` through the command store
    (:func:`meetings.actions.commands.run_once`), each answered by ``ack`` or
    ``error``; a re-sent command (same ``id``) is answered again without being
    done twice.
    """

    #: No channel-layer channel per socket: room events come through the hub.
    channel_layer_alias = "__no_layer_per_socket__"
    meeting_id: int = 0
    user_id: int = 0
    is_manager: bool = False
    participant_id: int | None = None

    closing = False
    backlog: list[tuple[int | None, dict[str, str]]] | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Dispatch as Channels does, without its ``close_old_connections`` hop.

        Channels sends every message of every socket through its single sync
        thread first, to close that thread's stale database connections. This
        consumer never uses that thread's connection (its database work runs
        in :mod:`realtime.dbpool`, whose threads look after their own), and in
        a vote storm that one thread is the queue every ballot waits in.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.closing = False
        self.joined = False
        self.connection_id = uuid.uuid4().hex
        self.backlog: list[tuple[int | None, dict[str, str]]] | None = []
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        from meetings import room
        from nghisu.errors import NotFound

        self.user = user
        self.language = _language(self.scope)
        meeting_id = self.scope["url_route"]["kwargs"]["meeting_id"]
        try:
            self.seat = await dbpool.run(room.access_room, user, meeting_id)
        except NotFound:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.meeting_id = self.seat.meeting_id
        self.user_id = user.pk
        self.is_manager = self.seat.can_control
        self.participant_id = self.seat.participant_id
        self.tokens = float(getattr(settings, "ROOM_RATE_BURST", 40))
        self.stamp = time.monotonic()
        self.refused = 0
        self.hub = get_hub()
        try:
            await self.hub.join(self)
        except Exception as exc:
            logger.warning(
                "meeting %s: socket %s refused, hub unavailable (%s)",
                self.meeting_id,
                self.connection_id,
                exc,
            )
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        self.joined = True
        self.seat_version = self.hub.seat_version(self.meeting_id)
        keep_hub(self.hub)
        await self._send_state()
        await presence().join(self.meeting_id, self.user_id, self.connection_id)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if not self.joined:
            return
        self.joined = False
        await self.hub.leave(self)
        await presence().leave(self.meeting_id, self.connection_id)

    # -- from the hub (which writes frames with base_send, or to the backlog) ---
    def kick(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        asyncio.get_running_loop().create_task(self.close(code=code))

    async def _send_state(self, command_id: object = None, recheck=False) -> None:
        """Send ``room.state``; with ``recheck`` (``room.sync``) only after the
        seat is read again: a socket whose seat is gone or changed is closed."""
        from meetings import room

        if self.backlog is None:
            self.backlog = []
        try:
            if recheck:
                verdict, state = await dbpool.run(
                    seats.state_if_seated,
                    self.user,
                    self.seat,
                    command_id=command_id,
                    language=self.language,
                )
                if verdict is not None:
                    self.backlog = None
                    self._unseat(verdict)
                    return
                seq, frame = state
            else:
                seq, frame = await dbpool.run(
                    room.room_state_frame,
                    self.user,
                    self.seat,
                    command_id=command_id,
                    language=self.language,
                )
        except Exception:
            self.backlog, pending = None, self.backlog
            for _seq, message in pending:
                await self.base_send(message)
            raise
        self.hub.note_seq(self.meeting_id, seq)
        await self.send(text_data=frame)
        pending, self.backlog = self.backlog, None
        for frame_seq, message in pending:
            if frame_seq is None or frame_seq > seq:
                await self.base_send(message)

    def _unseat(self, code: int) -> None:
        logger.info(
            "meeting %s: closing socket of user %s, seat %s",
            self.meeting_id,
            self.user_id,
            "gone" if code == seats.GONE else "changed",
        )
        self.kick(code)

    async def _seated(self) -> bool:
        """Re-check the seat (one database hop); close the socket if it is not."""
        verdict = await dbpool.run(seats.seat_verdict, self.user, self.seat)
        if verdict is not None:
            self._unseat(verdict)
            return False
        return True

    # -- from the client ------------------------------------------------------
    def _allow(self) -> bool:
        now = time.monotonic()
        rate = float(getattr(settings, "ROOM_RATE_PER_SECOND", 20))
        burst = float(getattr(settings, "ROOM_RATE_BURST", 40))
        self.tokens = min(burst, self.tokens + (now - self.stamp) * rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.closing or not self.joined:
            return
        if not self._allow():
            if self.refused >= int(getattr(settings, "ROOM_FLOOD_CLOSE_AFTER", 50)):
                logger.warning(
                    "meeting %s: closing flooding socket of user %s",
                    self.meeting_id,
                    self.user_id,
                )
                self.kick(CLOSE_FLOOD)
                return
            await self.send(
                text_data=error_frame(
                    "rate_limited",
                    "Gửi quá nhanh; hãy chờ một chút rồi thử lại.",
                    command_id=usable_id(parse_frame(text_data)[0]),
                )
            )
            return
        message, error = parse_frame(text_data)
        if error is not None:
            await self.send(text_data=error)
            return
        kind = message["type"]
        command_id = message.get("id")
        error = command_id_error(command_id)
        if error is not None:
            await self.send(text_data=error)
            return
        if kind == "ping":
            await self.send(text_data='{"type":"pong"}')
            return
        if kind == "room.sync":
            try:
                await self._send_state(command_id, recheck=True)
            except Exception:
                logger.exception("meeting %s: room.sync failed", self.meeting_id)
                await self.send(text_data=_internal_error(command_id))
            return
        command = commands.lookup(kind)
        if command is None:
            await self.send(
                text_data=error_frame(
                    "unknown_type",
                    "Loại thông điệp không được hỗ trợ.",
                    command_id=command_id,
                )
            )
            return
        if command_id is None:
            await self.send(
                text_data=error_frame(
                    "bad_message", "Lệnh phải có mã “id”.", command_id=None
                )
            )
            return
        await self._command(command, str(command_id), command_id, message)

    async def _command(
        self,
        command: commands.Command,
        client_id: str,
        command_id: object,
        message: dict[str, Any],
    ) -> None:
        from meetings.actions.commands import run_once
        from nghisu.errors import ActionError, NotFound

        kind = command.type
        version = self.hub.seat_version(self.meeting_id)
        if version != self.seat_version:  # someone's seat changed: is it ours?
            if not await self._seated():
                return
            self.seat_version = version
        try:
            if command.batch is not None:
                # vote.cast: idempotent through VoteCast.client_id (a secret
                # vote's receipt must never be stored next to its voter), not
                # through the command store. Casts arriving together are
                # stored in one transaction per batch.
                result = await dbpool.batched(
                    (kind, self.meeting_id, self.language),
                    functools.partial(command.batch, self.meeting_id),
                    (self.user, message, client_id),
                    language=self.language,
                )
            else:
                result, _replayed = await dbpool.run(
                    run_once,
                    self.meeting_id,
                    self.user_id,
                    client_id,
                    kind,
                    command.run,
                    self.user,
                    self.meeting_id,
                    message,
                    language=self.language,
                )
        except (ActionError, NotFound) as exc:
            code = exc.code if isinstance(exc, ActionError) else "not_found"
            await self.send(
                text_data=error_frame(code, exc.message, command_id=command_id)
            )
            if code in ("forbidden", "not_found"):  # refused: is the seat gone?
                await self._seated()
            return
        except Exception:
            logger.exception(
                "meeting %s: %s from user %s failed",
                self.meeting_id,
                kind,
                self.user_id,
            )
            await self.send(text_data=_internal_error(command_id))
            return
        await self.send(text_data=_answer(command_id, result))


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Every other ``/ws/`` address (``/ws/meetings/abc/``): accepted and
    closed with 4404, so the client sees why instead of a server error."""

    channel_layer_alias = "__no_layer_per_socket__"

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


def _internal_error(command_id: object) -> str:
    return error_frame(
        "internal", "Máy chủ gặp lỗi; hãy thử lại sau giây lát.", command_id=command_id
    )


def _language(scope: dict[str, Any]) -> str:
    """The interface language: the language cookie, else the site default."""
    cookies = scope.get("cookies") or {}
    code = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
    if code in {c for c, _name in settings.LANGUAGES}:
        return code
    return settings.LANGUAGE_CODE
