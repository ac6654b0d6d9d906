"""Measure one system's fan-out: N clients in one room, a chair sending events."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Iterator

from bench import front
from bench.clients import ClientPool, Target
from bench.driver import Chair, latency_stats
from bench.proc import cpu_seconds, now_ns, rss_bytes
from bench.servers import profiling

logger = logging.getLogger("bench")

#: A room frame for the baselines when the room did not run in this invocation.
SAMPLE_FRAME = {
    "type": "present.page",
    "presentation": {
        "document": 1,
        "title": "Báo cáo tình hình kinh tế - xã hội",
        "version": 1,
        "page": 2,
        "pages": 4,
        "region": None,
        "src": "/documents/1/versions/1/pages/2/",
        "by": 1,
    },
}


def client_processes(n: int) -> int:
    return max(2, math.ceil(n / 300))


def targets_for(
    ports: list[int],
    cookies: dict[str, str],
    users: list[str],
    meeting: int,
    start=0,
    *,
    bell: bool = False,
) -> list[Target]:
    """One target per user, spread over ``ports``; with ``bell`` each also
    holds the bell socket (``/ws/me/``) on the same process, as a page does."""
    out = []
    through = front.front_for(ports)  # bench/nginx.py: through nginx, on wss
    for i, user in enumerate(users):
        port = ports[i % len(ports)]
        scheme, port = ("s", through) if through else ("", port)
        out.append(
            Target(
                url=f"ws{scheme}://127.0.0.1:{port}/ws/meetings/{meeting}/",
                cookie=cookies.get(user, ""),
                origin=f"http{scheme}://127.0.0.1:{port}",
                meeting=meeting,
                index=start + i,
                bell_url=f"ws{scheme}://127.0.0.1:{port}/ws/me/" if bell else None,
            )
        )
    return out


def baseline_commands(frames: list[dict]) -> Iterator[dict]:
    frames = frames or [SAMPLE_FRAME]
    k = 0
    while True:
        event = {key: v for key, v in frames[k % len(frames)].items() if key != "seq"}
        yield {"type": "bench.event", "event": event}
        k += 1


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


def _rss(pids: list[int]) -> int:
    return sum(rss_bytes(p) for p in pids)


async def _drive(
    chair: Chair,
    pool: ClientPool,
    commands: Iterator[dict],
    events: int,
    pids: list[int],
    *,
    gap: float,
    timeout: float,
) -> dict:
    sends: dict[int, int] = {}
    frames: list[dict] = []
    slow = 0
    cpu0 = _cpu(pids)
    for _ in range(events):
        t, event, _raw, _answer = await chair.command(next(commands), timeout=timeout)
        seq = event["seq"]
        sends[seq] = t
        frames.append(event)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while pool.min_progress() < seq:
            if loop.time() > deadline:
                slow += 1
                break
            await asyncio.sleep(0.001)
        # The room refuses more than ROOM_RATE_PER_SECOND (20) commands a
        # second from one socket: a chair never sends that many. Pace events
        # at most every ``gap`` seconds, the same for every system.
        spent = (now_ns() - t) / 1e9
        await asyncio.sleep(max(0.0, gap - spent))
    cpu = _cpu(pids) - cpu0
    return {"sends": sends, "frames": frames, "cpu": cpu, "timeouts": slow}


def fanout(
    *,
    system: str,
    servers: list | None = None,
    ports: list[int],
    pids: list[int],
    cookies: dict[str, str],
    chair_user: str,
    users: list[str],
    meeting: int,
    commands: Iterator[dict],
    events: int,
    gap: float = 0.075,
    timeout: float = 30.0,
    bell: bool = False,
) -> dict:
    """Connect ``users`` to one room, drive ``events`` and return the figures.

    With ``bell`` (Nghị Sự, not the baselines) every client and the chair also
    hold the bell socket a real page opens."""
    targets = targets_for(ports, cookies, users, meeting, bell=bell)
    rss0 = _rss(pids)
    pool = ClientPool(targets, client_processes(len(users)))
    try:
        connected = pool.call({"op": "connect", "timeout": 120})
        failures = sum(c["failures"] for c in connected)
        rss1 = _rss(pids)
        chair = Chair()
        port = ports[0]

        async def run() -> dict:
            await chair.open(
                f"ws://127.0.0.1:{port}/ws/meetings/{meeting}/",
                cookies.get(chair_user, ""),
                f"http://127.0.0.1:{port}",
                bell=bell,
            )
            try:
                # Warm up: one event not counted (first-use imports, caches).
                warm = await _drive(
                    chair, pool, commands, 2, pids, gap=gap, timeout=timeout
                )
                logger.debug("warm-up: %s", warm["timeouts"])
                with profiling(servers or [], f"fanout{len(users)}"):
                    return await _drive(
                        chair, pool, commands, events, pids, gap=gap, timeout=timeout
                    )
            finally:
                await chair.close()

        driven = asyncio.run(run())
        sends = driven["sends"]
        final = max(sends)
        collected = pool.call({"op": "collect", "final": {str(meeting): final}})
    finally:
        pool.close()
    deliveries: list[int] = []
    last_per_event: dict[int, int] = {}
    for answer in collected:
        for seq, times in answer["received"].get(str(meeting), {}).items():
            seq = int(seq)
            if seq not in sends:
                continue
            for t in times:
                deliveries.append(t - sends[seq])
            last_per_event[seq] = max(
                last_per_event.get(seq, 0), max(times) - sends[seq]
            )
    expected = len(sends) * len(users)
    measured = sum(1 for _ in deliveries)
    cpu = driven["cpu"]
    frame_bytes = [
        len(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
        for f in driven["frames"]
    ]
    return {
        "system": system,
        "clients": len(users),
        "events": len(sends),
        "latency": latency_stats(deliveries),
        "all_received": latency_stats(list(last_per_event.values())),
        "server_cpu_s": round(cpu, 3),
        "cpu_per_event_ms": round(cpu / len(sends) * 1e3, 3),
        "cpu_per_message_us": round(cpu / max(1, measured) * 1e6, 2),
        "rss_per_connection_kb": round((rss1 - rss0) / 1024 / len(users), 1),
        "frame_bytes_mean": round(sum(frame_bytes) / len(frame_bytes)),
        "connect_failures": failures,
        "lost": expected - measured,
        "missing": sum(a["missing"] for a in collected),
        "gaps": sum(a["gaps"] for a in collected),
        "duplicates": sum(a["duplicates"] for a in collected),
        "out_of_order": sum(a["disorder"] for a in collected),
        "bell_sockets": len(targets) if bell else 0,
        "bell_dead": sum(a["bell_dead"] for a in collected),
        "slow_events": driven["timeouts"],
        "errors": sorted({e for a in collected for e in a["errors"]})[:5],
        "_frames": driven["frames"],
    }
