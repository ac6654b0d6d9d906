"""The production path: two Daphne processes on one Redis, with the sockets a
signed-in page really opens (the room and the bell, ``/ws/me/``) side by side.

The in-memory layer hides what only a shared Redis shows: channels_redis reads
all of a process's own channels through one lock, so a second reader in a
process (a bell socket's own channel, the health check's) starved the room.
These tests run in the PostgreSQL + Redis pass of CI (marker ``production``).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.request

import pytest
import websockets

from tests.realtime.servers import PYTHON, ROOT, RedisServer, Stack
from tests.realtime.test_room_servers import Client, _wait_for

pytestmark = [pytest.mark.redis, pytest.mark.daphne, pytest.mark.production]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Redis, a seeded database and two Daphne processes, A and B."""
    workdir = tmp_path_factory.mktemp("production")
    redis = RedisServer(workdir)
    redis.start()
    stack = Stack(workdir, redis.url)
    try:
        stack.prepare()
        stack.ports = (stack.start_server(), stack.start_server())
        yield stack
    finally:
        stack.close()
        redis.stop()


def shell(stack: Stack, code: str) -> str:
    """Run ``code`` in a process of the deployment (publishing through Redis)."""
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def bell(port: int, cookie: str):
    """A page's bell socket; returns it after its first ``notification.count``."""
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/me/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        open_timeout=5,
    )
    first = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert first["type"] == "notification.count"
    return ws


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/healthz", timeout=10
        ) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_room_bell_and_health_check_share_a_process_on_redis(stack):
    a, b = stack.ports
    seed, meeting = stack.seed, stack.seed["meeting"]
    cookies = seed["cookies"]
    first, second = seed["items"]

    async def scenario():
        # As a delegate's page does: the room socket and the bell, on process A.
        delegate = await Client.connect(a, meeting, cookies["daibieu01"])
        delegate_bell = await bell(a, cookies["daibieu01"])
        chair = await Client.connect(b, meeting, cookies["chutoa"])
        chair_bell = await bell(b, cookies["chutoa"])
        start = delegate.state["seq"]
        began = time.monotonic()
        for n in range(6):
            await chair.command("agenda.goto", item=(first, second)[n % 2])
        try:
            await _wait_for(lambda: len(delegate.seqs()) >= 6, timeout=3)
        except TimeoutError:
            raise AssertionError(
                f"room events stopped: {delegate.seqs()} after {start}"
            ) from None
        assert delegate.seqs() == list(range(start + 1, start + 7))
        assert time.monotonic() - began < 3

        # The bell still gets its user's events while the room socket is open.
        await asyncio.to_thread(
            shell,
            stack,
            "from work.events import send_now\n"
            "from accounts.models import User\n"
            "for name in ('daibieu01', 'chutoa'):\n"
            "    send_now(User.objects.get(username=name).pk,"
            " {'type': 'notification.count', 'unread': 7})\n",
        )
        for ws in (delegate_bell, chair_bell):
            event = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert event == {"type": "notification.count", "unread": 7}

        # The health check answers while both kinds of socket are open.
        for port in (a, b, a):
            assert await asyncio.to_thread(healthz, port) == 200, stack.log()

        # And the room still hears after all of that.
        await chair.command("agenda.goto", item=first)
        await _wait_for(lambda: len(delegate.seqs()) >= 7, timeout=3)
        for ws in (delegate_bell, chair_bell):
            await ws.close()
        await delegate.close()
        await chair.close()

    asyncio.run(scenario())


def test_a_shared_note_reaches_every_reader_on_both_processes(stack):
    a, b = stack.ports
    seed, meeting = stack.seed, stack.seed["meeting"]
    cookies = seed["cookies"]

    async def scenario():
        one = await Client.connect(a, meeting, cookies["daibieu01"])
        two = await Client.connect(b, meeting, cookies["daibieu02"])
        bystander = await Client.connect(b, meeting, cookies["daibieu03"])
        await asyncio.to_thread(
            shell,
            stack,
            "from meetings.events import publish_private\n"
            "from accounts.models import User\n"
            "ids = [User.objects.get(username=n).pk for n in"
            " ('daibieu01', 'daibieu02')]\n"
            f"publish_private({meeting}, ids, {{'type': 'annotation.changed',"
            " 'id': 'note-1'})\n",
        )
        for client in (one, two):
            await _wait_for(
                lambda c=client: any(
                    m.get("type") == "annotation.changed" for m in c.messages
                ),
                timeout=5,
            )
            notes = [m for m in client.messages if m["type"] == "annotation.changed"]
            assert notes == [{"type": "annotation.changed", "id": "note-1"}]
        await asyncio.sleep(0.3)
        assert not [m for m in bystander.messages if m["type"] == "annotation.changed"]
        for client in (one, two, bystander):
            await client.close()

    asyncio.run(scenario())


def test_a_removed_participant_whose_kick_was_lost_is_closed_by_the_next_check(
    stack,
):
    a, b = stack.ports
    seed, meeting = stack.seed, stack.seed["meeting"]
    cookies = seed["cookies"]

    async def scenario():
        synced = await Client.connect(a, meeting, cookies["daibieu04"])
        commanding = await Client.connect(b, meeting, cookies["daibieu05"])
        # Removed with no event at all: as if the kick were lost.
        await asyncio.to_thread(
            shell,
            stack,
            "from meetings.models import Participant\n"
            f"Participant.objects.filter(meeting_id={meeting},"
            " user__username__in=['daibieu04', 'daibieu05']).delete()\n",
        )
        await synced.ws.send(json.dumps({"type": "room.sync", "id": "s1"}))
        assert await asyncio.wait_for(synced.closed, 5) == 4403
        assert not [m for m in synced.messages if m["type"] == "room.state"]
        # A command is refused by its action, and the refusal closes the socket
        # (unless the process's heartbeat sweep closed it first).
        try:
            answer = await commanding.command("speaker.request")
            assert answer["type"] == "error"
        except websockets.ConnectionClosed:
            pass
        assert await asyncio.wait_for(commanding.closed, 5) == 4403

    asyncio.run(scenario())


def _raw_origin_connect(port: int, origin: str, cookie: str):
    return websockets.connect(
        f"ws://127.0.0.1:{port}/ws/ping/",
        origin=origin,
        additional_headers={"Cookie": cookie},
        open_timeout=5,
    )


def test_sockets_from_another_port_or_scheme_of_the_host_are_refused(stack):
    a, _b = stack.ports
    cookie = stack.seed["cookies"]["daibieu01"]

    async def scenario():
        async with _raw_origin_connect(a, f"http://127.0.0.1:{a}", cookie) as ws:
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await ws.recv())["type"] == "pong"
        for origin in (
            f"http://127.0.0.1:{a + 1}",
            f"https://127.0.0.1:{a}",
            "http://127.0.0.1",
            "http://evil.example",
        ):
            with pytest.raises(websockets.InvalidStatus):
                async with _raw_origin_connect(a, origin, cookie):
                    pass

    asyncio.run(scenario())


@pytest.mark.parametrize("server", ["daphne", "uvicorn"])
def test_an_oversized_frame_is_closed_with_1009(stack, server):
    if server == "daphne":
        port = stack.ports[0]
        size = 1024 * 1024 + 1
    else:
        stack.server = "uvicorn"
        try:
            port = stack.start_server()
        finally:
            stack.server = "daphne"
        size = 128 * 1024 + 1
    cookie = stack.seed["cookies"]["daibieu01"]

    async def scenario():
        async with _raw_origin_connect(port, f"http://127.0.0.1:{port}", cookie) as ws:
            await ws.send("x" * size)
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009, (ws.close_code, ws.close_reason)
            assert ws.protocol.close_rcvd is not None  # a close frame, not a drop

    asyncio.run(scenario())
