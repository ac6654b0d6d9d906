"""Tablets that show shared annotations: room sockets that fetch what changed.

Each client holds a room socket (``websockets``) and a keep-alive HTTP
connection with its own session, in worker processes of their own, as
:mod:`bench.clients` does for the room benchmarks. On ``annotation.changed``
a client notes the receipt: the event carries the annotation, sent without
``seq`` to the sockets of its readers, so the tablet can draw it then (a
stroke received twice is counted as a duplicate). An event that is only a
hint (id, page and ``rev``; the protocol before the readers' frames) makes it
fetch the annotation through the permission-checked endpoint, as
``annotations.js`` did, and note when the answer arrived. Every socket checks
the ``seq`` of room events: a gap, a duplicate or a frame out of order is
counted, and so is a fetch not answered 200.

Times are :func:`bench.proc.now_ns` (CLOCK_MONOTONIC, one clock for the
machine), so the driver's send times can be subtracted from them.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect

from bench.clients import ProcessPool
from bench.proc import now_ns

CONNECT_CONCURRENCY = 16


@dataclass
class Tablet:
    port: int
    meeting: int
    cookie: str
    fetch_path: str  # with {id}
    ws: object = None
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    task: asyncio.Task | None = None
    last_seq: int | None = None
    seen: set = field(default_factory=set)
    received: dict[str, int] = field(default_factory=dict)  # id -> ns
    fetched: dict[str, int] = field(default_factory=dict)  # id -> ns
    gaps: int = 0
    duplicates: int = 0
    disorder: int = 0
    bad_fetches: int = 0
    error: str = ""


class Worker:
    def __init__(self, tablets: list[Tablet], progress, slot: int) -> None:
        self.tablets = tablets
        self.progress = progress
        self.slot = slot
        self.done: dict[str, int] = {}
        self.order: list[str] = []

    async def _open(self, t: Tablet) -> None:
        try:
            t.ws = await connect(
                f"ws://127.0.0.1:{t.port}/ws/meetings/{t.meeting}/",
                additional_headers={
                    "Cookie": t.cookie,
                    "Origin": f"http://127.0.0.1:{t.port}",
                },
                open_timeout=60,
                ping_interval=None,
                close_timeout=2,
                compression=None,
                max_size=2**23,
            )
            state = json.loads(await asyncio.wait_for(t.ws.recv(), 60))
            t.last_seq = state.get("seq")
            t.reader, t.writer = await asyncio.open_connection("127.0.0.1", t.port)
            t.task = asyncio.create_task(self._read(t))
        except Exception as exc:
            t.error = f"{type(exc).__name__}: {exc}"[:200]

    async def connect_all(self) -> dict:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(t: Tablet) -> None:
            async with gate:
                await self._open(t)

        await asyncio.gather(*(one(t) for t in self.tablets))
        return {
            "failures": sum(1 for t in self.tablets if t.error),
            "errors": sorted({t.error for t in self.tablets if t.error})[:5],
        }

    def _complete(self, t: Tablet, pk: str) -> None:
        """One tablet can draw ``pk``; count the stroke done when all can."""
        self.done[pk] = self.done.get(pk, 0) + 1
        if self.done[pk] == len(self.tablets):
            self.progress[self.slot] += 1

    async def _fetch(self, t: Tablet, pk: str) -> None:
        path = t.fetch_path.format(id=pk)
        t.writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{t.port}\r\n"
                f"Cookie: {t.cookie}\r\nConnection: keep-alive\r\n\r\n"
            ).encode()
        )
        head = await t.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = await t.reader.readexactly(length)
        if status != 200 or json.loads(body)["annotation"]["id"] != pk:
            t.bad_fetches += 1
            return
        t.fetched[pk] = now_ns()
        self._complete(t, pk)

    async def _read(self, t: Tablet) -> None:
        fetches: asyncio.Queue = asyncio.Queue()

        async def fetcher() -> None:
            while True:
                pk = await fetches.get()
                try:
                    await self._fetch(t, pk)
                except Exception as exc:
                    t.bad_fetches += 1
                    t.error = t.error or f"fetch: {type(exc).__name__}: {exc}"[:200]

        task = asyncio.create_task(fetcher())
        try:
            async for raw in t.ws:
                ns = now_ns()
                message = json.loads(raw)
                seq = message.get("seq")
                if message.get("type") == "annotation.changed" and seq is None:
                    # Sent with the annotation to its readers' sockets, no seq.
                    pk = message["annotation"]["id"]
                    if pk in t.received:
                        t.duplicates += 1
                        continue
                    t.received[pk] = ns
                    self._complete(t, pk)
                    continue
                if seq is None or message.get("type") == "room.state":
                    continue
                if seq in t.seen:
                    t.duplicates += 1
                    continue
                if t.last_seq is not None and seq <= t.last_seq:
                    t.disorder += 1
                    continue
                if t.last_seq is not None and seq != t.last_seq + 1:
                    t.gaps += 1
                t.last_seq = seq
                t.seen.add(seq)
                if message.get("type") != "annotation.changed":
                    continue
                if "annotation" in message:
                    pk = message["annotation"]["id"]
                    t.received[pk] = ns
                    self._complete(t, pk)
                else:
                    pk = message["id"]
                    t.received[pk] = ns
                    fetches.put_nowait(pk)
        except Exception as exc:
            t.error = t.error or f"{type(exc).__name__}: {exc}"[:200]
        finally:
            task.cancel()

    async def collect(self, ids: list[str], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.done.get(pk, 0) >= len(self.tablets) for pk in ids):
                break
            await asyncio.sleep(0.05)
        return {
            "received": {pk: [t.received.get(pk) for t in self.tablets] for pk in ids},
            "fetched": {pk: [t.fetched.get(pk) for t in self.tablets] for pk in ids},
            "gaps": sum(t.gaps for t in self.tablets),
            "duplicates": sum(t.duplicates for t in self.tablets),
            "disorder": sum(t.disorder for t in self.tablets),
            "bad_fetches": sum(t.bad_fetches for t in self.tablets),
            "errors": sorted({t.error for t in self.tablets if t.error})[:5],
        }

    async def close_all(self) -> None:
        for t in self.tablets:
            if t.task is not None:
                t.task.cancel()
            if t.writer is not None:
                t.writer.close()
        await asyncio.gather(
            *(t.ws.close() for t in self.tablets if t.ws is not None),
            return_exceptions=True,
        )


async def _serve(conn, tablets: list[Tablet], progress, slot: int) -> None:
    worker = Worker(tablets, progress, slot)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command["op"] == "connect":
            conn.send(await worker.connect_all())
        elif command["op"] == "collect":
            conn.send(await worker.collect(command["ids"], command.get("timeout", 30)))
        else:
            await worker.close_all()
            conn.send({"ok": True})
            return


def _main(conn, tablets, progress, slot) -> None:
    asyncio.run(_serve(conn, tablets, progress, slot))


class TabletPool(ProcessPool):
    """Worker processes sharing ``tablets`` round-robin.

    ``done()`` is the number of strokes every tablet can draw (the least over
    the workers).
    """

    kind = "tablet"

    def __init__(self, tablets: list[Tablet], processes: int) -> None:
        super().__init__(_main, tablets, processes, start=0)

    def done(self) -> int:
        return self.min_progress()
