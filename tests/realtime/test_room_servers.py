"""Real web processes on a real Redis: ordering across processes, and a Redis
restart under an open vote, under Daphne and under uvicorn (``nghisu.serve``)."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import urllib.request
from http.cookies import SimpleCookie

import pytest
import websockets

from nghisu import serve
from tests.realtime.servers import PYTHON, ROOT, RedisServer, Stack, ws_url

pytestmark = [pytest.mark.redis, pytest.mark.daphne]

_ids = itertools.count(1)


class Client:
    """A websockets client that keeps every message and matches answers by id."""

    def __init__(self, ws, state: dict) -> None:
        self.ws = ws
        self.state = state
        self.messages: list[dict] = []
        self.waiting: dict[str, asyncio.Future] = {}
        self.closed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, port: int, meeting: int, cookie: str) -> Client:
        ws = await websockets.connect(
            ws_url(port, meeting),
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": cookie},
            open_timeout=5,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if first.get("type") != "room.state":
            raise ConnectionError(f"no room.state: {first}")
        return cls(ws, first)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                cid = message.get("id")
                if cid in self.waiting and message["type"] in (
                    "ack",
                    "error",
                    "room.state",
                ):
                    self.waiting.pop(cid).set_result(message)
                else:
                    self.messages.append(message)
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result(self.ws.close_code)

    async def command(self, type_: str, /, cid: str | None = None, **fields) -> dict:
        cid = cid or f"t{next(_ids)}"
        future = asyncio.get_running_loop().create_future()
        self.waiting[cid] = future
        await self.ws.send(json.dumps({"type": type_, "id": cid, **fields}))
        return await asyncio.wait_for(future, 10)

    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.messages if "seq" in m]

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def _wait_for(predicate, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=serve.SERVERS)
def stack(request, tmp_path, redis_server):
    stack = Stack(tmp_path, redis_server.url, server=request.param)
    stack.prepare()
    yield stack
    stack.close()


def test_two_web_processes_deliver_every_event_in_seq_order(stack):
    a, b = stack.start_server(), stack.start_server()
    seed, meeting = stack.seed, stack.seed["meeting"]
    first, second = seed["items"]

    async def scenario():
        cookies = seed["cookies"]
        chair = await Client.connect(a, meeting, cookies["chutoa"])
        secretary = await Client.connect(b, meeting, cookies["thuky"])
        watchers = [
            await Client.connect(a, meeting, cookies["daibieu01"]),
            await Client.connect(b, meeting, cookies["daibieu02"]),
        ]
        everyone = [chair, secretary, *watchers]
        start = max(c.state["seq"] for c in everyone)

        async def drive(client, items):
            for n in range(12):
                await client.command("agenda.goto", item=items[n % 2])

        # Both processes publish at once, racing for the meeting row.
        await asyncio.gather(
            drive(chair, [first, second]), drive(secretary, [second, first])
        )
        vote = (await chair.command("vote.open", question="Thông qua Nghị quyết"))[
            "result"
        ]["vote"]
        voters = []
        for n, name in enumerate(seed["voters"][3:]):
            voters.append(await Client.connect((a, b)[n % 2], meeting, cookies[name]))
        answers = await asyncio.gather(
            *(v.command("vote.cast", vote=vote, option="yes") for v in voters)
        )
        assert all(x["type"] == "ack" for x in answers), answers
        closed = await chair.command("vote.close", vote=vote)
        assert closed["result"]["result"]["counts"]["yes"] == len(voters)
        final = (await voters[0].command("room.sync"))["seq"]
        for client in everyone:
            try:
                await _wait_for(lambda c=client: (c.seqs() or [0])[-1] >= final)
            except TimeoutError:
                raise AssertionError(
                    (start, final, [c.seqs() for c in everyone], stack.log())
                ) from None
            assert client.seqs() == list(range(start + 1, final + 1)), stack.log()
        for client in everyone + voters:
            await client.close()

    asyncio.run(scenario())


def _http_cast(port: int, meeting: int, vote: int, cookie: str, option: str, cid: str):
    """Vote through the HTTP fallback (CSRF token from a page that needs no Redis)."""
    opener = urllib.request.build_opener()
    page = urllib.request.Request(
        f"http://127.0.0.1:{port}/meetings/{meeting}/", headers={"Cookie": cookie}
    )
    with opener.open(page, timeout=10) as response:
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    token = jar["csrftoken"].value
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/meetings/{meeting}/room/votes/{vote}/cast/",
        data=json.dumps({"option": option, "id": cid}).encode(),
        headers={
            "Cookie": f"{cookie}; csrftoken={token}",
            "X-CSRFToken": token,
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())


def test_redis_restart_under_an_open_vote_counts_every_ballot_once(stack, redis_server):
    port = stack.start_server()
    seed, meeting = stack.seed, stack.seed["meeting"]
    cookies = seed["cookies"]
    names = seed["voters"]  # nine voters, all checked in
    before, during, after = names[:3], names[3:6], names[6:]

    async def connect_retrying(name: str, timeout: float = 20) -> Client:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.1
        while True:
            try:
                return await Client.connect(port, meeting, cookies[name])
            except (
                OSError,
                ConnectionError,
                websockets.WebSocketException,
                TimeoutError,
            ):
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def scenario():
        chair = await Client.connect(port, meeting, cookies["chutoa"])
        await chair.command("agenda.goto", direction="next")
        vote = (
            await chair.command("vote.open", question="Bầu Trưởng ban", kind="secret")
        )["result"]["vote"]
        tablets = {n: await Client.connect(port, meeting, cookies[n]) for n in before}
        for n in before:
            ack = await tablets[n].command(
                "vote.cast", cid=f"{n}-cast", vote=vote, option="yes"
            )
            assert ack["type"] == "ack"

        redis_server.stop()
        codes = await asyncio.gather(
            *(asyncio.wait_for(t.closed, 10) for t in [chair, *tablets.values()])
        )
        assert set(codes) == {4503}  # every socket closed: tablets reconnect
        with pytest.raises((ConnectionError, websockets.WebSocketException, OSError)):
            client = await Client.connect(port, meeting, cookies["chutoa"])
            await asyncio.wait_for(client.closed, 5)
            raise ConnectionError(client.closed.result())
        for n in during:  # the action keeps working; only the push is lost
            answer = await asyncio.to_thread(
                _http_cast, port, meeting, vote, cookies[n], "no", f"{n}-http"
            )
            assert answer["type"] == "ack", answer

        redis_server.start()  # back, and empty
        chair = await connect_retrying("chutoa")
        tablets = {n: await connect_retrying(n) for n in before + after}
        state = tablets[after[0]].state
        assert next(v for v in state["votes"] if v["id"] == vote)["cast"] == 6
        for n in after:
            assert (await tablets[n].command("vote.cast", vote=vote, option="abstain"))[
                "type"
            ] == "ack"
        # A command re-sent after the outage is recognised, not counted again.
        again = await tablets[before[0]].command(
            "vote.cast", cid=f"{before[0]}-cast", vote=vote, option="yes"
        )
        assert again["result"]["duplicate"] is True
        closed = await chair.command("vote.close", vote=vote)
        result = closed["result"]["result"]
        assert result["returned"] == 9 and result["valid"] == 9
        assert result["counts"] == {"yes": 3, "no": 3, "abstain": 3}
        event = await asyncio.wait_for(_closed_event(tablets[after[0]], vote), 5)
        assert event["vote"]["result"] == result
        for client in [chair, *tablets.values()]:
            await client.close()
        return vote

    vote = asyncio.run(scenario())
    recount = subprocess.run(
        [PYTHON, "manage.py", "recount_vote", str(vote)],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert recount.returncode == 0, recount.stdout + recount.stderr
    assert "khớp" in recount.stdout


async def _closed_event(client: Client, vote: int) -> dict:
    while True:
        for message in client.messages:
            if message.get("type") == "vote.closed" and message["vote"]["id"] == vote:
                return message
        await asyncio.sleep(0.02)
