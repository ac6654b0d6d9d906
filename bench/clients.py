"""WebSocket clients in processes of their own (``websockets``, asyncio).

A :class:`ClientPool` starts worker processes; each holds many sockets and
talks to the driver through a pipe. Every socket expects the room protocol's
shape (docs/protocol.md): a ``room.state`` with ``seq`` first, then events each
with the next ``seq``; baselines speak the same shape. Every socket checks its
own sequence: a gap, a duplicate or a frame out of order is counted.

Receive times use :func:`bench.proc.now_ns` (CLOCK_MONOTONIC, one clock for the
machine), so the driver's send times can be subtracted from them.

Worker commands (dicts sent through the pipe), answered with one dict each:

- ``connect``: open every socket (``at``: start at this clock time, all at
  once; otherwise a few at a time) and wait for each one's ``room.state``.
  A target with a ``bell_url`` also holds the bell socket (``/ws/me/``) that
  every real page opens beside the room's, opened at the same time; its
  failures count as the room socket's.
- ``collect``: wait until every socket has ``final[meeting]`` (or timeout),
  then return receive times per (meeting, seq) and the sequence checks.
- ``vote``: on the next ``vote.opened``, cast ``vote.cast`` at a random moment
  within ``window`` seconds; report ack latencies and when ``vote.closed``
  arrived with its counts.
- ``reconnect``: close every socket, then reconnect all at ``at``.
- ``close``: close everything and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from websockets.asyncio.client import connect

from bench.proc import now_ns

CONNECT_CONCURRENCY = 16


@dataclass
class Target:
    """One socket to open: ``url`` with ``cookie``, in ``meeting``."""

    url: str
    cookie: str
    origin: str
    meeting: int
    index: int  # global client number (chooses the vote option)
    #: The bell socket a real page opens beside the room's (``/ws/me/``);
    #: None for the baselines, which have none.
    bell_url: str | None = None


@dataclass
class Sock:
    target: Target
    ws: object = None
    task: asyncio.Task | None = None
    bell: object = None
    bell_task: asyncio.Task | None = None
    bell_frames: int = 0
    last_seq: int | None = None
    start_seq: int | None = None
    state_ns: int | None = None
    connect_ns: int | None = None
    gaps: int = 0
    duplicates: int = 0
    disorder: int = 0
    received: dict[int, int] = field(default_factory=dict)  # seq -> recv ns
    failures: int = 0
    error: str = ""
    # vote storm
    cast_ns: int | None = None
    ack_ns: int | None = None
    acked_option: str | None = None
    cast_error: str = ""
    closed_ns: int | None = None
    closed_counts: dict | None = None


class Worker:
    def __init__(self, targets: list[Target], progress, slot: int) -> None:
        self.socks = [Sock(t) for t in targets]
        self.progress = progress
        self.slot = slot
        self.counts: dict[tuple[int, int], int] = defaultdict(int)
        self.per_meeting = defaultdict(int)
        for s in self.socks:
            self.per_meeting[s.target.meeting] += 1
        self.vote_window: float | None = None
        self.vote_seen = asyncio.Event()
        self.state_event = asyncio.Event()

    # -- connecting ---------------------------------------------------------
    async def _open(self, sock: Sock, timeout: float) -> None:
        t = sock.target
        sock.connect_ns = now_ns()
        sock.state_ns = None
        try:
            sock.ws = await connect(
                t.url,
                additional_headers={"Cookie": t.cookie, "Origin": t.origin},
                open_timeout=timeout,
                ping_interval=None,
                close_timeout=2,
                compression=None,
                max_size=2**23,
            )
            first = json.loads(await asyncio.wait_for(sock.ws.recv(), timeout))
            if first.get("type") != "room.state":
                raise RuntimeError(f"first frame was {first.get('type')}")
        except Exception as exc:
            sock.failures += 1
            sock.error = f"{type(exc).__name__}: {exc}"[:200]
            if sock.ws is not None:
                await sock.ws.close()
            sock.ws = None
            return
        sock.state_ns = now_ns()
        sock.start_seq = sock.last_seq = first["seq"]
        sock.task = asyncio.create_task(self._read(sock))

    async def _open_page(self, sock: Sock, timeout: float) -> None:
        """Open what a real page opens: the room socket and, beside it at the
        same time, the bell socket (where the target has one)."""
        if sock.target.bell_url:
            await asyncio.gather(
                self._open(sock, timeout), self._open_bell(sock, timeout)
            )
        else:
            await self._open(sock, timeout)

    async def _open_bell(self, sock: Sock, timeout: float) -> None:
        """Open the page's bell socket and wait for its first count, as the
        page's notification bell does; it then stays open beside the room's."""
        t = sock.target
        try:
            sock.bell = await connect(
                t.bell_url,
                additional_headers={"Cookie": t.cookie, "Origin": t.origin},
                open_timeout=timeout,
                ping_interval=None,
                close_timeout=2,
                compression=None,
            )
            first = json.loads(await asyncio.wait_for(sock.bell.recv(), timeout))
            if first.get("type") != "notification.count":
                raise RuntimeError(f"first bell frame was {first.get('type')}")
        except Exception as exc:
            sock.failures += 1
            sock.error = f"bell {type(exc).__name__}: {exc}"[:200]
            if sock.bell is not None:
                await sock.bell.close()
            sock.bell = None
            return
        sock.bell_task = asyncio.create_task(self._read_bell(sock))

    async def _read_bell(self, sock: Sock) -> None:
        try:
            async for _raw in sock.bell:
                sock.bell_frames += 1
        except Exception as exc:
            if not sock.error:
                sock.error = f"bell {type(exc).__name__}: {exc}"[:200]

    async def connect_all(self, at: int | None, timeout: float) -> dict:
        if at is not None:
            delay = (at - now_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            await asyncio.gather(*(self._open_page(s, timeout) for s in self.socks))
        else:
            gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

            async def one(sock: Sock) -> None:
                async with gate:
                    await self._open_page(sock, timeout)

            await asyncio.gather(*(one(s) for s in self.socks))
        return {
            "synced": [s.state_ns for s in self.socks if s.state_ns is not None],
            "failures": sum(s.failures for s in self.socks),
            "errors": sorted({s.error for s in self.socks if s.error})[:5],
            "seqs": {
                str(m): max(
                    (s.start_seq for s in self.socks if s.target.meeting == m),
                    default=None,
                    key=lambda v: -1 if v is None else v,
                )
                for m in self.per_meeting
            },
        }

    # -- reading --------------------------------------------------------------
    async def _read(self, sock: Sock) -> None:
        ws = sock.ws
        meeting = sock.target.meeting
        try:
            async for raw in ws:
                t = now_ns()
                message = json.loads(raw)
                seq = message.get("seq")
                kind = message.get("type")
                if seq is not None and kind != "room.state":
                    last = sock.last_seq
                    if seq in sock.received or (last is not None and seq <= last):
                        if seq in sock.received:
                            sock.duplicates += 1
                        else:
                            sock.disorder += 1
                    else:
                        if last is not None and seq != last + 1:
                            sock.gaps += 1
                        sock.last_seq = seq
                        sock.received[seq] = t
                        key = (meeting, seq)
                        self.counts[key] += 1
                        if self.counts[key] == self.per_meeting[meeting]:
                            self.progress[self.slot] = seq
                            del self.counts[key]
                    if kind == "vote.opened" and self.vote_window is not None:
                        asyncio.create_task(self._cast(sock, message))
                    elif kind == "vote.closed":
                        sock.closed_ns = t
                        sock.closed_counts = (
                            (message.get("vote") or {}).get("result", {}).get("counts")
                        )
                elif (
                    kind in ("ack", "error")
                    and message.get("id") == f"v{sock.target.index}"
                ):
                    sock.ack_ns = t
                    if kind == "ack":
                        sock.acked_option = message["result"].get("option")
                    else:
                        sock.cast_error = message.get("code", "error")
        except Exception as exc:
            if not sock.error:
                sock.error = f"{type(exc).__name__}: {exc}"[:200]

    async def _cast(self, sock: Sock, opened: dict) -> None:
        vote = opened["vote"]
        keys = [o["key"] for o in vote["options"]]
        option = keys[sock.target.index % len(keys)]
        await asyncio.sleep(random.uniform(0, self.vote_window))
        sock.cast_ns = now_ns()
        await sock.ws.send(
            json.dumps(
                {
                    "type": "vote.cast",
                    "id": f"v{sock.target.index}",
                    "vote": vote["id"],
                    "option": option,
                }
            )
        )

    async def collect(self, final: dict[str, int], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(
                s.last_seq is not None
                and s.last_seq >= final.get(str(s.target.meeting), 0)
                for s in self.socks
            ):
                break
            await asyncio.sleep(0.05)
        received: dict[str, dict[int, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        missing = 0
        for s in self.socks:
            target = final.get(str(s.target.meeting))
            if target is not None and s.start_seq is not None:
                expected = set(range(s.start_seq + 1, target + 1))
                missing += len(expected - set(s.received))
            for seq, t in s.received.items():
                received[str(s.target.meeting)][seq].append(t)
        return {
            "received": {m: dict(v) for m, v in received.items()},
            "missing": missing,
            "gaps": sum(s.gaps for s in self.socks),
            "duplicates": sum(s.duplicates for s in self.socks),
            "disorder": sum(s.disorder for s in self.socks),
            "dead": sum(
                1 for s in self.socks if s.ws is None or s.task is None or s.task.done()
            ),
            "bell_dead": sum(
                1
                for s in self.socks
                if s.target.bell_url
                and (s.bell is None or s.bell_task is None or s.bell_task.done())
            ),
            "errors": sorted({s.error for s in self.socks if s.error})[:5],
        }

    def vote_report(self) -> dict:
        return {
            "acks": [
                (s.ack_ns - s.cast_ns) for s in self.socks if s.ack_ns and s.cast_ns
            ],
            "options": [s.acked_option for s in self.socks if s.acked_option],
            "cast_errors": [s.cast_error for s in self.socks if s.cast_error],
            "not_cast": sum(1 for s in self.socks if s.cast_ns is None),
            "closed": [s.closed_ns for s in self.socks if s.closed_ns],
            "not_closed": sum(1 for s in self.socks if s.closed_ns is None),
            "closed_counts": [s.closed_counts for s in self.socks[:1]],
        }

    async def close_all(self) -> None:
        for s in self.socks:
            for task in (s.task, s.bell_task):
                if task is not None:
                    task.cancel()
        await asyncio.gather(
            *(
                ws.close()
                for s in self.socks
                for ws in (s.ws, s.bell)
                if ws is not None
            ),
            return_exceptions=True,
        )
        for s in self.socks:
            s.ws = s.bell = None
            s.task = s.bell_task = None


async def _serve(conn, targets: list[Target], progress, slot: int) -> None:
    worker = Worker(targets, progress, slot)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        op = command["op"]
        if op == "connect":
            answer = await worker.connect_all(
                command.get("at"), command.get("timeout", 60)
            )
        elif op == "collect":
            answer = await worker.collect(command["final"], command.get("timeout", 30))
        elif op == "vote":
            worker.vote_window = command["window"]
            answer = {"ok": True}
        elif op == "vote_report":
            answer = worker.vote_report()
        elif op == "reconnect":
            await worker.close_all()
            answer = await worker.connect_all(command["at"], command.get("timeout", 60))
        elif op == "close":
            await worker.close_all()
            conn.send({"ok": True})
            return
        else:
            answer = {"error": f"unknown op {op}"}
        conn.send(answer)


def _worker_main(conn, targets, progress, slot) -> None:
    asyncio.run(_serve(conn, targets, progress, slot))


class ProcessPool:
    """``processes`` worker processes running ``main(conn, items, progress,
    slot)`` on ``items`` shared round-robin, driven through one pipe each.

    ``progress`` is one shared integer per worker, starting at ``start``;
    :meth:`min_progress` is the least of them.
    """

    #: How the workers are named in errors.
    kind = "client"

    def __init__(self, main, items: list, processes: int, *, start: int = -1) -> None:
        ctx = mp.get_context("spawn")
        processes = max(1, min(processes, len(items)))
        self.progress = ctx.Array("q", [start] * processes, lock=False)
        self.conns = []
        self.procs = []
        for slot in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=main,
                args=(child, items[slot::processes], self.progress, slot),
                daemon=True,
            )
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    def call(self, command: dict, timeout: float = 600) -> list[dict]:
        for conn in self.conns:
            conn.send(command)
        answers = []
        for conn in self.conns:
            if not conn.poll(timeout):
                raise TimeoutError(f"{self.kind} worker did not answer {command['op']}")
            answers.append(conn.recv())
        return answers

    def min_progress(self) -> int:
        return min(self.progress)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call({"op": "close"}, timeout=30)
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


class ClientPool(ProcessPool):
    """Worker processes sharing the room sockets ``targets`` round-robin."""

    def __init__(self, targets: list[Target], processes: int) -> None:
        super().__init__(_worker_main, targets, processes)
