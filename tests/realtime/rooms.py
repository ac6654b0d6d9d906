"""Build live rooms through the real actions, and talk to them over sockets."""

from __future__ import annotations

import asyncio
import datetime
import json
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone


@dataclass
class Room:
    """A published HĐND meeting with two items, the members and a guest invited."""

    meeting: object
    items: list
    guest: object
    documents: list = field(default_factory=list)


def build_room(cast, *, start: bool = True, with_document=None) -> Room:
    """Make the room through meetings.actions (sync; call outside the loop)."""
    from accounts.actions import create_user
    from meetings import actions
    from meetings.models import MeetingKind, Role

    begin = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp thứ mười hai HĐND tỉnh khóa XV",
        kind=MeetingKind.HDND_REGULAR,
        number=12,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=4),
        place="Hội trường tỉnh",
    )
    first = actions.add_item(
        cast.secretary,
        meeting,
        title="Báo cáo tình hình kinh tế - xã hội năm 2025",
        duration_minutes=30,
    )
    second = actions.add_item(
        cast.secretary, meeting, title="Nghị quyết về dự toán ngân sách năm 2026"
    )
    documents = []
    if with_document is not None:
        documents.append(with_document)
        actions.attach_documents(cast.secretary, first, [with_document])
    actions.invite_members(cast.secretary, meeting)
    guest = create_user("khachmoi", full_name="Vì Thị Khách", password="pw-Test-123!")
    actions.invite_participant(cast.secretary, meeting, guest, role=Role.GUEST)
    actions.publish_meeting(cast.secretary, meeting)
    if start:
        # A session is held only with a quorum (two of the three members);
        # cast.delegate is left to check in by the tests.
        reach_quorum(cast.secretary, meeting, skip=[cast.delegate])
        actions.start_meeting(cast.chair, meeting)
    meeting.refresh_from_db()
    return Room(
        meeting=meeting, items=[first, second], guest=guest, documents=documents
    )


def reach_quorum(actor, meeting, *, skip=()) -> None:
    """Check in the meeting's voting members, chair first, until the body's
    quorum is present (a meeting starts and votes open only then)."""
    from meetings import actions, queries
    from meetings.models import Attendance, Participant, Role

    rows = (
        Participant.objects.filter(meeting=meeting, voting_right=True)
        .exclude(attendance=Attendance.PRESENT)
        .exclude(user__in=[u.pk for u in skip])
        .order_by("id")
    )
    ordered = sorted(rows, key=lambda p: p.role != Role.CHAIR)
    for participant in ordered:
        if queries.quorum(meeting).reached:
            return
        actions.check_in(actor, participant)


def check_in(actor, meeting, user) -> None:
    from meetings import actions
    from meetings.models import Participant

    actions.check_in(actor, Participant.objects.get(meeting=meeting, user=user))


def _cookie(user) -> bytes:
    from django.contrib.sessions.backends.base import UpdateError
    from django.db import OperationalError

    client = Client()
    try:
        client.force_login(user)
    except UpdateError as exc:
        # The session store turns SQLite's "database table is locked" (the
        # shared-cache test database, joins running together) into UpdateError:
        # give retry_locked the error it retries.
        if isinstance(exc.__context__, OperationalError):
            raise exc.__context__ from exc
        raise
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


@database_sync_to_async
def cookie_for(user) -> bytes:
    from realtime.dbpool import retry_locked

    return retry_locked(_cookie, user)


@database_sync_to_async
def db(func, *args, **kwargs):
    """Run ``func`` in a thread, retrying when the shared-cache SQLite test
    database refuses at once because another thread holds a table lock."""
    from realtime.dbpool import retry_locked

    return retry_locked(func, *args, **kwargs)


class Tablet:
    """A WebsocketCommunicator with the room's bookkeeping: seq, answers."""

    def __init__(self, ws: WebsocketCommunicator) -> None:
        self.ws = ws
        self.state: dict | None = None
        self.events: list[dict] = []
        self.signals: list[dict] = []
        self.unseen: list[dict] = []  # read while waiting for something else
        self.n = 0

    async def recv(self, timeout: float = 3) -> dict:
        # receive_nothing() waits without cancelling the application on a
        # timeout (receive_output() would kill the consumer).
        if await self.ws.receive_nothing(timeout=timeout, interval=0.01):
            raise TimeoutError
        message = await self.ws.receive_json_from(timeout=1)
        if message.get("type") == "room.state":
            self.state = message
        elif "seq" in message:
            self.events.append(message)
        elif message.get("type") in ("presence", "vote.progress", "vote.voted"):
            self.signals.append(message)
        return message

    async def command(self, type_: str, /, timeout: float = 5, **fields) -> dict:
        """Send a command and return its answer (``ack`` or ``error``)."""
        self.n += 1
        cid = fields.pop("id", f"c{self.n}")
        await self.ws.send_json_to({"type": type_, "id": cid, **fields})
        return await self.answer(cid, timeout=timeout)

    async def answer(self, cid, timeout: float = 5) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(timeout=max(0.05, deadline - loop.time()))
            if message.get("type") in ("ack", "error", "room.state") and (
                message.get("id") == cid
            ):
                return message
            self.unseen.append(message)

    async def until(self, kind: str, timeout: float = 3, **match) -> dict:
        """Read until a message of ``kind`` (with matching fields) arrives."""

        def wanted(message: dict) -> bool:
            return message.get("type") == kind and all(
                message.get(k) == v for k, v in match.items()
            )

        while self.unseen:
            message = self.unseen.pop(0)
            if wanted(message):
                return message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(timeout=max(0.05, deadline - loop.time()))
            if wanted(message):
                return message

    async def quiet(self, timeout: float = 0.3) -> list[dict]:
        """Everything that arrives within ``timeout`` (nothing is an answer)."""
        got, self.unseen = self.unseen, []
        while True:
            try:
                got.append(await self.recv(timeout=timeout))
            except TimeoutError:
                return got

    async def close(self) -> None:
        await self.ws.disconnect()


def communicator(meeting_id: int, cookie: bytes | None) -> WebsocketCommunicator:
    from nghisu.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(
        application, f"/ws/meetings/{meeting_id}/", headers=headers
    )


async def join(meeting_id: int, user) -> Tablet:
    """Connect ``user`` and read the first ``room.state``."""
    ws = communicator(meeting_id, await cookie_for(user) if user else None)
    connected, _ = await ws.connect()
    assert connected
    tablet = Tablet(ws)
    first = await tablet.recv(timeout=5)
    assert first["type"] == "room.state", first
    return tablet


async def refused_with(meeting_id: int, user) -> int:
    """Connect and return the close code the room answers with."""
    ws = communicator(meeting_id, await cookie_for(user) if user else None)
    connected, _ = await ws.connect()
    assert connected  # accepted, then closed: browsers see the code
    output = await ws.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    return output["code"]


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
