"""The chair's socket, driven from the benchmark process, and the statistics."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid

from websockets.asyncio.client import connect

from bench.proc import now_ns, percentile


class CommandFailed(RuntimeError):
    pass


class Chair:
    """A socket that sends commands and notes which ``seq`` each one produced."""

    def __init__(self) -> None:
        self.ws = None
        self.events: asyncio.Queue = asyncio.Queue()
        self.answers: dict[str, dict] = {}
        self.answered = asyncio.Condition()
        self.ids = itertools.count(1)
        # Command ids are remembered per user by the room (idempotent replays):
        # a chair that reconnects in a later run must not reuse them.
        self.id_prefix = f"b{uuid.uuid4().hex[:8]}-"
        self.seq: int | None = None
        self.state: dict | None = None
        self.reader: asyncio.Task | None = None
        self.progress: dict | None = None  # the latest vote.progress signal
        self.bell = None

    async def open(
        self, url: str, cookie: str, origin: str, *, bell: bool = False
    ) -> dict:
        """Open the room socket (and with ``bell`` the page's ``/ws/me/`` on
        the same process); return the room's ``room.state``."""
        if bell:
            self.bell = await connect(
                url.split("/ws/", 1)[0] + "/ws/me/",
                additional_headers={"Cookie": cookie, "Origin": origin},
                ping_interval=None,
                compression=None,
                open_timeout=60,
            )
            first = json.loads(await asyncio.wait_for(self.bell.recv(), 30))
            assert first["type"] == "notification.count", first
        self.ws = await connect(
            url,
            additional_headers={"Cookie": cookie, "Origin": origin},
            ping_interval=None,
            compression=None,
            max_size=2**23,
            open_timeout=60,
        )
        self.state = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
        assert self.state["type"] == "room.state", self.state
        self.seq = self.state["seq"]
        self.reader = asyncio.create_task(self._read())
        return self.state

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            kind = message.get("type")
            if "seq" in message and kind != "room.state":
                self.seq = message["seq"]
                await self.events.put((message, raw))
            elif kind == "vote.progress":
                self.progress = message
            elif kind in ("ack", "error") and message.get("id") is not None:
                message["_at"] = now_ns()  # when the answer arrived
                async with self.answered:
                    self.answers[str(message["id"])] = message
                    self.answered.notify_all()

    async def answer(self, cid: str, timeout: float) -> dict:
        async with self.answered:
            try:
                await asyncio.wait_for(
                    self.answered.wait_for(lambda: cid in self.answers), timeout
                )
            except TimeoutError:
                raise CommandFailed(
                    f"no answer to {cid} in {timeout}s; socket "
                    f"{'closed ' + str(self.ws.close_code) if self.reader.done() else 'open'}"
                ) from None
            return self.answers.pop(cid)

    async def send(self, payload: dict) -> tuple[str, int]:
        cid = f"{self.id_prefix}{next(self.ids)}"
        t = now_ns()
        await self.ws.send(json.dumps({**payload, "id": cid}, ensure_ascii=False))
        return cid, t

    async def command(
        self, payload: dict, *, timeout: float = 30, expect_event: bool = True
    ) -> tuple[int, dict | None, str | None, dict]:
        """Send a command; return (send time, its event, raw frame, answer)."""
        cid, t = await self.send(payload)
        answer = await self.answer(cid, timeout)
        if answer["type"] == "error":
            raise CommandFailed(f"{payload['type']}: {answer}")
        event = raw = None
        if expect_event:
            event, raw = await asyncio.wait_for(self.events.get(), timeout)
        return t, event, raw, answer

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        for ws in (self.ws, self.bell):
            if ws is not None:
                await ws.close()


def ms(ns: float | None) -> float | None:
    return None if ns is None else round(ns / 1e6, 2)


def latency_stats(values_ns: list[int]) -> dict:
    """p50, p99 and max of latencies given in ns, in milliseconds."""
    return {
        "p50_ms": ms(percentile(values_ns, 50)),
        "p99_ms": ms(percentile(values_ns, 99)),
        "max_ms": ms(max(values_ns) if values_ns else None),
        "n": len(values_ns),
    }


def room_commands(room: dict):
    """The chair's events: agenda moves and page turns of the presented document."""
    items = room["items"][:2]
    document = room.get("document")
    for k in itertools.count():
        if document is None or k % 4 == 0:
            yield {
                "type": "agenda.goto",
                "item": items[(k // (4 if document else 1)) % 2],
            }
        else:
            yield {"type": "present.page", "document": document, "page": k % 4}
