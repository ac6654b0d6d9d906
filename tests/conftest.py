"""Shared fixtures: a named cast built through the real actions, and services."""

from __future__ import annotations

import asyncio
import datetime
import functools
import inspect
from dataclasses import dataclass

import pytest

from tests import services


@pytest.fixture(autouse=True)
def _no_body_signing_keys(settings, tmp_path):
    """Records are unsigned unless a test configures keys (the demo writes some)."""
    settings.SIGNING_KEYS_FILE = tmp_path / "signing" / "keys.json"


def pytest_runtest_setup(item):
    if item.get_closest_marker("redis"):
        services.redis_url()
    if item.get_closest_marker("postgres"):
        services.require_postgres()


@dataclass
class Cast:
    """Named people around one HĐND and one UBND, made through ``accounts.actions``."""

    province: object
    hdnd: object
    ubnd: object
    chair: object
    secretary: object
    delegate: object
    delegate2: object
    ubnd_chair: object
    ubnd_member: object
    outsider: object
    admin: object


@pytest.fixture
def cast(db) -> Cast:
    from accounts import actions
    from accounts.models import BodyKind, Position, UnitLevel

    start = datetime.date(2021, 7, 1)
    level = UnitLevel.objects.create(code="tinh", name="Tỉnh", rank=1)
    province = actions.create_unit("Tỉnh Sơn La", code="14", level=level)
    hdnd = actions.create_body(province, kind=BodyKind.HDND, name="HĐND tỉnh Sơn La")
    ubnd = actions.create_body(province, kind=BodyKind.UBND, name="UBND tỉnh Sơn La")

    def person(username: str, full_name: str, body=None, position=None, **kw):
        user = actions.create_user(
            username, full_name=full_name, password="pw-Test-123!", **kw
        )
        if body is not None:
            actions.add_membership(body, user, position=position, start_date=start)
        return user

    return Cast(
        province=province,
        hdnd=hdnd,
        ubnd=ubnd,
        chair=person("chutoa", "Nguyễn Thái Hưng", hdnd, Position.CHAIR),
        secretary=person("thuky", "Lò Thị Hường", hdnd, Position.SECRETARY),
        delegate=person("daibieu01", "Cầm Văn Đông", hdnd, Position.MEMBER),
        delegate2=person("daibieu02", "Quàng Thị Ánh", hdnd, Position.MEMBER),
        ubnd_chair=person("chutich", "Hoàng Quốc Khánh", ubnd, Position.CHAIR),
        ubnd_member=person("thanhvien01", "Đinh Văn Lực", ubnd, Position.MEMBER),
        outsider=person("ngoai", "Trần Văn Ngoại"),
        admin=person("admin", "Quản trị", is_superuser=True),
    )


async def _reap_tasks(limit: float = 10.0) -> None:
    """Cancel what an async test left running in its loop, repeatedly if needed.

    pytest-asyncio cancels leftover tasks once when it closes the loop and then
    waits for them without a limit; a task that absorbs one cancellation (a
    client library cleaning up a blocking read) would hang the whole run.
    """
    current = asyncio.current_task()
    deadline = asyncio.get_running_loop().time() + limit
    while asyncio.get_running_loop().time() < deadline:
        pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if not pending:
            return
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.2)


def _reaping(test):
    @functools.wraps(test)
    async def wrapper(*args, **kwargs):
        try:
            return await test(*args, **kwargs)
        finally:
            await _reap_tasks()

    return wrapper


def pytest_collection_modifyitems(config, items):
    for item in items:
        function = getattr(item, "obj", None)
        if inspect.iscoroutinefunction(function):
            item.obj = _reaping(function)


@dataclass
class PublishedEvent:
    """One message the domain published (:func:`nghisu.publish.publish`).

    ``kind``: ``room`` (a seq'd room event), ``private`` (one user's sockets),
    ``signal`` (seq-less), ``kick``. ``audience``: ``"room"``, ``"all"`` or
    ``"managers"`` (signals), or the user id(s) of a private message or kick.
    """

    kind: str
    meeting: int | None
    audience: object
    payload: dict

    @property
    def type(self) -> str | None:
        return self.payload.get("type")


class EventCapture:
    """What the code published, in order, through :mod:`nghisu.publish`."""

    def __init__(self) -> None:
        self.log: list[PublishedEvent] = []

    def record(self, message: dict) -> None:
        import json

        kind = message.get("k")
        audience = {"room": "room", "signal": message.get("a")}.get(
            kind, message.get("u") if "u" in message else message.get("p")
        )
        frame = message.get("f")
        self.log.append(
            PublishedEvent(
                kind=kind,
                meeting=message.get("m"),
                audience=audience,
                payload=json.loads(frame) if frame else dict(message),
            )
        )

    def flush(self) -> None:
        """Deliver the events queued for commit in the test's transaction
        (a ``db`` test never commits); other on-commit work is left alone."""
        from django.db import connection

        mine = [
            entry
            for entry in connection.run_on_commit
            if getattr(entry[1], "__module__", "")
            in ("nghisu.publish", "meetings.events")
        ]
        connection.run_on_commit[:] = [
            e for e in connection.run_on_commit if e not in mine
        ]
        for entry in mine:
            entry[1]()

    @property
    def events(self) -> list[PublishedEvent]:
        self.flush()
        return list(self.log)

    def of_type(self, type_: str) -> list[PublishedEvent]:
        return [e for e in self.events if e.type == type_]

    def types(self) -> list[str | None]:
        return [e.type for e in self.events]

    def clear(self) -> None:
        self.flush()
        self.log.clear()


@pytest.fixture
def capture_events(monkeypatch) -> EventCapture:
    """Record each event the domain publishes (audience and payload), still
    delivering it; ``capture.events`` first delivers what a ``db`` test's
    transaction holds for commit."""
    from nghisu import publish

    capture = EventCapture()
    send = publish._send

    def tap(message: dict) -> None:
        capture.record(message)
        send(message)

    monkeypatch.setattr(publish, "_send", tap)
    return capture
